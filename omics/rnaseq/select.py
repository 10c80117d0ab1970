"""Feature selection for clustering: the most variable genes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from omics.data.validate import InputError


def gene_variability(expr: pd.DataFrame, *, method: str = "variance") -> pd.DataFrame:
    """Variability of every gene (column) of a samples × genes table.

    Parameters
    ----------
    method
        ``"variance"`` (sample variance, n − 1), ``"sd"`` or ``"mad"`` (median absolute
        deviation scaled by 1.4826, as R's ``mad``).

    Returns
    -------
    pandas.DataFrame
        ``gene, mean, variability, rank`` sorted by decreasing variability (ties by the
        gene's original order).
    """
    values = expr.to_numpy(dtype=float)
    if method == "variance":
        score = values.var(axis=0, ddof=1)
    elif method == "sd":
        score = values.std(axis=0, ddof=1)
    elif method == "mad":
        med = np.median(values, axis=0)
        score = 1.4826 * np.median(np.abs(values - med), axis=0)
    else:
        raise InputError(f"unknown variability method {method!r}; use 'variance', 'sd' or 'mad'")
    table = pd.DataFrame({"gene": expr.columns, "mean": values.mean(axis=0), "variability": score})
    order = np.lexsort((np.arange(len(score)), -score))
    table = table.iloc[order].reset_index(drop=True)
    table["rank"] = np.arange(1, len(table) + 1)
    table.attrs["method"] = method
    return table


def most_variable_genes(expr: pd.DataFrame, *, n_top: int = 2000, method: str = "variance") -> pd.DataFrame:
    """Columns of the ``n_top`` most variable genes (all genes if fewer), in rank order.

    Parameters
    ----------
    expr
        Log-expression, samples × genes (e.g. voom ``E``).
    n_top
        Number of genes to keep.
    method
        See :func:`gene_variability`.

    Returns
    -------
    pandas.DataFrame
        samples × selected genes.
    """
    if n_top < 1:
        raise InputError(f"n_top must be >= 1, got {n_top}")
    table = gene_variability(expr, method=method)
    return expr.loc[:, list(table["gene"].iloc[:n_top])]
