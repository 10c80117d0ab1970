"""Consensus clustering plots in scanpy style: they read what :func:`omics.tl.consensus_cluster`
wrote (``obs[key]``, ``obsp[f"{key}_consensus"]``, ``uns[key]``) and compute nothing."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from omics.data.errors import InputError
from omics.tl._anndata import obs_column, target


def _stored(adata: Any, key: str, source: str) -> dict:
    target(adata, False, source=source)  # an AnnData or one MuData modality, else a clear error
    entry = adata.uns.get(key)
    if not isinstance(entry, dict) or "cdf" not in entry or "ks" not in entry:
        raise InputError(f"{source}: no consensus results under uns[{key!r}]; run "
                         f"omics.tl.consensus_cluster(adata, key_added={key!r}) first")
    return entry


def _figure(ax, size):
    if ax is not None:
        return ax.figure, ax
    from matplotlib.figure import Figure

    fig = Figure(figsize=size)
    return fig, fig.add_subplot()


def consensus_heatmap(adata: Any, *, key: str = "consensus", ax=None):
    """Consensus matrix of the chosen K in final-tree order, with a cluster colour bar.

    Reads ``obsp[f"{key}_consensus"]``, ``obs[key]`` and ``uns[key]["order"]``, ``["k"]``.
    Returns the matplotlib Figure (that of ``ax`` when given).
    """
    from omics.plotting.cluster import draw_consensus_matrix

    source = "pl.consensus_heatmap"
    entry = _stored(adata, key, source)
    name = f"{key}_consensus"
    if name not in adata.obsp:
        raise InputError(f"{source}: no obsp[{name!r}]; run omics.tl.consensus_cluster(adata, key_added={key!r})")
    matrix = np.asarray(adata.obsp[name].toarray() if hasattr(adata.obsp[name], "toarray") else adata.obsp[name])
    labels = obs_column(adata, key, source=source).astype(object).to_numpy()
    order = np.asarray(entry.get("order", np.argsort(labels.astype(str), kind="stable")), dtype=np.int64)
    fig, ax = _figure(ax, (6.4, 6.4))
    draw_consensus_matrix(matrix[np.ix_(order, order)], labels[order], ax=ax,
                          title=f"consensus matrix, K = {int(entry['k'])}")
    return fig


def consensus_cdf(adata: Any, *, key: str = "consensus", ax=None):
    """CCP's consensus CDF per K tried (``uns[key]["cdf"]``, ``["ks"]``); returns the Figure."""
    from omics.plotting.cluster import draw_cdf

    entry = _stored(adata, key, "pl.consensus_cdf")
    values = np.asarray(entry["cdf"], dtype=float)
    edges = np.round(np.arange(1, values.shape[1] + 1) / values.shape[1], 10)
    cdf = pd.DataFrame(values, index=pd.Index([int(k) for k in entry["ks"]], name="k"), columns=edges)
    fig, ax = _figure(ax, (5.5, 4.2))
    draw_cdf(cdf, ax=ax)
    return fig
