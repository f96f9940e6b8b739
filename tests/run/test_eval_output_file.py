"""dalearn-eval writes ``eval.json`` beside the checkpoint's run only over an ``eval.json`` of
its own: a file of that name the user made is refused before any work (pass ``output=…``)."""

from __future__ import annotations

import json

import pytest

from dalearn.run.evaluation import default_output


def test_a_foreign_eval_json_is_not_overwritten(tmp_path):
    run = tmp_path / "run"
    (run / "checkpoints").mkdir(parents=True)
    checkpoint = run / "checkpoints" / "best.ckpt"
    assert default_output(checkpoint) == run / "eval.json"
    (run / "eval.json").write_text(json.dumps({"checkpoint": "x", "data": "y", "results": {}}))
    assert default_output(checkpoint) == run / "eval.json"  # one dalearn-eval wrote: replaced
    (run / "eval.json").write_text('{"my": "notes"}')
    with pytest.raises(FileExistsError, match=r"eval.json exists and was not written by dalearn-eval.*output="):
        default_output(checkpoint)
    assert json.loads((run / "eval.json").read_text()) == {"my": "notes"}
