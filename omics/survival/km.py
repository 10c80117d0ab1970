"""Kaplan–Meier estimates and log-rank tests (R ``survfit`` and ``survdiff``).

References
----------
Kaplan EL, Meier P. Nonparametric estimation from incomplete observations. JASA 1958;53:457–481.
Greenwood M. The natural duration of cancer. Reports on Public Health 1926;33:1–26.
Mantel N. Evaluation of survival data and two new rank order statistics. Cancer Chemother
Rep 1966;50:163–170.
Therneau TM. A Package for Survival Analysis in R (``survfit``, ``survdiff``).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from omics.data.validate import InputError
from omics.stats.multitest import bh_adjust

_TOL = np.sqrt(np.finfo(float).eps)
_CONF_TYPES = ("log", "log-log", "plain")


def _as_arrays(time, event, groups):
    time = np.asarray(time, dtype=float)
    event = np.asarray(event, dtype=float)
    if time.shape != event.shape or time.ndim != 1:
        raise InputError("time and event must be 1-D arrays of equal length")
    if groups is None:
        groups = np.full(time.shape, "all", dtype=object)
    groups = np.asarray(pd.Series(groups).astype(object).where(pd.notna(groups), None))
    if groups.shape != time.shape:
        raise InputError(f"groups has {groups.shape[0]} values for {time.shape[0]} patients")
    ok = np.isfinite(time) & np.isfinite(event) & pd.notna(groups)
    if not ok.all():
        raise InputError(f"{int((~ok).sum())} patient(s) with a missing time, event or group; "
                         "drop them first (complete cases)")
    if (time < 0).any():   # time 0 is valid, as in R's survival (an event or censoring at once)
        raise InputError(f"survival time must be >= 0 ({int((time < 0).sum())} value(s) are negative)")
    if not np.isin(event, (0, 1)).all():
        raise InputError("event must be 0/1")
    return time, event, groups.astype(str)


def _confint(surv, se, z, conf_type):
    """Pointwise CI of S(t) from the standard error of −log S (R ``survfit`` conf.type)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        if conf_type == "log":
            s = np.where(surv > 0, surv, np.nan)
            lower = np.exp(np.log(s) - z * se)
            upper = np.minimum(np.exp(np.log(s) + z * se), 1.0)
        elif conf_type == "log-log":
            s = np.where((surv > 0) & (surv < 1), surv, np.nan)
            a = np.log(-np.log(s))
            b = z * se / np.log(s)
            lower, upper = np.exp(-np.exp(a - b)), np.exp(-np.exp(a + b))
        elif conf_type == "plain":
            half = z * se * surv
            lower, upper = np.maximum(surv - half, 0.0), np.minimum(surv + half, 1.0)
        else:
            raise ValueError(f"conf_type must be one of {_CONF_TYPES}, got {conf_type!r}")
    return lower, upper


def _km_one(time, event, z, conf_type) -> pd.DataFrame:
    ut, inv = np.unique(time, return_inverse=True)
    n_event = np.bincount(inv, weights=event, minlength=ut.size)
    n_total = np.bincount(inv, minlength=ut.size).astype(float)
    n_censor = n_total - n_event
    n_risk = n_total[::-1].cumsum()[::-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        hazard = n_event / n_risk
        surv = np.cumprod(1 - hazard)
        term = np.where(n_event > 0, n_event / (n_risk * (n_risk - n_event)), 0.0)
    se = np.sqrt(np.cumsum(term))  # Greenwood, on the log scale
    lower, upper = _confint(surv, se, z, conf_type)
    return pd.DataFrame({"time": ut, "n_risk": n_risk, "n_event": n_event, "n_censor": n_censor,
                         "surv": surv, "std_err": se * surv, "se_log": se,
                         "lower": lower, "upper": upper})


def _quantile(time, curve, p=0.5):
    """First time the step curve reaches ≤ p; midpoint rule on a flat stretch at p (R)."""
    hit = np.flatnonzero(curve <= p + _TOL)
    if hit.size == 0 or not np.isfinite(curve[hit[0]]):
        return np.nan
    i = hit[0]
    if abs(curve[i] - p) < _TOL:
        below = np.flatnonzero(curve < p - _TOL)
        if below.size:
            return (time[i] + time[below[0]]) / 2.0
    return time[i]


@dataclass
class KaplanMeier:
    """Kaplan–Meier estimates per group.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per group and distinct time: ``group, time, n_risk, n_event, n_censor,
        surv, std_err, lower, upper`` (R ``summary(survfit(...), censored = TRUE)``).
    groups : list
        Group labels in order.
    conf_type, conf_level
        How the pointwise intervals were built.
    n, events : pandas.Series
        Patients and events per group.
    """

    table: pd.DataFrame
    groups: list
    conf_type: str
    conf_level: float
    n: pd.Series
    events: pd.Series

    def survival_at(self, times: Sequence[float]) -> pd.DataFrame:
        """S(t) with its CI and number at risk at each time in ``times``, per group.

        As R ``summary(fit, times = …)``: the estimate of the last time ≤ t; ``n_risk`` =
        patients with time ≥ t. Times after a group's last follow-up give NaN.
        """
        rows = []
        for g in self.groups:
            tab = self.table[self.table["group"] == g]
            t = tab["time"].to_numpy()
            for when in times:
                k = np.searchsorted(t, when, side="right") - 1
                at_risk = float((tab["n_risk"].to_numpy()[t >= when][:1].sum()
                                 if (t >= when).any() else 0))
                if when > t[-1]:
                    vals = dict(surv=np.nan, lower=np.nan, upper=np.nan, std_err=np.nan)
                elif k < 0:
                    vals = dict(surv=1.0, lower=1.0, upper=1.0, std_err=0.0)
                else:
                    r = tab.iloc[k]
                    vals = dict(surv=r["surv"], lower=r["lower"], upper=r["upper"], std_err=r["std_err"])
                rows.append({"group": g, "time": when, "n_risk": at_risk, **vals})
        return pd.DataFrame(rows)

    def median(self) -> pd.DataFrame:
        """Median survival with its CI per group (R ``print(survfit)``; NaN = not reached)."""
        rows = []
        for g in self.groups:
            tab = self.table[self.table["group"] == g]
            t = tab["time"].to_numpy()
            rows.append({"group": g, "n": int(self.n[g]), "events": int(self.events[g]),
                         "median": _quantile(t, tab["surv"].to_numpy()),
                         "lower": _quantile(t, tab["lower"].to_numpy()),
                         "upper": _quantile(t, tab["upper"].to_numpy())})
        return pd.DataFrame(rows)

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def __repr__(self) -> str:
        med = self.median()
        lines = [f"KaplanMeier({len(self.groups)} group(s), conf_type={self.conf_type!r})"]
        for _, r in med.iterrows():
            lines.append(f"  {r['group']}: n={r['n']}, events={r['events']}, median={r['median']:.4g}")
        return "\n".join(lines)


def kaplan_meier(time, event, groups=None, conf_type: str = "log",
                 conf_level: float = 0.95) -> KaplanMeier:
    """Kaplan–Meier survival curves with Greenwood pointwise confidence intervals.

    Parameters
    ----------
    time, event
        Follow-up times (≥ 0) and 0/1 event indicators.
    groups
        Optional group label per patient; one curve per distinct label (sorted).
    conf_type
        ``"log"`` (default, as R ``survfit``), ``"log-log"`` or ``"plain"``.
    conf_level
        Confidence level of the intervals.

    Returns
    -------
    KaplanMeier

    References
    ----------
    Kaplan EL, Meier P. JASA 1958;53:457–481. Greenwood M 1926.
    """
    if conf_type not in _CONF_TYPES:
        raise ValueError(f"conf_type must be one of {_CONF_TYPES}, got {conf_type!r}")
    time, event, groups = _as_arrays(time, event, groups)
    z = stats.norm.ppf(1 - (1 - conf_level) / 2)
    labels = sorted(pd.unique(groups))
    parts = []
    for g in labels:
        sel = groups == g
        part = _km_one(time[sel], event[sel], z, conf_type)
        part.insert(0, "group", g)
        parts.append(part)
    n = pd.Series({g: int((groups == g).sum()) for g in labels})
    ev = pd.Series({g: int(event[groups == g].sum()) for g in labels})
    return KaplanMeier(pd.concat(parts, ignore_index=True), labels, conf_type, conf_level, n, ev)


@dataclass(frozen=True)
class LogRank:
    """Log-rank test of k groups (R ``survdiff``, rho = 0).

    Attributes
    ----------
    statistic, df, p_value
        Chi-square statistic, k − 1 degrees of freedom, p-value.
    table
        Per group: ``group, n, observed, expected, (O-E)^2/E, (O-E)^2/V``.
    """

    statistic: float
    df: int
    p_value: float
    table: pd.DataFrame

    def __repr__(self) -> str:
        return f"LogRank(chisq={self.statistic:.4f}, df={self.df}, p={self.p_value:.4g})"


def logrank_test(time, event, groups) -> LogRank:
    """Log-rank (Mantel–Haenszel) test that k survival curves are equal.

    Parameters
    ----------
    time, event, groups
        Times, 0/1 events and one group label per patient (at least two groups).

    Returns
    -------
    LogRank

    Raises
    ------
    InputError
        Fewer than two groups, or no events at all.

    References
    ----------
    Mantel N. Cancer Chemother Rep 1966;50:163–170. Peto R, Peto J. JRSS A 1972;135:185–207.
    """
    time, event, groups = _as_arrays(time, event, groups)
    labels = sorted(pd.unique(groups))
    if len(labels) < 2:
        raise InputError(f"log-rank test needs at least two groups, got {labels}")
    if event.sum() == 0:
        raise InputError("log-rank test: no events")
    g = np.searchsorted(labels, groups)
    k = len(labels)
    ut, inv = np.unique(time, return_inverse=True)
    deaths = np.zeros((ut.size, k))
    counts = np.zeros((ut.size, k))
    np.add.at(deaths, (inv, g), event)
    np.add.at(counts, (inv, g), 1.0)
    at_risk = counts[::-1].cumsum(axis=0)[::-1]
    n_t = at_risk.sum(axis=1)
    d_t = deaths.sum(axis=1)
    use = d_t > 0
    at_risk, n_t, d_t, deaths = at_risk[use], n_t[use], d_t[use], deaths[use]
    frac = at_risk / n_t[:, None]
    expected = (frac * d_t[:, None]).sum(axis=0)
    observed = deaths.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        factor = np.where(n_t > 1, d_t * (n_t - d_t) / (n_t - 1), 0.0)
    var = np.einsum("t,ti,ij->ij", factor, frac, np.eye(k)) - np.einsum("t,ti,tj->ij", factor, frac, frac)
    diff = observed - expected
    stat = float(diff[:-1] @ np.linalg.pinv(var[:-1, :-1]) @ diff[:-1])
    df = int(np.linalg.matrix_rank(var[:-1, :-1]))
    table = pd.DataFrame({"group": labels, "n": np.bincount(g, minlength=k),
                          "observed": observed, "expected": expected,
                          "(O-E)^2/E": diff ** 2 / expected,
                          "(O-E)^2/V": diff ** 2 / np.diag(var)})
    return LogRank(stat, df, float(stats.chi2.sf(stat, df)), table)


def pairwise_logrank(time, event, groups, adjust: str | None = "BH") -> pd.DataFrame:
    """Log-rank test for every pair of groups, with Benjamini–Hochberg adjustment.

    Returns
    -------
    pandas.DataFrame
        ``group1, group2, statistic, p, p_adj`` (as survminer ``pairwise_survdiff``).
    """
    time, event, groups = _as_arrays(time, event, groups)
    labels = sorted(pd.unique(groups))
    rows = []
    for a, b in itertools.combinations(labels, 2):
        sel = (groups == a) | (groups == b)
        if event[sel].sum() == 0:
            rows.append({"group1": a, "group2": b, "statistic": np.nan, "p": np.nan})
            continue
        res = logrank_test(time[sel], event[sel], groups[sel])
        rows.append({"group1": a, "group2": b, "statistic": res.statistic, "p": res.p_value})
    out = pd.DataFrame(rows, columns=["group1", "group2", "statistic", "p"])
    if adjust in ("BH", "fdr"):
        out["p_adj"] = bh_adjust(out["p"].to_numpy())
    elif adjust in (None, "none"):
        out["p_adj"] = out["p"]
    else:
        raise ValueError(f"adjust must be 'BH' or None, got {adjust!r}")
    return out
