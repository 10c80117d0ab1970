"""Multiple-testing corrections."""

from __future__ import annotations

import numpy as np


def bh_adjust(pvalues) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values, as R ``p.adjust(p, "BH")``.

    NaN entries stay NaN and do not count towards the number of tests (R's default
    ``n = length(p[!is.na(p)])``).

    References
    ----------
    Benjamini Y, Hochberg Y. Controlling the false discovery rate. J R Stat Soc B 1995;57:289–300.
    """
    p = np.asarray(pvalues, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    q = p[ok]
    n = q.size
    if n == 0:
        return out
    if np.any((q < 0) | (q > 1)):
        raise ValueError("p-values must lie in [0, 1]")
    order = np.argsort(q)[::-1]
    ranked = q[order] * n / np.arange(n, 0, -1)
    adjusted = np.minimum(1.0, np.minimum.accumulate(ranked))
    result = np.empty(n)
    result[order] = adjusted
    out[ok] = result
    return out


def significance_stars(p: float) -> str:
    """Stars as in the reference study: * < 0.05, ** < 0.005, *** < 0.001."""
    if p is None or not np.isfinite(p):
        return ""
    if p < 0.001:
        return "***"
    if p < 0.005:
        return "**"
    if p < 0.05:
        return "*"
    return ""
