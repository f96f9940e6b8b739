"""dalearn: unsupervised domain adaptation for computer vision on PyTorch Lightning and Hydra.

Layers, lowest first: ``dalearn.nn`` (building blocks) and ``dalearn.losses`` (pure-torch
losses) → ``dalearn.metrics`` / ``dalearn.ood`` → ``dalearn.data`` / ``dalearn.drift`` →
``dalearn.methods`` (LightningModules) → ``dalearn.train`` (Hydra entry points).
Nothing is imported eagerly here, so ``import dalearn.losses`` stays torch-only.
"""

__version__ = "0.2.0"
