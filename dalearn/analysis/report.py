"""CSV tables and the ``index.html`` page that shows the analysis."""

from __future__ import annotations

import csv
import html
import io
from pathlib import Path
from typing import Any, Sequence

from dalearn.io import atomic_write_text


def write_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    atomic_write_text(path, buffer.getvalue())


def _format(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4f}"
    return html.escape(str(value))


def html_table(header: Sequence[str], rows: Sequence[Sequence[Any]], limit: int = 400) -> str:
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{_format(v)}</td>" for v in row) + "</tr>" for row in rows[:limit])
    more = f"<p>… {len(rows) - limit} more rows in the CSV.</p>" if len(rows) > limit else ""
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{more}"


STYLE = (
    "body{font-family:sans-serif;max-width:1200px;margin:auto;padding:1em}"
    "table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}"
    "img{max-width:100%}.headline{font-size:1.6em;font-weight:bold;margin:.4em 0}"
    ".subtitle{color:#555}.warning{background:#fff4e5;border-left:4px solid #f0a030;padding:.4em .8em}"
)


def write_index(path: Path, title: str, sections: Sequence[dict[str, Any]], subtitle: str = "") -> None:
    """``sections``: ``{"heading", "headline"?, "text"?, "warnings"? [str], "image"?,
    "table"? (header, rows), "csv"?}``; a ``headline`` is shown large, first in its section."""
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
    ]
    if subtitle:
        parts.append(f"<p class='subtitle'>{html.escape(subtitle)}</p>")
    for section in sections:
        parts.append(f"<h2>{html.escape(section['heading'])}</h2>")
        if section.get("headline"):
            parts.append(f"<p class='headline'>{html.escape(section['headline'])}</p>")
        if section.get("text"):
            parts.append(f"<p>{html.escape(section['text'])}</p>")
        for warning in section.get("warnings", ()):
            parts.append(f"<p class='warning'>⚠ {html.escape(warning)}</p>")
        if section.get("image"):
            parts.append(f"<img src='{html.escape(section['image'])}' alt='{html.escape(section['heading'])}'>")
        if section.get("table"):
            parts.append(html_table(*section["table"]))
        if section.get("csv"):
            parts.append(f"<p><a href='{html.escape(section['csv'])}'>{html.escape(section['csv'])}</a></p>")
    parts.append("</body></html>\n")
    atomic_write_text(path, "\n".join(parts))
