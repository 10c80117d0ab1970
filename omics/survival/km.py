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

from omics._result import Result
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


@dataclass(repr=False)
class KaplanMeier(Result):
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
    grouping : str or None
        Name of the grouping (the ``groups`` Series' name), used in file names and tables.
    """

    table: pd.DataFrame
    groups: list
    conf_type: str
    conf_level: float
    n: pd.Series
    events: pd.Series
    grouping: str | None = None

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

    def wide_summary(self, times: Sequence[float] = ()) -> pd.DataFrame:
        """One row per group: n, events, median survival with its CI and, for each time
        ``t`` in ``times``, ``surv_t, lower_t, upper_t, n_risk_t`` (the CLI's ``km_summary.csv``).

        Columns: ``group, n, events, median, median_lower, median_upper`` then the
        per-time columns, named with ``f"{t:g}"`` (``surv_60``, ``n_risk_60`` …).
        """
        wide = self.median().rename(columns={"lower": "median_lower", "upper": "median_upper"})
        times = list(times)
        if times:
            at = self.survival_at(times)
            for t in times:
                part = at[at.time == t].set_index("group")[["surv", "lower", "upper", "n_risk"]]
                part.columns = [f"{c}_{t:g}" for c in part.columns]
                wide = wide.merge(part, left_on="group", right_index=True, how="left")
        return wide.reset_index(drop=True)

    def to_frame(self) -> pd.DataFrame:
        """The tidy curve: one row per group and distinct time (see ``table``)."""
        return self.table.copy()

    @property
    def summary(self) -> pd.DataFrame:
        """Per group: n, events, median survival and its CI."""
        return self.wide_summary()

    def write(self, out_dir, *, times: Sequence[float] = ()) -> dict:
        """Write ``km_<grouping>.csv`` (the curve) and ``km_<grouping>_summary.csv``."""
        from pathlib import Path

        from omics.data.io import write_table
        from omics.data.paths import child_path

        name = f"km_{self.grouping or 'all'}"
        return {"table": write_table(self.table, child_path(Path(out_dir), name, suffix=".csv",
                                                             what="grouping"), index=False),
                "summary": write_table(self.wide_summary(times), child_path(
                    Path(out_dir), f"{name}_summary", suffix=".csv", what="grouping"), index=False)}

    def _short(self) -> str:
        med = self.median()
        parts = [f"{r['group']}: n={r['n']}, events={r['events']}, median={r['median']:.4g}"
                 for _, r in med.iterrows()]
        head = f"{self.grouping}, " if self.grouping else ""
        return f"{head}{len(self.groups)} group(s), conf_type={self.conf_type!r}; " + "; ".join(parts)


def kaplan_meier(time, event, *, groups=None, conf_type: str = "log",
                 conf_level: float = 0.95, grouping: str | None = None) -> KaplanMeier:
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
    grouping
        Name of the grouping (default: the name of the ``groups`` Series, if any).

    Returns
    -------
    KaplanMeier

    References
    ----------
    Kaplan EL, Meier P. JASA 1958;53:457–481. Greenwood M 1926.
    """
    if conf_type not in _CONF_TYPES:
        raise ValueError(f"conf_type must be one of {_CONF_TYPES}, got {conf_type!r}")
    name = grouping if grouping is not None else getattr(groups, "name", None)
    name = None if name is None else str(name)
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
    return KaplanMeier(pd.concat(parts, ignore_index=True), labels, conf_type, conf_level, n, ev,
                       grouping=name)


@dataclass(frozen=True, repr=False)
class LogRank(Result):
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

    _file_stem = "logrank"

    def to_frame(self) -> pd.DataFrame:
        """Per group: observed and expected events (R ``survdiff``'s table)."""
        return self.table.copy()

    @property
    def summary(self) -> pd.DataFrame:
        """One row: ``n, chisq, df, p``."""
        return pd.DataFrame([{"n": int(self.table["n"].sum()), "chisq": self.statistic,
                              "df": self.df, "p": self.p_value}])

    def _short(self) -> str:
        return f"chisq={self.statistic:.4f}, df={self.df}, p={self.p_value:.4g}"


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


def pairwise_logrank(time, event, groups, *, adjust: str | None = "BH") -> pd.DataFrame:
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


@dataclass(repr=False)
class KaplanMeierSet(Result):
    """Kaplan–Meier curves and log-rank tests of several groupings of the same patients.

    What ``omics km`` computes and writes: one :class:`KaplanMeier` per grouping (complete
    cases of that grouping), its log-rank test and the pairwise log-rank tests.

    Attributes
    ----------
    curves : dict
        ``{grouping: KaplanMeier}``.
    logrank : dict
        ``{grouping: LogRank}``.
    pairwise : dict
        ``{grouping: DataFrame}`` of :func:`pairwise_logrank` (BH-adjusted).
    dropped : dict
        ``{grouping: patients left out for a missing time, event or label}``.
    times : list
        Times of the survival probabilities in :attr:`summary`.
    """

    curves: dict
    logrank: dict
    pairwise: dict
    dropped: dict
    times: list

    def to_frame(self) -> pd.DataFrame:
        """Tidy curves of every grouping: ``grouping, group, time, n_risk, …``."""
        parts = [km.table.assign(grouping=by) for by, km in self.curves.items()]
        out = pd.concat(parts, ignore_index=True)
        return out[["grouping", *[c for c in out.columns if c != "grouping"]]]

    @property
    def summary(self) -> pd.DataFrame:
        """The wide summary (``km_summary.csv``): per grouping and group, n, events, median
        with CI and S(t), its CI and the number at risk at each of :attr:`times`."""
        parts = []
        for by, km in self.curves.items():
            wide = km.wide_summary(self.times)
            wide.insert(0, "grouping", by)
            parts.append(wide)
        return pd.concat(parts, ignore_index=True)

    def logrank_table(self) -> pd.DataFrame:
        """``grouping, n, dropped, chisq, df, p`` per grouping (``logrank.csv``)."""
        rows = [{"grouping": by, "n": int(self.curves[by].n.sum()), "dropped": self.dropped[by],
                 "chisq": lr.statistic, "df": lr.df, "p": lr.p_value} for by, lr in self.logrank.items()]
        return pd.DataFrame(rows, columns=["grouping", "n", "dropped", "chisq", "df", "p"])

    def pairwise_table(self) -> pd.DataFrame:
        """Pairwise log-rank tests of every grouping (``logrank_pairwise.csv``)."""
        parts = [pw.assign(grouping=by)[["grouping", *pw.columns]] for by, pw in self.pairwise.items()]
        if not parts:
            return pd.DataFrame(columns=["grouping", "group1", "group2", "statistic", "p", "p_adj"])
        return pd.concat(parts, ignore_index=True)

    def write(self, out_dir) -> dict:
        """Write ``km_<grouping>.csv`` per grouping, ``km_summary.csv``, ``logrank.csv`` and
        ``logrank_pairwise.csv`` (the files of ``omics km``)."""
        from pathlib import Path

        from omics.data.io import write_table
        from omics.data.paths import child_path

        out = Path(out_dir)
        paths = {f"km_{by}": write_table(km.table, child_path(out, f"km_{by}", suffix=".csv", what="--by"),
                                         index=False) for by, km in self.curves.items()}
        paths["km_summary"] = write_table(self.summary, out / "km_summary.csv", index=False)
        paths["logrank"] = write_table(self.logrank_table(), out / "logrank.csv", index=False)
        if self.pairwise:
            paths["logrank_pairwise"] = write_table(self.pairwise_table(), out / "logrank_pairwise.csv",
                                                    index=False)
        return paths

    def _short(self) -> str:
        return ", ".join(f"{by}: {len(km.groups)} groups, log-rank p={self.logrank[by].p_value:.4g}"
                         for by, km in self.curves.items())


def kaplan_meier_by(data: pd.DataFrame, groupings: Sequence[str], time: str, event: str, *,
                    times: Sequence[float] = (12.0, 36.0, 60.0), conf_type: str = "log",
                    source: str = "data") -> KaplanMeierSet:
    """Kaplan–Meier curves, log-rank and pairwise log-rank tests for each grouping column.

    Each grouping is analysed on its complete cases (patients with a time, an event and a
    label). Every grouping is checked before anything is computed.

    Parameters
    ----------
    data
        One row per patient with the survival and grouping columns.
    groupings
        Columns of group labels.
    time, event
        Survival columns.
    times
        Times of the survival probabilities of the summary.
    conf_type
        Interval type of the curves (see :func:`kaplan_meier`).
    source
        Name of the data in messages (e.g. the file).

    Raises
    ------
    InputError
        A grouping column is missing, or has fewer than two groups among the patients with data.
    """
    import warnings

    from omics.survival._prep import complete_cases

    groupings = list(groupings)
    absent = [by for by in groupings if by not in data.columns]
    if absent:
        raise InputError(f"{source}: grouping column(s) {absent} not found (--by); available: "
                         f"{', '.join(map(str, data.columns[:20]))}")
    used = {}
    for by in groupings:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cc = complete_cases(data, time, event, [by], source=source)
        labels = sorted(set(cc.data[by].astype(str)))
        if len(labels) < 2:
            raise InputError(f"{source}: grouping {by} has a single group ({labels[0]}) among the "
                             f"{len(cc.data)} patient(s) with data; a log-rank test needs two or more")
        used[by] = cc
    curves, tests, pairs, dropped = {}, {}, {}, {}
    for by, cc in used.items():
        g = cc.data[by].astype(str).to_numpy()
        curves[by] = kaplan_meier(cc.time, cc.event, groups=g, conf_type=conf_type, grouping=by)
        tests[by] = logrank_test(cc.time, cc.event, g)
        pairs[by] = pairwise_logrank(cc.time, cc.event, g)
        dropped[by] = cc.n_dropped
    return KaplanMeierSet(curves, tests, pairs, dropped, [float(t) for t in times])
