"""R's ``lowess`` (Cleveland's LOWESS as in ``stats::lowess``), re-implemented in numpy.

limma's ``voom`` fits its mean–variance trend with ``lowess`` (not ``loess``), so voom
parity needs the exact algorithm: tricube neighbourhood weights, local linear fits,
``iter`` bisquare robustness steps, the ``delta`` skip with linear interpolation, and the
same robustness scale (6 × median absolute residual).
"""

from __future__ import annotations

import numpy as np


def _local_fit(x: np.ndarray, y: np.ndarray, xs: float, nleft: int, nright: int,
               robustness: np.ndarray | None, x_range: float) -> float | None:
    """Weighted local linear fit at ``xs`` on the neighbourhood ``[nleft, nright]``.

    Indices are 0-based and inclusive. Returns ``None`` when all weights are zero.
    """
    n = len(x)
    h = max(xs - x[nleft], x[nright] - xs)
    h9 = 0.999 * h
    h1 = 0.001 * h
    # candidate points: from nleft up to the first point right of xs beyond h9
    upper = int(np.searchsorted(x, xs + 1.01 * h + 1e-300, side="right"))
    upper = min(max(upper, nright + 1), n)
    xj = x[nleft:upper]
    r = np.abs(xj - xs)
    stop = np.flatnonzero((r > h9) & (xj > xs))
    end = stop[0] if len(stop) else len(xj)
    xj = xj[:end]
    r = r[:end]
    w = np.zeros(end)
    inside = r <= h9
    if h > 0.0:
        w[inside] = (1.0 - (r[inside] / h) ** 3) ** 3
    w[r <= h1] = 1.0
    if robustness is not None:
        w = w * robustness[nleft:nleft + end]
    total = w.sum()
    if total <= 0.0:
        return None
    w = w / total
    if h > 0.0:
        centre = np.dot(w, xj)
        spread = np.dot(w, (xj - centre) ** 2)
        if np.sqrt(spread) > 0.001 * x_range:
            slope_term = (xs - centre) / spread
            w = w * (slope_term * (xj - centre) + 1.0)
    return float(np.dot(w, y[nleft:nleft + end]))


def _lowess_sorted(x: np.ndarray, y: np.ndarray, f: float, iterations: int,
                   delta: float) -> np.ndarray:
    n = len(x)
    if n < 2:
        return y.copy()
    ns = max(2, min(n, int(f * n + 1e-7)))
    x_range = x[-1] - x[0]
    fitted = np.empty(n)
    robustness = None
    for step in range(iterations + 1):
        nleft, nright = 0, ns - 1
        last = -1
        i = 0
        while True:
            while nright < n - 1 and x[i] - x[nleft] > x[nright + 1] - x[i]:
                nleft += 1
                nright += 1
            value = _local_fit(x, y, x[i], nleft, nright, robustness, x_range)
            fitted[i] = y[i] if value is None else value
            if last < i - 1:
                denom = x[i] - x[last]
                alpha = (x[last + 1:i] - x[last]) / denom
                fitted[last + 1:i] = alpha * fitted[i] + (1.0 - alpha) * fitted[last]
            last = i
            cut = x[last] + delta
            j = last + 1
            while j < n:
                if x[j] > cut:
                    break
                if x[j] == x[last]:
                    fitted[j] = fitted[last]
                    last = j
                j += 1
            i = max(last + 1, j - 1)
            if last >= n - 1:
                break
        residuals = y - fitted
        scale = np.abs(residuals).sum() / n
        if step == iterations:
            break
        abs_res = np.abs(residuals)
        m1 = n // 2
        if n % 2 == 0:
            part = np.partition(abs_res, (n - m1 - 1, m1))
            cmad = 3.0 * (part[m1] + part[n - m1 - 1])
        else:
            cmad = 6.0 * np.partition(abs_res, m1)[m1]
        if cmad < 1e-7 * scale:
            break
        c9, c1 = 0.999 * cmad, 0.001 * cmad
        robustness = np.where(abs_res <= c9, (1.0 - (abs_res / cmad) ** 2) ** 2, 0.0)
        robustness[abs_res <= c1] = 1.0
    return fitted


def r_lowess(x, y, f: float = 2 / 3, iterations: int = 3,
             delta: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Locally weighted scatterplot smoothing exactly as R's ``stats::lowess``.

    Parameters
    ----------
    x, y
        Coordinates (same length, finite).
    f
        Smoother span: the fraction of points in each local neighbourhood.
    iterations
        Number of robustifying iterations (R's ``iter``, default 3).
    delta
        Points closer than ``delta`` to the last fitted point are interpolated instead
        of fitted; R's default is ``0.01 * diff(range(x))``.

    Returns
    -------
    x_sorted, fitted
        ``x`` in increasing order (stable order, as R's ``order``) and the smoothed values,
        like R's ``list(x=, y=)``.

    References
    ----------
    Cleveland WS (1979). Robust locally weighted regression and smoothing scatterplots.
    JASA 74, 829–836. R Core Team, ``src/library/stats/src/lowess.c``.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError("lowess: x and y must be 1-D arrays of the same length")
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise ValueError("lowess: x and y must be finite")
    if not np.isfinite(f) or f <= 0:
        raise ValueError("lowess: f must be finite and > 0")
    if delta is None:
        delta = 0.01 * (x.max() - x.min()) if len(x) else 0.0
    order = np.argsort(x, kind="stable")
    xs = x[order]
    return xs, _lowess_sorted(xs, y[order], float(f), int(iterations), float(delta))
