"""``dalearn-collect --out`` and ``dalearn-select --out`` write only into a folder dalearn made
(or a new or empty one, or one an earlier version filled with tables): a folder of the user's
that holds a ``summary.md`` or ``oracle.md`` of their own is refused by name, untouched."""

from __future__ import annotations

from fake_checkpoints import write_run as write_checkpoint_run
from golden_sweeps import offline_sweep

from dalearn.cli.collect import main as collect
from dalearn.cli.select import main as select
from dalearn.io.ownership import MARKER, read_marker


def _select_sweep(root):
    write_checkpoint_run(root, "digits", "dann", 0.01, 0, {"ima": [0.1, 0.5]}, [0.50, 0.70])
    write_checkpoint_run(root, "digits", "dan", 0.01, 0, {"ima": [0.3, 0.4]}, [0.55, 0.85])
    return root


def test_collect_refuses_a_folder_of_someone_elses_and_marks_its_own(tmp_path, capsys):
    sweep = offline_sweep(tmp_path / "sweep")
    mine = tmp_path / "thesis"
    mine.mkdir()
    (mine / "oracle.md").write_text("my own table")
    (mine / "thesis.tex").write_text("\\begin{document}")
    assert collect([str(sweep), "--out", str(mine), "--quiet"]) == 2
    error = capsys.readouterr().err
    assert str(mine) in error and "thesis.tex" in error and "another --out" in error
    assert (mine / "oracle.md").read_text() == "my own table" and sorted(p.name for p in mine.iterdir()) == [
        "oracle.md",
        "thesis.tex",
    ]

    assert collect([str(sweep), "--quiet"]) == 0
    assert read_marker(sweep / "tables")["kind"] == "tables"
    assert collect([str(sweep), "--quiet"]) == 0, "its own folder again"
    assert select([str(sweep), "--out", str(sweep / "tables"), "--quiet"]) == 2, "a tables folder is not select's"


def test_collect_takes_over_a_tables_folder_an_earlier_version_wrote(tmp_path):
    sweep = offline_sweep(tmp_path / "sweep")
    old = sweep / "tables"
    (old / "group").mkdir(parents=True)
    (old / "oracle.md").write_text("old")
    (old / "group" / "src_val.csv").write_text("old")
    assert collect([str(sweep), "--quiet"]) == 0
    assert (old / MARKER).is_file() and (old / "oracle.md").read_text() != "old"


def test_select_refuses_a_folder_of_someone_elses(tmp_path, capsys):
    sweep = _select_sweep(tmp_path / "sweep")
    mine = tmp_path / "notes"
    mine.mkdir()
    (mine / "summary.md").write_text("my notes")
    (mine / "data.npz").write_bytes(b"x")
    assert select([str(sweep), "--by", "ima", "--out", str(mine), "--quiet", "--no-plot"]) == 2
    assert str(mine) in capsys.readouterr().err and (mine / "summary.md").read_text() == "my notes"
    assert select([str(sweep), "--by", "ima", "--quiet", "--no-plot"]) == 0
    assert read_marker(sweep / "selection")["kind"] == "selection"
    assert (sweep / "selection" / "summary.md").is_file()
