"""The files ``dalearn-analyze`` writes into a run's ``analysis/`` folder."""

PNGS = ["tsne.png", "per_class_accuracy.png", "confusion_matrix.png", "reliability.png", "history.png"]
CSVS = [
    "tsne.csv",
    "domain_gap.csv",
    "per_class_accuracy.csv",
    "confusion_matrix.csv",
    "reliability.csv",
    "history.csv",
]
FILES = [*PNGS, *CSVS, "index.html", "summary.json", "features.npz"]
