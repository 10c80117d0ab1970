"""Proportional-hazards test from scaled Schoenfeld residuals (R ``cox.zph``, survival ≥ 3).

For each term, a score test of adding ``g(t) × covariate`` to the fitted model, evaluated
at the fitted coefficients (and 0 for the new columns), using the full information matrix
of the expanded model; ``GLOBAL`` tests all terms together.

References
----------
Grambsch PM, Therneau TM. Proportional hazards tests and diagnostics based on weighted
residuals. Biometrika 1994;81:515–526.
Therneau TM. survival package, ``cox.zph`` (version 3 algorithm).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from omics.survival import _efron


def _time_transform(time: np.ndarray, event: np.ndarray, transform: str) -> np.ndarray:
    if transform == "identity":
        return time.astype(float)
    if transform == "log":
        return np.log(time)
    if transform == "rank":
        return stats.rankdata(time)  # average ranks, as R rank()
    if transform == "km":
        # 1 − left-continuous Kaplan–Meier of all patients
        ut, inv = np.unique(time, return_inverse=True)
        d = np.bincount(inv, weights=event, minlength=ut.size)
        tot = np.bincount(inv, minlength=ut.size).astype(float)
        at_risk = tot[::-1].cumsum()[::-1]
        surv = np.cumprod(1 - d / at_risk)
        left = np.concatenate([[1.0], surv])[np.searchsorted(ut, time, side="left")]
        return 1.0 - left
    raise ValueError(f"transform must be 'km', 'rank', 'identity' or 'log', got {transform!r}")


def zph_test(model, *, transform: str = "km") -> pd.DataFrame:
    """Score tests of proportional hazards per term and globally (see module docstring)."""
    x_df = model.x_
    time = pd.to_numeric(model.data_[model.time_column]).to_numpy(dtype=float)
    event = pd.to_numeric(model.data_[model.event_column]).to_numpy(dtype=float)
    order = np.argsort(time, kind="stable")
    x = x_df.to_numpy(dtype=float)[order]
    t, e = time[order], event[order]
    beta = np.nan_to_num(model.coef_.to_numpy())
    g_all = _time_transform(time, event, transform)[order]
    x = x - x.mean(axis=0)
    p = x.shape[1]
    start, end = _efron.tie_groups(t[None])
    data = _efron._Data(x[None], e[None], np.ones((1, t.size)), start, end,
                        efron=(model.ties == "efron"))
    eta = x @ beta
    eta = eta - eta.max()
    r = np.exp(eta)[None]
    rd = r * data.is_death
    s0 = _efron._rev_cumsum_flat(r)[data.gs]
    c0 = _efron._fwd_cumsum_flat(rd)
    d0 = c0[data.ge1] - c0[data.gs0]
    s1 = _efron._rev_cumsum_flat(r[..., None] * x[None])[data.gs]
    c1 = _efron._fwd_cumsum_flat(rd[..., None] * x[None])
    d1 = c1[data.ge1] - c1[data.gs0]
    s2 = _efron._rev_cumsum_flat(r[..., None, None] * data.xx)[data.gs]
    c2 = _efron._fwd_cumsum_flat(rd[..., None, None] * data.xx)
    d2 = c2[data.ge1] - c2[data.gs0]
    f = data.rank_first / np.where(data.d_group > 0, data.d_group, 1.0) * data.efron
    den = s0 - f * d0
    a = (s1 - f[:, None] * d1) / den[:, None]
    v = (s2 - f[:, None, None] * d2) / den[:, None, None] - a[:, :, None] * a[:, None, :]
    deaths = np.flatnonzero(e > 0)
    g = g_all[deaths]
    resid = x[deaths] - a                       # Schoenfeld residuals
    u_g = (resid * g[:, None]).sum(axis=0)
    i_xx = v.sum(axis=0)
    i_xg = (v * g[:, None, None]).sum(axis=0)
    i_gg = (v * (g ** 2)[:, None, None]).sum(axis=0)
    info = np.block([[i_xx, i_xg], [i_xg.T, i_gg]])
    active = np.flatnonzero(np.isfinite(model.coef_.to_numpy()))
    terms = list(dict.fromkeys(model.design_.term_of_column))
    col_term = np.array(model.design_.term_of_column)

    def score_test(cols):
        idx = np.concatenate([active, p + cols])
        u = np.concatenate([np.zeros(active.size), u_g[cols]])
        sol = np.linalg.lstsq(info[np.ix_(idx, idx)], u, rcond=None)[0]
        return float(u @ sol)

    rows = []
    for term in terms:
        cols = np.array([c for c in np.flatnonzero(col_term == term) if c in active])
        if cols.size == 0:
            continue
        chisq = score_test(cols)
        rows.append({"term": term, "chisq": chisq, "df": int(cols.size),
                     "p": float(stats.chi2.sf(chisq, cols.size))})
    chisq = score_test(active)
    rows.append({"term": "GLOBAL", "chisq": chisq, "df": int(active.size),
                 "p": float(stats.chi2.sf(chisq, active.size))})
    return pd.DataFrame(rows)
