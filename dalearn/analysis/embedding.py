"""A 2-D t-SNE embedding (van der Maaten & Hinton, 2008) of source and target features
together, so that both domains share one map."""

from __future__ import annotations

import numpy as np

MAX_ITER = 500


def tsne_embedding(source: np.ndarray, target: np.ndarray, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``(source_2d, target_2d)``: scikit-learn's Barnes-Hut t-SNE of the stacked rows
    (standardised, reduced to 50 dimensions by PCA, PCA-initialised, perplexity 30 or less
    for small sets, 500 iterations — the map has settled by then — fixed seed)."""
    from sklearn.decomposition import PCA
    from sklearn.manifold import TSNE

    rows = np.concatenate([source, target]).astype(np.float64)
    rows = (rows - rows.mean(axis=0)) / np.where(rows.std(axis=0) > 0, rows.std(axis=0), 1.0)
    if rows.shape[1] > 50 and rows.shape[0] > 50:
        rows = PCA(n_components=50, random_state=seed).fit_transform(rows)
    perplexity = float(min(30.0, max(2.0, (rows.shape[0] - 1) / 3.0)))
    tsne = TSNE(
        n_components=2, perplexity=perplexity, init="pca", learning_rate="auto", max_iter=MAX_ITER, random_state=seed
    )
    points = tsne.fit_transform(rows)
    return points[: len(source)], points[len(source) :]
