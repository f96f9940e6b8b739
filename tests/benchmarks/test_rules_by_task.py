"""benchmarks/rules_by_task.py turns the collector's per-rule CSVs into one table per task with a
column per rule: every cell lands under its rule and task, a full seed count is dropped and a
partial one kept, ``src_acc`` (the same ranking as ``src_val``) is left out."""

from __future__ import annotations

from benchmark_scripts import load_benchmark

HEADER = "Methods,paper,Avg,Digits → Digits-drift,Fashion-MNIST → Fashion-MNIST-M\n"


def test_one_table_per_task_with_a_column_per_rule(tmp_path):
    (tmp_path / "oracle.csv").write_text(HEADER + "MCC,/,61.0 ± 1.0 (3),90.0 ± 2.0 (3),32.0 ± 1.0 (2)\n")
    (tmp_path / "bnm.csv").write_text(HEADER + "MCC,/,60.0 ± 0.5 (3),89.0 ± 1.0 (3),31.0 ± 0.4 (3)\n")
    (tmp_path / "src_acc.csv").write_text(HEADER + "MCC,/,1 (3),2 (3),3 (3)\n")
    out = tmp_path / "rules.md"
    assert load_benchmark("rules_by_task").main([str(tmp_path), "--out", str(out)]) == 0
    text = out.read_text()
    assert "#### Average over the tasks" in text and "#### Fashion-MNIST → Fashion-MNIST-M" in text
    assert "| method | oracle | bnm |" in text and "src_acc" not in text
    assert "| MCC | 90.0 ± 2.0 | 89.0 ± 1.0 |" in text
    assert "| MCC | 32.0 ± 1.0 (2) | 31.0 ± 0.4 |" in text
