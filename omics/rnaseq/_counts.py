"""Coercion and validation of count matrices (samples × genes) at the API boundary."""

from __future__ import annotations

import numpy as np
import pandas as pd

from omics.data.validate import InputError, _examples, check_counts, check_unique_ids


def as_count_frame(counts, source: str = "count matrix", allow_zero_samples: bool = False) -> pd.DataFrame:
    """Return raw counts as a float DataFrame, samples × genes, after validation.

    Accepts a DataFrame (samples × genes), an :class:`anndata.AnnData` (``.X``,
    observations = samples) or a 2-D array. Refuses missing, negative, non-integer and
    non-numeric counts, duplicated sample or gene names and (unless
    ``allow_zero_samples``) samples whose counts are all zero.
    """
    if hasattr(counts, "obs_names") and hasattr(counts, "X"):
        x = counts.X
        x = x.toarray() if hasattr(x, "toarray") else np.asarray(x)
        counts = pd.DataFrame(x, index=counts.obs_names.astype(str),
                              columns=counts.var_names.astype(str))
    elif not isinstance(counts, pd.DataFrame):
        arr = np.asarray(counts)
        if arr.ndim != 2:
            raise InputError(f"{source}: expected a 2-D samples × genes matrix, got shape {arr.shape}")
        counts = pd.DataFrame(arr, index=[f"S{i + 1}" for i in range(arr.shape[0])],
                              columns=[f"G{j + 1}" for j in range(arr.shape[1])])
    check_unique_ids(counts.index, source, what="sample ID")
    check_unique_ids(counts.columns, source, what="gene ID")
    check_counts(counts, source=source)
    out = counts.apply(pd.to_numeric).astype(float) if counts.dtypes.eq(object).any() else counts.astype(float)
    if not allow_zero_samples:
        zero = out.index[out.sum(axis=1).to_numpy() == 0]
        if len(zero):
            raise InputError(f"{source}: {len(zero)} sample(s) have zero counts for every gene "
                             f"(empty libraries): {_examples(zero)}; remove them first")
    return out
