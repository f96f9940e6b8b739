"""dalearn-drift's progress outside a terminal: a line every 5 % of the batches on the console
log, never a redrawn bar."""

from __future__ import annotations

from pathlib import Path

from dalearn.drift.generator import ImageDatasetGenerator
from dalearn.drift.transforms import ImageTransform, TransformInfo
from dalearn.io import setup_logging


def test_generation_progress_is_a_few_log_lines(tree: Path, tmp_path: Path, capsys) -> None:
    setup_logging()
    generator = ImageDatasetGenerator(0, input_path=str(tree), batch_size=1)
    generator.add_abrupt_drift([TransformInfo(ImageTransform.GAUSSIAN_NOISE, 0.3)])
    generator.sample(120, tmp_path / "out")
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("[dalearn] generate 120 samples:")]
    assert 5 <= len(lines) <= 21 and "\r" not in err
    assert lines[-1].startswith("[dalearn] generate 120 samples: 100% (120/120 batches")
