"""ROC curves, AUC with DeLong variance and confidence interval, and DeLong tests.

The DeLong estimates use the fast midrank algorithm of Sun & Xu (2014), O(N log N) per
score instead of DeLong's O(m·n) placements, and match R pROC (``var``, ``cov``,
``ci.auc(method = "delong")`` and ``roc.test(method = "delong")``) to rounding error.
Written here rather than taken from a library because no maintained Python package gives
pROC-equal variances, covariances and both paired and unpaired tests.

Convention: ``direction="<"`` (the default) means that higher scores indicate the positive
class (pROC's ``direction = "<"``: controls < cases); ``">"`` the reverse. Ties between a
case and a control count one half.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from omics._result import Result
from omics.data.validate import InputError


def _binary_outcome(y, what: str = "outcome") -> np.ndarray:
    """0/1 integer array from booleans or 0/1 numbers; refuse anything else."""
    arr = np.asarray(y)
    if arr.dtype == bool:
        return arr.astype(int)
    try:
        num = arr.astype(float)
    except (TypeError, ValueError):
        raise InputError(f"{what}: expected 0/1 values, got {sorted(set(map(str, arr)))[:5]}") from None
    if np.isnan(num).any():
        raise InputError(f"{what}: {int(np.isnan(num).sum())} missing value(s); drop or impute them first")
    bad = sorted(set(num) - {0.0, 1.0})
    if bad:
        raise InputError(f"{what}: expected 0/1 values, found {bad[:5]}")
    if num.min() == num.max():
        raise InputError(f"{what}: only one class present ({int(num[0])}); an AUC needs cases and controls")
    return num.astype(int)


def _scores(score, n: int, what: str = "score") -> np.ndarray:
    arr = np.asarray(score, dtype=float)
    if arr.ndim != 1 or len(arr) != n:
        raise InputError(f"{what}: {arr.size} values for {n} outcomes")
    if not np.isfinite(arr).all():
        raise InputError(f"{what}: {int((~np.isfinite(arr)).sum())} non-finite value(s)")
    return arr


def _oriented(score: np.ndarray, direction: str) -> np.ndarray:
    if direction == "<":
        return score
    if direction == ">":
        return -score
    raise InputError(f"direction must be '<' (higher score = case) or '>', got {direction!r}")


def _midranks(a: np.ndarray) -> np.ndarray:
    """Midranks (1-based, ties get their mean rank) along the last axis of a 2-D array.

    Equal to ``scipy.stats.rankdata(a, axis=1)``; written out because rankdata's per-call
    overhead dominates DeLong on large samples.
    """
    out = np.empty(a.shape, dtype=float)
    for i, row in enumerate(a):
        order = np.argsort(row, kind="mergesort")
        s = row[order]
        edges = np.flatnonzero(np.r_[True, s[1:] != s[:-1], True])
        out[i, order] = np.repeat((edges[:-1] + edges[1:] + 1) / 2.0, np.diff(edges))
    return out


def delong_placements(y, scores, *, direction: str = "<") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """AUCs and DeLong placement values of one or more scores on the same patients.

    Parameters
    ----------
    y
        0/1 outcome (1 = case).
    scores
        One score (length N) or a k × N array of scores.
    direction
        ``"<"``: higher score = case; ``">"``: lower score = case.

    Returns
    -------
    auc : (k,) array
    v10 : (k, m) structural components of the m cases
    v01 : (k, n) structural components of the n controls

    References
    ----------
    Sun X, Xu W (2014). Fast implementation of DeLong's algorithm for comparing the areas
    under correlated receiver operating characteristic curves. IEEE Signal Process Lett
    21(11), 1389–1393.
    """
    yy = _binary_outcome(y)
    s = np.atleast_2d(np.asarray(scores, dtype=float))
    s = np.vstack([_oriented(_scores(row, len(yy)), direction) for row in s])
    cases, controls = s[:, yy == 1], s[:, yy == 0]
    m, n = cases.shape[1], controls.shape[1]
    tx = _midranks(cases)                             # midranks within cases
    ty = _midranks(controls)                          # midranks within controls
    tz = _midranks(np.hstack([cases, controls]))
    v10 = (tz[:, :m] - tx) / n
    v01 = 1.0 - (tz[:, m:] - ty) / m
    auc = v10.mean(axis=1)
    return auc, v10, v01


def delong_covariance(y, scores, *, direction: str = "<") -> tuple[np.ndarray, np.ndarray]:
    """AUCs and their DeLong covariance matrix (k × k) for correlated scores.

    ``cov[i, i]`` equals pROC's ``var(roc_i)`` and ``cov[i, j]`` its ``cov(roc_i, roc_j)``.
    """
    auc, v10, v01 = delong_placements(y, scores, direction=direction)
    m, n = v10.shape[1], v01.shape[1]
    s10 = np.atleast_2d(np.cov(v10)) if m > 1 else np.zeros((len(auc), len(auc)))
    s01 = np.atleast_2d(np.cov(v01)) if n > 1 else np.zeros((len(auc), len(auc)))
    return auc, s10 / m + s01 / n


@dataclass(frozen=True, repr=False)
class AUC(Result):
    """An AUC with its variance and a 95 % (or other) confidence interval.

    ``to_frame()`` is one row (:meth:`to_dict`), ``write(out)`` writes ``auc.csv``.
    """

    auc: float
    var: float
    lower: float
    upper: float
    level: float
    method: str
    n_cases: int
    n_controls: int

    def __repr__(self) -> str:  # kept: "AUC 0.812 (95% CI …)" reads as the number it is
        return f"AUC {self._short()}"

    def _short(self) -> str:
        return (f"{self.auc:.3f} ({self.level:.0%} CI {self.lower:.3f}–{self.upper:.3f}, "
                f"{self.method}; {self.n_cases} cases, {self.n_controls} controls)")

    def __float__(self) -> float:
        return float(self.auc)

    def to_dict(self) -> dict:
        return {"auc": self.auc, "auc_var": self.var, "auc_lower": self.lower, "auc_upper": self.upper,
                "ci_level": self.level, "ci_method": self.method,
                "n_cases": self.n_cases, "n_controls": self.n_controls}

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([self.to_dict()])

    def write(self, out_dir) -> dict:
        """``auc.csv``: the AUC, its variance and confidence interval."""
        from pathlib import Path

        from omics.data.io import write_table

        return {"auc": write_table(self.to_frame(), Path(out_dir) / "auc.csv", index=False)}


def roc_auc(y, score, *, direction: str = "<", level: float = 0.95, method: str = "delong",
            n_boot: int = 2000, seed: int = 0) -> AUC:
    """AUC with a confidence interval: DeLong (default) or stratified bootstrap.

    Parameters
    ----------
    y
        0/1 outcome (1 = case).
    score
        Predicted probability or any score (higher = case when ``direction="<"``).
    direction
        ``"<"`` or ``">"`` as in pROC.
    level
        Confidence level.
    method
        ``"delong"``: AUC ± z·√var clipped to [0, 1], as ``pROC::ci.auc(method="delong")``;
        ``"bootstrap"``: percentile interval of ``n_boot`` stratified resamples (cases and
        controls resampled separately, as pROC's default), seeded.
    n_boot, seed
        Bootstrap replicates and seed (one child seed per replicate from a SeedSequence).

    References
    ----------
    DeLong ER, DeLong DM, Clarke-Pearson DL (1988). Comparing the areas under two or more
    correlated receiver operating characteristic curves: a nonparametric approach.
    Biometrics 44, 837–845.
    Robin X et al. (2011). pROC: an open-source package for R and S+ to analyze and compare
    ROC curves. BMC Bioinformatics 12, 77.
    """
    yy = _binary_outcome(y)
    s = _scores(score, len(yy))
    auc, cov = delong_covariance(yy, s, direction=direction)
    a, var = float(auc[0]), float(cov[0, 0])
    if method == "delong":
        z = stats.norm.ppf(1 - (1 - level) / 2)
        lo, hi = max(0.0, a - z * np.sqrt(var)), min(1.0, a + z * np.sqrt(var))
    elif method == "bootstrap":
        boot = bootstrap_auc(yy, s, direction=direction, n_boot=n_boot, seed=seed)
        lo, hi = (float(v) for v in np.quantile(boot, [(1 - level) / 2, 1 - (1 - level) / 2]))
    else:
        raise InputError(f"method must be 'delong' or 'bootstrap', got {method!r}")
    return AUC(a, var, float(lo), float(hi), level, method, int(yy.sum()), int((1 - yy).sum()))


def bootstrap_auc(y, score, *, direction: str = "<", n_boot: int = 2000, seed: int = 0) -> np.ndarray:
    """AUCs of ``n_boot`` stratified bootstrap resamples (cases and controls separately)."""
    yy = _binary_outcome(y)
    s = _oriented(_scores(score, len(yy)), direction)
    cases, controls = s[yy == 1], s[yy == 0]
    out = np.empty(n_boot)
    for b, child in enumerate(np.random.SeedSequence(seed).spawn(n_boot)):
        rng = np.random.default_rng(child)
        yb = np.r_[np.ones(len(cases)), np.zeros(len(controls))]
        sb = np.r_[rng.choice(cases, len(cases)), rng.choice(controls, len(controls))]
        out[b] = delong_placements(yb, sb)[0][0]
    return out


@dataclass(frozen=True, repr=False)
class AUCComparison(Result):
    """DeLong's test of two AUCs (``pROC::roc.test(method = "delong")``)."""

    auc1: float
    auc2: float
    var1: float
    var2: float
    cov: float
    z: float
    p_value: float
    paired: bool
    n1: int
    n2: int
    df: float = float("nan")

    @property
    def difference(self) -> float:
        return self.auc1 - self.auc2

    def __repr__(self) -> str:  # kept: the test as one sentence, as printed by the CLI
        return self._short()

    def _short(self) -> str:
        kind = "paired" if self.paired else "unpaired"
        stat = "Z" if self.paired else f"t({self.df:.1f})"
        return (f"DeLong {kind} test: AUC {self.auc1:.3f} vs {self.auc2:.3f}, "
                f"{stat} = {self.z:.3f}, P = {self.p_value:.4g}")

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([{"auc1": self.auc1, "auc2": self.auc2, "difference": self.difference,
                              "var1": self.var1, "var2": self.var2, "cov": self.cov, "z": self.z,
                              "p_value": self.p_value, "paired": self.paired, "df": self.df,
                              "n1": self.n1, "n2": self.n2}])

    @property
    def summary(self) -> pd.DataFrame:
        return self.to_frame()

    def write(self, out_dir) -> dict:
        """``delong_test.csv`` (what ``omics predict compare-auc --out`` writes)."""
        from pathlib import Path
        from omics.data.io import write_table
        return {"delong_test": write_table(self.to_frame(), Path(out_dir) / "delong_test.csv", index=False)}


def compare_auc(y, score1, score2, *, y2=None, paired: bool | None = None,
                direction: str = "<") -> AUCComparison:
    """DeLong's test for two AUCs, correlated (same patients) or independent.

    Parameters
    ----------
    y
        0/1 outcome for ``score1`` (and for ``score2`` when paired).
    score1, score2
        Scores of the two models.
    y2
        Outcome for ``score2`` when the two AUCs come from different patients.
    paired
        Default: paired when ``y2`` is not given. Paired: Z = (A1 − A2)/√(V1 + V2 − 2C)
        with the DeLong covariance C of the two AUCs on the same patients and a two-sided
        normal P; unpaired: t = (A1 − A2)/√(V1 + V2) with Welch–Satterthwaite degrees of
        freedom (V1 + V2)² / (V1²/(N1 − 1) + V2²/(N2 − 1)), N = patients per AUC, and a
        two-sided t P — as pROC does.
    direction
        ``"<"`` (higher = case) or ``">"``, the same for both scores.

    Returns
    -------
    AUCComparison

    References
    ----------
    DeLong ER, DeLong DM, Clarke-Pearson DL (1988). Biometrics 44, 837–845.
    Sun X, Xu W (2014). IEEE Signal Process Lett 21(11), 1389–1393.
    Robin X et al. (2011). pROC. BMC Bioinformatics 12, 77 (``roc.test``).
    """
    if paired is None:
        paired = y2 is None
    if paired:
        if y2 is not None and not np.array_equal(_binary_outcome(y), _binary_outcome(y2, "y2")):
            raise InputError("paired DeLong test: the two outcomes differ; the AUCs must come from "
                             "the same patients (or pass paired=False)")
        yy = _binary_outcome(y)
        auc, cov = delong_covariance(yy, np.vstack([_scores(score1, len(yy), "score1"),
                                                    _scores(score2, len(yy), "score2")]), direction=direction)
        v1, v2, c = cov[0, 0], cov[1, 1], cov[0, 1]
        a1, a2, n1, n2 = auc[0], auc[1], len(yy), len(yy)
        denom = v1 + v2 - 2 * c
    else:
        y2 = y if y2 is None else y2
        first = roc_auc(y, score1, direction=direction)
        second = roc_auc(y2, score2, direction=direction)
        a1, a2, v1, v2, c = first.auc, second.auc, first.var, second.var, 0.0
        n1, n2 = first.n_cases + first.n_controls, second.n_cases + second.n_controls
        denom = v1 + v2
    diff = a1 - a2
    if denom <= 0:
        z = 0.0 if diff == 0 else float(np.sign(diff) * np.inf)
    else:
        z = diff / np.sqrt(denom)
    if paired:
        df, p = float("nan"), float(2 * stats.norm.sf(abs(z)))
    else:
        df = denom ** 2 / (v1 ** 2 / (n1 - 1) + v2 ** 2 / (n2 - 1)) if denom > 0 else float("nan")
        p = float(2 * stats.t.sf(abs(z), df)) if denom > 0 else float(diff == 0)
    return AUCComparison(float(a1), float(a2), float(v1), float(v2), float(c), float(z), p,
                         bool(paired), int(n1), int(n2), float(df))


def roc_curve(y, score, *, direction: str = "<") -> pd.DataFrame:
    """Empirical ROC curve: one row per distinct threshold (plus the (0, 0) corner).

    Columns ``threshold`` (classify as case when score ≥ threshold; for ``">"`` when score ≤
    threshold), ``fpr``, ``tpr``, ``specificity``, ``sensitivity``.
    """
    yy = _binary_outcome(y)
    s = _scores(score, len(yy))
    o = _oriented(s, direction)
    order = np.argsort(-o, kind="mergesort")
    o_sorted, y_sorted = o[order], yy[order]
    last = np.r_[np.flatnonzero(np.diff(o_sorted) != 0), len(o_sorted) - 1]
    tp = np.cumsum(y_sorted)[last]
    fp = np.cumsum(1 - y_sorted)[last]
    m, n = yy.sum(), (1 - yy).sum()
    thr = o_sorted[last] if direction == "<" else -o_sorted[last]
    frame = pd.DataFrame({"threshold": np.r_[np.inf if direction == "<" else -np.inf, thr],
                          "fpr": np.r_[0.0, fp / n], "tpr": np.r_[0.0, tp / m]})
    frame["specificity"] = 1 - frame["fpr"]
    frame["sensitivity"] = frame["tpr"]
    return frame
