"""The README's custom-loop example runs exactly as written and actually trains."""

from __future__ import annotations

import math
import re
from pathlib import Path

import torch

README = Path(__file__).resolve().parents[1] / "README.md"
HEADING = "## Use a dalearn loss in your own training loop"


def readme_snippet() -> str:
    text = README.read_text(encoding="utf-8")
    assert HEADING in text, f"{README} lost the heading {HEADING!r}"
    section = text.split(HEADING, 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)
    assert len(blocks) == 1, f"expected one python block under {HEADING!r}, found {len(blocks)}"
    return blocks[0]


def test_readme_training_loop_runs_and_learns(capsys):
    namespace: dict = {"__name__": "readme_snippet"}
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny matrices: intra-op threads only contend (12 s vs 0.3 s on 2 busy cores)
    try:
        exec(compile(readme_snippet(), str(README), "exec"), namespace)
    finally:
        torch.set_num_threads(threads)
    assert "domain accuracy" in capsys.readouterr().out

    assert math.isfinite(namespace["loss"].item())
    accuracy = float(namespace["adversarial"].domain_discriminator_accuracy)
    assert 0.0 <= accuracy <= 1.0

    features, classifier = namespace["features"], namespace["classifier"]
    gen = torch.Generator().manual_seed(2024)
    x = torch.randn(2000, 20, generator=gen)
    with torch.no_grad():
        predicted = classifier(features(x)).argmax(dim=1)
    source_accuracy = (predicted == x[:, :3].argmax(dim=1)).float().mean().item()
    assert source_accuracy > 0.8
