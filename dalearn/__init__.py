"""dalearn: unsupervised domain adaptation for computer vision on PyTorch Lightning and Hydra.

Layers, lowest first: ``dalearn.nn`` (building blocks) and ``dalearn.losses`` (pure-torch
losses) → ``dalearn.metrics`` / ``dalearn.ood`` → ``dalearn.drift`` → ``dalearn.data`` →
``dalearn.methods`` (LightningModules) → ``dalearn.run`` (the harness) → ``dalearn.cli``
(the console commands); docs/ARCHITECTURE.md has the table the layer test checks.
Nothing is imported eagerly here, so ``import dalearn.losses`` stays torch-only.
"""

__version__ = "0.2.0"
