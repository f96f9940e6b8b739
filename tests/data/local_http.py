"""A local HTTP server on 127.0.0.1 for the downloader tests: serves in-memory files, honours
``Range: bytes=N-`` (or ignores it, or answers a range with the whole file as a 206 from byte
0, on request), can cut a transfer halfway once, and records every request it saw."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class ServerState:
    files: dict[str, bytes] = field(default_factory=dict)
    interrupt_once: set[str] = field(default_factory=set)
    ranges: bool = True
    range_from_zero: bool = False
    requests: list[tuple[str, str | None]] = field(default_factory=list)


def _handler(state: ServerState) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # keep pytest output clean
            pass

        def do_GET(self) -> None:
            name = self.path.lstrip("/")
            range_header = self.headers.get("Range")
            state.requests.append((name, range_header))
            if name not in state.files:
                self.send_error(404, "Not Found")
                return
            data = state.files[name]
            start = 0
            if range_header and state.ranges and range_header.startswith("bytes="):
                start = 0 if state.range_from_zero else int(range_header[len("bytes=") :].split("-", 1)[0])
                if start >= len(data):
                    self.send_error(416, "Range Not Satisfiable")
                    return
                self.send_response(206)
                self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
            else:
                self.send_response(200)
            body = data[start:]
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Content-Type", "application/octet-stream")
            self.end_headers()
            if name in state.interrupt_once:
                state.interrupt_once.discard(name)
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.close_connection = True
                return
            self.wfile.write(body)

    return Handler


class LocalServer:
    """Context manager: ``with LocalServer(state) as base_url: ...``."""

    def __init__(self, state: ServerState) -> None:
        self.state = state
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
