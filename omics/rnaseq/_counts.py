"""Count matrices (samples × genes) at the API boundary: the one converter, then the
count-specific checks."""

from __future__ import annotations

import pandas as pd

from omics.data.convert import as_samples_by_features
from omics.data.validate import InputError, _examples, check_counts, check_unique_ids


def as_count_frame(counts, source: str = "count matrix", allow_zero_samples: bool = False, *,
                   layer: str | None = None, sample_ids=None) -> pd.DataFrame:
    """Return raw counts as a float DataFrame, **samples × genes**, after validation.

    The input goes through :func:`omics.data.convert.as_samples_by_features` (DataFrame,
    AnnData ``.X`` or ``layer`` — observations = samples —, one MuData modality, 2-D
    array; a transposed table is refused when ``sample_ids`` are known). Then the count
    checks: missing, negative, non-integer and non-numeric counts, duplicated gene names
    and (unless ``allow_zero_samples``) samples whose counts are all zero (empty libraries).
    """
    frame = as_samples_by_features(counts, layer=layer, source=source, sample_ids=sample_ids,
                                   numeric=False)
    check_unique_ids(frame.columns, source, what="gene ID")
    check_counts(frame, source=source)
    out = frame.apply(pd.to_numeric).astype(float) if frame.dtypes.eq(object).any() else frame.astype(float)
    if not allow_zero_samples:
        zero = out.index[out.sum(axis=1).to_numpy() == 0]
        if len(zero):
            raise InputError(f"{source}: {len(zero)} sample(s) have zero counts for every gene "
                             f"(empty libraries): {_examples(zero)}; remove them first")
    return out
