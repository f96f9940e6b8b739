"""Out-of-distribution detection on embeddings."""

from dalearn.ood.dime import DIME

__all__ = ["DIME"]
