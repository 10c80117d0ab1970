"""Shared plumbing of the scanpy-style face: where results go in an AnnData.

Conventions (scverse's, so users find results where scanpy puts its own):

* ``obs[key_added]`` — per-patient labels (categorical, levels sorted);
* ``obsp[f"{key_added}_consensus"]`` — patients × patients matrices;
* ``layers[key_added]`` — a transformed matrix of the same shape (voom, ComBat);
* ``varm[key_added]`` — per-feature tables aligned on ``var_names`` (DGE statistics);
* ``uns[key_added]`` — ``{"params": {...}, "summary": DataFrame, ...}``; DataFrames stay
  DataFrames (AnnData writes them to h5ad).

Every ``tl`` function takes ``copy=False``: it writes into the object passed and returns
``None``; with ``copy=True`` it works on a copy and returns it (scanpy's rule).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from omics.data.convert import is_anndata, is_mudata
from omics.data.errors import InputError


def target(adata: Any, copy: bool, *, source: str = "tl"):
    """The AnnData to write into: the object itself, or a copy when ``copy=True``."""
    if is_mudata(adata):
        names = list(adata.mod.keys())
        raise InputError(f"{source}: pass one MuData modality, e.g. mdata[{names[0]!r}] "
                         f"(modalities: {', '.join(names)})" if names else f"{source}: pass one MuData modality")
    if not is_anndata(adata):
        raise InputError(f"{source}: expected an AnnData (or a MuData modality), got {type(adata).__name__}; "
                         "for DataFrames use the omics.<stage> functions")
    return adata.copy() if copy else adata


def obs_column(adata, key: str, *, source: str = "tl") -> pd.Series:
    """``adata.obs[key]`` as a Series indexed by text sample IDs, or a clear error."""
    if key not in adata.obs.columns:
        shown = ", ".join(map(str, list(adata.obs.columns)[:10])) or "none"
        raise InputError(f"{source}: no obs column {key!r}; available: {shown}")
    column = adata.obs[key]
    return column.set_axis(adata.obs_names.astype(str))


def put_labels(adata, key: str, labels: pd.Series) -> None:
    """Write per-patient labels into ``obs[key]`` as a categorical, aligned by ID."""
    aligned = labels.reindex(adata.obs_names.astype(str))
    adata.obs[key] = pd.Categorical(aligned.to_numpy(), categories=sorted(labels.dropna().unique(), key=str))


def storable(value):
    """``value`` in a form h5ad/h5mu can write: ``None`` entries dropped, tuples/ranges as
    lists, integers beyond 64 bits (seed entropy) as text, DataFrame object columns as text
    (lists joined by ``;``, missing as ``""``) with text column names."""
    if isinstance(value, pd.DataFrame):
        out = value.copy()
        for col in out.columns:
            if out[col].dtype == object:
                out[col] = out[col].map(_text)
        out.columns = [str(c) for c in out.columns]
        return out
    if isinstance(value, dict):
        return {str(k): storable(v) for k, v in value.items() if v is not None}
    if isinstance(value, (tuple, range)):
        return [storable(v) for v in value]
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool) and not -2**63 <= int(value) < 2**63:
        return str(value)
    return value


def _text(v) -> str:
    if isinstance(v, (list, tuple)):
        return ";".join(map(str, v))
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return ""
    return str(v)


def put_uns(adata, key: str, **entries) -> None:
    """Store ``entries`` under ``uns[key]`` in writable form (see :func:`storable`), replacing
    an earlier run with the same key."""
    adata.uns[key] = storable(entries)


def finish(adata, copy: bool):
    """scanpy's return rule: the copy when ``copy=True``, otherwise ``None``."""
    return adata if copy else None
