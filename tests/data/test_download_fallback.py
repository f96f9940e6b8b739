"""dalearn-data download with several URLs per archive: dead links (404, refused connection, an
HTML page instead of the archive) fall through to the next URL, each attempt is reported, a
total failure names every URL and what to place where, a kept partial download resumes from
the URL it came from, and Ctrl-C leaves one line and exit status 130."""

from __future__ import annotations

import dataclasses
import socket

import pytest
from local_http import LocalServer, ServerState

from dalearn.cli.data import main
from dalearn.data import download as download_module
from dalearn.data.benchmarks import Resource, get_benchmark
from dalearn.data.download import DownloadError, download_dataset, partial_source


def refused_url() -> str:
    """A URL on a local port nothing listens on (bound, then closed)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def office31_with(folder: str, urls: tuple[str, ...]):
    """Office-31's spec with ``folder``'s archive fetched from ``urls``."""
    spec = get_benchmark("office31")
    resources = tuple(dataclasses.replace(r, urls=urls) if r.folder == folder else r for r in spec.resources)
    return dataclasses.replace(spec, resources=resources)


def test_resource_needs_at_least_one_url():
    with pytest.raises(ValueError, match="urls must be a non-empty list"):
        Resource("amazon", "amazon.tgz", ())
    assert Resource("amazon", "amazon.tgz", "http://host/a.tgz").urls == ("http://host/a.tgz",)


def test_every_builtin_archive_has_urls_and_no_invented_checksums():
    for name in ("office31", "office_home", "visda", "domainnet"):
        spec = get_benchmark(name)
        for resource in spec.resources:
            assert resource.urls and all(url.startswith(("http://", "https://")) for url in resource.urls)
            assert resource.sha256 is None  # no host publishes one; see the spec docstrings
    visda = get_benchmark("visda").resource("train")
    assert visda.urls[0].startswith("http://csr.bu.edu/") and "tsinghua" in visda.urls[1]
    assert all(r.urls[0].startswith("http://csr.bu.edu/") for r in get_benchmark("domainnet").resources[1:])


@pytest.mark.parametrize("dead", ["404", "refused", "html"])
def test_a_dead_first_url_falls_through_to_the_second(dead, office31_archives, tmp_path):
    good = ServerState(files={"amazon.tgz": office31_archives["amazon.tgz"]})
    bad = ServerState(files={"amazon.tgz": b"<!DOCTYPE html><html>quota exceeded</html>"} if dead == "html" else {})
    messages = []
    with LocalServer(good) as good_url, LocalServer(bad) as bad_url:
        first = f"{refused_url() if dead == 'refused' else bad_url}/amazon.tgz"
        second = f"{good_url}/amazon.tgz"
        spec = office31_with("amazon", (first, second))
        added = download_dataset(spec, tmp_path, folders=["amazon"], retries=0, log=messages.append)
    assert added == ["amazon"]
    assert len(list((tmp_path / "amazon" / "images").rglob("*.jpg"))) == 6
    assert sorted(p.name for p in tmp_path.iterdir()) == ["amazon"]
    assert f"amazon: downloading {first} (URL 1 of 2)" in messages
    assert f"amazon: downloading {second} (URL 2 of 2)" in messages
    reason = {"404": "HTTP 404", "refused": "cannot connect", "html": "neither a zip nor a tar"}[dead]
    failure = next(m for m in messages if m.startswith("  failed:"))
    assert reason in failure and failure.endswith("trying the next URL")
    assert good.requests == [("amazon.tgz", None)]


def test_all_urls_failing_lists_each_url_and_the_manual_alternative(tmp_path, capsys):
    dead = refused_url()
    with LocalServer(ServerState()) as empty:
        code = main(
            [
                "download",
                "office31",
                "--root",
                str(tmp_path),
                "--only",
                "dslr",
                "--retries",
                "0",
                "--mirror",
                empty,
                "--mirror",
                dead,
            ]
        )
    out, err = capsys.readouterr()
    assert code == 1
    assert f"    {empty}/dslr.tgz: HTTP 404" in err
    assert f"    {dead}/dslr.tgz: cannot connect" in err
    assert f"put the archive at {tmp_path / 'dslr.tgz'}" in err
    assert f"{tmp_path / 'dslr'}/images/<class>/*.jpg exist" in err
    assert "(URL 1 of 2)" in err and "(URL 2 of 2)" in err
    assert list(tmp_path.iterdir()) == []


def test_a_partial_download_resumes_from_its_own_url_first(office31_archives, tmp_path):
    data = office31_archives["webcam.tgz"]
    primary = ServerState(files={"webcam.tgz": data})
    backup = ServerState(files={"webcam.tgz": data}, interrupt_once={"webcam.tgz"})
    with LocalServer(primary) as primary_url, LocalServer(backup) as backup_url:
        spec = office31_with("webcam", (f"{primary_url}/webcam.tgz", f"{backup_url}/webcam.tgz"))
        primary.files.clear()
        with pytest.raises(DownloadError):
            download_dataset(spec, tmp_path, folders=["webcam"], retries=0, log=lambda _: None)
        part = tmp_path / "webcam.tgz.part"
        kept = part.stat().st_size
        assert 0 < kept < len(data) and partial_source(part) == f"{backup_url}/webcam.tgz"

        primary.files["webcam.tgz"] = data
        download_dataset(spec, tmp_path, folders=["webcam"], retries=0, log=lambda _: None)
    assert backup.requests[-1] == ("webcam.tgz", f"bytes={kept}-")
    assert primary.requests == [("webcam.tgz", None)]  # only the first, failed run asked it
    assert sorted(p.name for p in tmp_path.iterdir()) == ["webcam"]


def test_bytes_from_another_url_are_replaced_not_continued(office31_archives, tmp_path):
    data = office31_archives["dslr.tgz"]
    part = tmp_path / "dslr.tgz.part"
    part.write_bytes(b"x" * 100)
    (tmp_path / "dslr.tgz.part.source").write_text("http://elsewhere.invalid/dslr.tgz\n")
    messages = []
    with LocalServer(ServerState(files={"dslr.tgz": data})) as url:
        download_dataset(office31_with("dslr", (f"{url}/dslr.tgz",)), tmp_path, folders=["dslr"], log=messages.append)
    assert any("replacing the 100 bytes fetched earlier from http://elsewhere.invalid/dslr.tgz" in m for m in messages)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dslr"]


def test_ctrl_c_prints_one_line_keeps_the_partial_download_and_exits_130(
    office31_archives, tmp_path, capsys, monkeypatch
):
    def interrupted_after_three_blocks(items, *args, **kwargs):
        for count, item in enumerate(items):
            if count == 3:
                raise KeyboardInterrupt
            yield item

    state = ServerState(files=dict(office31_archives))
    root = tmp_path / "office31"
    with LocalServer(state) as url:
        args = ["download", "office31", "--root", str(root), "--mirror", url, "--only", "amazon"]
        monkeypatch.setattr(download_module, "CHUNK", 64)
        monkeypatch.setattr(download_module, "progress", interrupted_after_three_blocks)
        code = main(args)
        _, err = capsys.readouterr()
        assert code == 130
        said = [line for line in err.splitlines() if not line.startswith("[dalearn] ")]  # progress messages aside
        assert len(said) == 1 and "Traceback" not in err
        assert "interrupted; the partial download" in err and "again resumes it" in err
        assert (root / "amazon.tgz.part").stat().st_size == 3 * 64
        assert partial_source(root / "amazon.tgz.part") == f"{url}/amazon.tgz"

        monkeypatch.undo()
        assert main(args) == 0
    assert state.requests[-1] == ("amazon.tgz", "bytes=192-")
    assert sorted(p.name for p in root.iterdir()) == ["amazon"]
