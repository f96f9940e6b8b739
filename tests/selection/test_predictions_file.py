"""A run's predictions.npz: float16 rows, 2·C bytes per image per epoch, read back exactly as
written (to float16 precision), written atomically (no temporary file left), and a file that is
not one is refused with its name."""

from __future__ import annotations

import numpy as np
import pytest

from dalearn.selection.predictions import Predictions, read_predictions, write_predictions


def test_round_trip_layout_and_size(tmp_path):
    rng = np.random.default_rng(0)
    probs = rng.dirichlet(np.ones(10), size=(3, 539))
    path = tmp_path / "predictions.npz"
    write_predictions(path, Predictions(probs=probs, epochs=np.array([0, 1, 2]), rows=np.arange(539)))
    found = read_predictions(path)
    assert found.probs.dtype == np.float16 and found.probs.shape == (3, 539, 10)
    assert np.abs(found.probs.astype(np.float64) - probs).max() <= 2**-11
    assert found.epochs.tolist() == [0, 1, 2] and found.rows.tolist() == list(range(539))
    assert found.bytes_per_image == 20
    np.testing.assert_array_equal(found.at(1), found.probs[1])
    with pytest.raises(KeyError):
        found.at(7)
    # 3 epochs × 539 images × 20 B, + 8 B per row index, + the zip and .npy headers (< 1 kB)
    assert 3 * 539 * 20 + 539 * 8 <= path.stat().st_size <= 3 * 539 * 20 + 539 * 8 + 1024
    assert sorted(p.name for p in tmp_path.iterdir()) == ["predictions.npz"]


def test_shapes_must_agree_and_a_foreign_file_is_refused(tmp_path):
    with pytest.raises(ValueError, match="one epoch number per slice"):
        write_predictions(tmp_path / "p.npz", Predictions(np.zeros((2, 3, 4)), np.array([0]), np.arange(3)))
    bad = tmp_path / "predictions.npz"
    bad.write_text("not a zip")
    with pytest.raises(ValueError, match="predictions.npz: not a dalearn predictions file"):
        read_predictions(bad)
