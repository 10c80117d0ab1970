"""Plots in scanpy style: ``omics.pl.<name>(adata, *, key=…, ax=None)`` reading what ``omics.tl`` wrote.

Each function reads an AnnData that ``omics.tl`` filled (``obs``/``uns``/``obsp`` keys), draws
with the :mod:`omics.plotting` function of its stage and returns the matplotlib ``Figure``
(drawing on ``ax=`` when given). No function computes statistics. Names are imported on first use.
"""

from __future__ import annotations

from omics._lazy import lazy_exports

_EXPORTS: dict[str, str] = {
    # cluster (omics.pl._cluster)
    "consensus_heatmap": "_cluster", "consensus_cdf": "_cluster",
    # expression, rnaseq, harmonize (omics.pl._expression)
    "volcano": "_expression", "pca_batch": "_expression",
    # survival, stats (omics.pl._survival)
    "km": "_survival", "forest": "_survival",
}

__getattr__, __dir__, __all__ = lazy_exports(__name__, _EXPORTS, globals())
