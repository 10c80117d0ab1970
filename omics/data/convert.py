"""The one input converter: every stage turns its data argument into a samples × features
DataFrame here.

Accepted: a pandas DataFrame (rows = samples), an :class:`anndata.AnnData` (``.X``, a
``layer`` or an ``obsm`` entry; observations = samples, as in scverse), a 2-D NumPy or
SciPy sparse array, and a MuData only as one of its modalities (``mdata["rna"]``) — a whole
MuData is refused with the modality names, because treating it as an array makes NumPy walk
``__getitem__`` one key at a time and never finish.

Orientation is never guessed silently: with ``sample_ids`` known (the clinical table's
patients), a table whose *columns* match them and whose rows do not is refused as
transposed, with the fix (``.T``) in the message.
"""

from __future__ import annotations

from typing import Any, Iterable

import numpy as np
import pandas as pd

from omics.data.errors import InputError


def _examples(values: Iterable, k: int = 5) -> str:
    values = [str(v) for v in values]
    return ", ".join(values[:k]) + (f", … ({len(values) - k} more)" if len(values) > k else "")


def is_anndata(obj: Any) -> bool:
    """True for an AnnData (or AnnData-like view), without importing anndata."""
    return hasattr(obj, "obs_names") and hasattr(obj, "var_names") and hasattr(obj, "layers")


def is_mudata(obj: Any) -> bool:
    """True for a MuData, without importing mudata."""
    return type(obj).__name__ == "MuData" or (hasattr(obj, "mod") and hasattr(obj, "obs_names"))


def _dense(x) -> np.ndarray:
    return x.toarray() if hasattr(x, "toarray") else np.asarray(x)


def _from_anndata(adata, layer: str | None, obsm: str | None, source: str) -> pd.DataFrame:
    if layer is not None and obsm is not None:
        raise InputError(f"{source}: give layer= or obsm=, not both")
    index = pd.Index(adata.obs_names.astype(str), name=adata.obs_names.name)
    if obsm is not None:
        if obsm not in adata.obsm:
            raise InputError(f"{source}: no obsm[{obsm!r}]; available: {_examples(adata.obsm.keys()) or 'none'}")
        value = adata.obsm[obsm]
        if isinstance(value, pd.DataFrame):
            return value.set_axis(index).copy()
        value = _dense(value)
        if value.ndim != 2:
            raise InputError(f"{source}: obsm[{obsm!r}] is not 2-D (shape {value.shape})")
        return pd.DataFrame(value, index=index, columns=[f"{obsm}_{j + 1}" for j in range(value.shape[1])])
    if layer is not None:
        if layer not in adata.layers:
            raise InputError(f"{source}: no layer {layer!r}; available: {_examples(adata.layers.keys()) or 'none'}")
        x = adata.layers[layer]
    else:
        if adata.X is None:
            raise InputError(f"{source}: the AnnData has no .X; pass layer= or obsm=")
        x = adata.X
    return pd.DataFrame(_dense(x), index=index, columns=pd.Index(adata.var_names.astype(str)))


def _check_orientation(frame: pd.DataFrame, sample_ids, source: str) -> None:
    ids = set(map(str, sample_ids))
    in_rows = sum(str(r) in ids for r in frame.index)
    in_cols = sum(str(c) in ids for c in frame.columns)
    if in_cols and in_cols > in_rows:
        raise InputError(f"{source}: the columns are sample IDs ({in_cols} match, e.g. "
                         f"{_examples([c for c in frame.columns if str(c) in ids], 3)}) — this table is "
                         "features × samples; pass its transpose (.T): samples must be rows")


def as_samples_by_features(X: Any, *, layer: str | None = None, obsm: str | None = None,
                           source: str = "data", sample_ids=None, numeric: bool = True,
                           copy: bool = True) -> pd.DataFrame:
    """Return ``X`` as a samples × features DataFrame with text sample IDs.

    Parameters
    ----------
    X
        DataFrame (samples × features), AnnData (one MuData modality included), or a 2-D
        NumPy/sparse array (samples get ``0 … n-1``).
    layer, obsm
        For AnnData: read ``adata.layers[layer]`` or ``adata.obsm[obsm]`` instead of ``.X``.
    source
        Named in every error message (``"expression"``, ``"counts"``…).
    sample_ids
        Known sample IDs; a table whose columns match them rather than its rows is refused
        as transposed.
    numeric
        Require numeric, finite values (the stages' common precondition).
    copy
        Return a copy, so the caller may modify the result without touching the input.

    Raises
    ------
    InputError
        A whole MuData, a 1-D or 3-D array, an unknown layer/obsm key, a transposed table,
        duplicated or missing sample IDs, non-numeric or non-finite values.
    """
    if is_mudata(X):
        names = list(getattr(X, "mod", {}).keys())
        raise InputError(f"{source}: a MuData holds several modalities ({_examples(names)}); pass one, "
                         f"e.g. mdata[{names[0]!r}]" if names else f"{source}: pass one MuData modality")
    if is_anndata(X):
        frame = _from_anndata(X, layer, obsm, source)
    else:
        if layer is not None or obsm is not None:
            raise InputError(f"{source}: layer=/obsm= apply to an AnnData, got {type(X).__name__}")
        if isinstance(X, pd.DataFrame):
            frame = X.copy() if copy else X
        elif isinstance(X, pd.Series):
            raise InputError(f"{source}: expected a 2-D samples × features table, got a Series")
        else:
            try:
                array = _dense(X)
            except Exception as exc:  # objects NumPy cannot turn into an array
                raise InputError(f"{source}: cannot read a {type(X).__name__} as a samples × features table") from exc
            if array.ndim != 2:
                raise InputError(f"{source}: expected a 2-D samples × features table, got shape {array.shape}")
            frame = pd.DataFrame(array)
    if frame.index.dtype != object or not all(isinstance(i, str) for i in frame.index):
        frame = frame.set_axis(frame.index.map(str), axis=0)
    if sample_ids is not None:
        _check_orientation(frame, sample_ids, source)
    from omics.data.validate import check_features, check_unique_ids  # validate imports pandas-heavy helpers

    check_unique_ids(frame.index, source, what="sample ID")
    if numeric:
        check_features(frame, source=source)
    return frame
