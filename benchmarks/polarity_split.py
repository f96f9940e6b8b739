"""Accuracy on Fashion-MNIST-M split by polarity: where the blended photo patch is bright, the
garment comes out *darker* than its background (|patch − image|), the opposite of every source
image. This script measures, for trained runs, how much of their target accuracy comes from the
normal-polarity images and how much from the inverted ones — the evidence behind the
"Why … fall short on Fashion-MNIST-M" paragraphs of benchmarks/RESULTS.md.

A test image is *inverted* when the mean of its photo patch (all pixels, all channels) is above
0.5. The patches are regenerated exactly: the offline data blends with |patch − image|, so
blending an all-zero image with the same seed returns the patch itself.

    python benchmarks/polarity_split.py outputs/benchmark/offline/fashion_mnist_clean2m/*/seed* \
        --checkpoint last --out benchmarks/results/polarity_split.md

Every run must be a Fashion-MNIST → Fashion-MNIST-M run written by ``dalearn-train``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections import defaultdict
from pathlib import Path

import torch

from dalearn.analysis.loading import build_run, read_run
from dalearn.analysis.pipeline import evaluation_sets
from dalearn.data.offline import blend_with_photos, fashion_mnist
from dalearn.io import atomic_write_text
from dalearn.tables.reference import method_label


def inverted_mask(n: int, size: int = 28) -> torch.Tensor:
    """True where test image i of Fashion-MNIST-M has a patch brighter than 0.5 on average
    (the test split's blending seed is 1: ``dalearn.data.offline``'s ``seed * 2 + 1``)."""
    patches = blend_with_photos(torch.zeros(n, 1, size, size), 1)
    return patches.mean(dim=(1, 2, 3)) > 0.5


@torch.no_grad()
def predictions(model: torch.nn.Module, dataset, batch_size: int = 1000) -> tuple[torch.Tensor, torch.Tensor]:
    """(predicted class, label) for every item of ``dataset``, in order."""
    loader = torch.utils.data.DataLoader(dataset, batch_size=batch_size, shuffle=False)
    predicted, labels = [], []
    for x, y in loader:
        predicted.append(model(x).argmax(dim=1))
        labels.append(y)
    return torch.cat(predicted), torch.cat(labels)


def split_accuracy(run_dir: Path, checkpoint: str) -> tuple[str, dict[str, float]]:
    """(method, {all, normal, inverted} accuracy in %) of one run's checkpoint."""
    path = run_dir / "checkpoints" / f"{checkpoint}.ckpt"
    loaded = build_run(read_run(path if path.is_file() else run_dir))
    data = loaded.config.data
    if data.get("name") != "fashion_mnist_clean2m":
        raise SystemExit(f"{run_dir}: a {data.get('name')} run; this script reads Fashion-MNIST → -M runs only")
    _, target, _ = evaluation_sets(loaded)
    predicted, labels = predictions(loaded.model, target)
    reference = fashion_mnist("test", "m", root=data.get("root"))
    if not torch.equal(labels, torch.as_tensor(reference.labels)):
        raise SystemExit(f"{run_dir}: the target test images are not in the order of the Fashion-MNIST test split")
    inverted = inverted_mask(len(labels))
    correct = (predicted == labels).float()
    return loaded.config.method.name, {
        "all": 100 * correct.mean().item(),
        "normal": 100 * correct[~inverted].mean().item(),
        "inverted": 100 * correct[inverted].mean().item(),
        "inverted share": 100 * inverted.float().mean().item(),
    }


def table(results: dict[str, list[dict[str, float]]], checkpoint: str, command: str) -> str:
    keys = ("all", "normal", "inverted")
    share = statistics.mean(r["inverted share"] for rows in results.values() for r in rows)
    lines = [
        f"Fashion-MNIST → Fashion-MNIST-M test accuracy (%) by polarity, `{checkpoint}.ckpt` of each run; "
        f"mean ± std over the runs (seeds) of each method. Inverted: {share:.1f} % of the test images.",
        "",
        f"```bash\n{command}\n```",
        "",
        "| method | runs | all | normal polarity | inverted polarity |",
        "|---|---:|---:|---:|---:|",
    ]
    for method, rows in results.items():
        cells = []
        for key in keys:
            values = [r[key] for r in rows]
            spread = f" ± {statistics.stdev(values):.1f}" if len(values) > 1 else ""
            cells.append(f"{statistics.mean(values):.1f}{spread}")
        lines.append(f"| {method_label(method)} | {len(rows)} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("runs", nargs="+", type=Path, help="run directories (Fashion-MNIST → -M)")
    parser.add_argument("--checkpoint", choices=("best", "last"), default="last")
    parser.add_argument("--out", type=Path, default=None, help="also write the table to this Markdown file")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    results: dict[str, list[dict[str, float]]] = defaultdict(list)
    for run_dir in sorted(args.runs):
        method, accuracy = split_accuracy(run_dir, args.checkpoint)
        results[method].append(accuracy)
        print(f"{run_dir}: " + ", ".join(f"{k} {v:.1f}" for k, v in accuracy.items()), flush=True)
    command = "python benchmarks/polarity_split.py " + " ".join(sys.argv[1:] if argv is None else argv)
    text = table(dict(results), args.checkpoint, command)
    print(text)
    if args.out is not None:
        atomic_write_text(args.out, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
