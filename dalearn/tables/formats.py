"""A table as Markdown, CSV and LaTeX, in the layout of the published tables:
``Methods | paper | Avg | <task> …`` with one row per method.

All three carry the same cell text (``85.2 ± 0.4 (3)``, ``– (0/3: 3 missing)``); the
Markdown and LaTeX versions add the title and the notes (selection rule, what the marks
mean, where the paper column comes from). The LaTeX table needs ``\\usepackage{booktabs}``.
"""

from __future__ import annotations

import csv
import io

from dalearn.tables.build import Table

NO_NUMBER = "/"


def _paper_text(value: float | None) -> str:
    return NO_NUMBER if value is None else f"{value:.1f}"


def rows_of(table: Table) -> list[list[str]]:
    """Header row, then one row of cell texts per method."""
    header = ["Methods", "paper", "Avg", *(column.label for column in table.columns)]
    body = [
        [row.label, _paper_text(row.paper), row.average.text(), *(cell.text(table.rule) for cell in row.cells)]
        for row in table.rows
    ]
    return [header, *body]


def to_markdown(table: Table) -> str:
    header, *body = rows_of(table)
    lines = [f"### {table.title}", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cells) + " |" for cells in body]
    lines += [""] + [f"- {note}" for note in table.notes]
    return "\n".join(lines) + "\n"


def to_csv(table: Table) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows_of(table))
    return buffer.getvalue()


_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "→": r"$\rightarrow$",
    "±": r"$\pm$",
    "–": "--",
    "—": "---",
    "…": r"\ldots{}",
}


def latex_escape(text: str) -> str:
    return "".join(_LATEX_SPECIAL.get(char, char) for char in text)


def to_latex(table: Table) -> str:
    header, *body = rows_of(table)
    lines = [f"% {latex_escape(note)}" for note in table.notes]
    lines += [
        r"\begin{table}[t]",
        r"\centering",
        rf"\caption{{{latex_escape(table.title)}}}",
        r"\begin{tabular}{l" + "c" * (len(header) - 1) + "}",
        r"\toprule",
        " & ".join(latex_escape(cell) for cell in header) + r" \\",
        r"\midrule",
    ]
    lines += [" & ".join(latex_escape(cell) for cell in cells) + r" \\" for cells in body]
    lines += [r"\bottomrule", r"\end{tabular}", r"\end{table}"]
    return "\n".join(lines) + "\n"


FORMATS = {"md": to_markdown, "csv": to_csv, "tex": to_latex}
