"""Intraclass correlation of radiomic features over repeated segmentations, and the ICC
filter of the reference study (keep features with ICC ≥ 0.90).

The three single-measure forms of Shrout & Fleiss (1979) are computed from the two-way
ANOVA mean squares of an n targets (patients) × k judges (segmentations) table:

* ICC(1,1) — one-way random effects: ``(BMS − WMS) / (BMS + (k−1)·WMS)``;
* ICC(2,1) — two-way random effects, absolute agreement:
  ``(BMS − EMS) / (BMS + (k−1)·EMS + k·(JMS − EMS)/n)``;
* ICC(3,1) — two-way mixed effects, consistency: ``(BMS − EMS) / (BMS + (k−1)·EMS)``.

95 % confidence intervals use the F-distribution formulas of the paper (for ICC(2,1), the
Satterthwaite approximation of its degrees of freedom). All features are computed at once
(vectorised over features).

The reference study does not state the ICC form; the default here is ICC(2,1), the
absolute-agreement form usually recommended for reproducibility of measurements
(Koo & Li 2016) — choose another with ``icc_type``.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from omics._result import Result
from omics.data.validate import InputError, check_overlap

ICC_TYPES = ("ICC1", "ICC2", "ICC3")
#: Fewer patients with repeated segmentations than this trigger a :class:`SmallICCSampleWarning`:
#: with 2 segmentations of 9 patients, an ICC(2,1) of 0.88–0.92 has a 95 % CI whose lower end is
#: 0.40–0.70 (simulated, median 0.62), so the 0.90 filter cannot separate good from poor features.
MIN_ICC_PATIENTS = 10


class SmallICCSampleWarning(UserWarning):
    """The ICC is computed on too few patients to be a reliable filter."""
_ALIASES = {"ICC1": "ICC1", "ICC(1,1)": "ICC1", "1": "ICC1", "ICC2": "ICC2", "ICC(2,1)": "ICC2", "2": "ICC2",
            "ICC3": "ICC3", "ICC(3,1)": "ICC3", "3": "ICC3"}


def _normalise_type(icc_type: str) -> str:
    key = str(icc_type).upper().replace(" ", "")
    if key not in _ALIASES:
        raise InputError(f"icc_type must be one of ICC1, ICC2, ICC3 (or ICC(1,1), ICC(2,1), ICC(3,1)), got {icc_type!r}")
    return _ALIASES[key]


def mean_squares(ratings: np.ndarray) -> dict[str, np.ndarray]:
    """Two-way ANOVA mean squares of ratings shaped (n targets, k judges[, features]).

    Returns
    -------
    dict
        ``BMS`` (between targets), ``WMS`` (within targets), ``JMS`` (between judges),
        ``EMS`` (residual), each an array over features (or a scalar for 2-D input).
    """
    x = np.asarray(ratings, dtype=float)
    if x.ndim not in (2, 3):
        raise InputError(f"ratings must be (targets, judges) or (targets, judges, features), got shape {x.shape}")
    n, k = x.shape[:2]
    if n < 2 or k < 2:
        raise InputError(f"the ICC needs at least 2 targets and 2 judges, got {n} × {k}")
    grand = x.mean(axis=(0, 1))
    target_means = x.mean(axis=1)
    judge_means = x.mean(axis=0)
    ss_total = ((x - grand) ** 2).sum(axis=(0, 1))
    ss_targets = k * ((target_means - grand) ** 2).sum(axis=0)
    ss_judges = n * ((judge_means - grand) ** 2).sum(axis=0)
    ss_within = ss_total - ss_targets
    ss_error = ss_within - ss_judges
    return {"BMS": ss_targets / (n - 1), "WMS": ss_within / (n * (k - 1)),
            "JMS": ss_judges / (k - 1), "EMS": ss_error / ((n - 1) * (k - 1)), "n": n, "k": k}


def icc_single(ratings: np.ndarray, *, icc_type: str = "ICC2", confidence: float = 0.95) -> pd.DataFrame:
    """ICC(1,1), ICC(2,1) or ICC(3,1) with its confidence interval and F test.

    Parameters
    ----------
    ratings
        Array (n targets, k judges) or (n targets, k judges, features); no missing values.
    icc_type
        ``ICC1``, ``ICC2`` or ``ICC3`` (or ``ICC(1,1)``…).
    confidence
        Level of the confidence interval.

    Returns
    -------
    pandas.DataFrame
        One row per feature: ``icc, ci_low, ci_high, F, df1, df2, pvalue``.

    References
    ----------
    Shrout PE, Fleiss JL. Intraclass correlations: uses in assessing rater reliability.
    Psychol Bull 1979;86:420–428.
    """
    kind = _normalise_type(icc_type)
    x = np.asarray(ratings, dtype=float)
    squeeze = x.ndim == 2
    if squeeze:
        x = x[:, :, None]
    if not np.isfinite(x).all():
        raise InputError("ratings contain NaN or infinite values; drop those features or targets first")
    ms = mean_squares(x)
    n, k = ms["n"], ms["k"]
    bms, wms, jms, ems = ms["BMS"], ms["WMS"], ms["JMS"], ms["EMS"]
    alpha = 1.0 - confidence
    with np.errstate(all="ignore"):  # ICC of 1 (no residual) or constant features
        if kind == "ICC1":
            icc = (bms - wms) / (bms + (k - 1) * wms)
            f0, df1, df2 = bms / wms, n - 1, n * (k - 1)
            low, high = _ci_from_f(f0, df1, df2, k, alpha)
        elif kind == "ICC3":
            icc = (bms - ems) / (bms + (k - 1) * ems)
            f0, df1, df2 = bms / ems, n - 1, (n - 1) * (k - 1)
            low, high = _ci_from_f(f0, df1, df2, k, alpha)
        else:
            icc = (bms - ems) / (bms + (k - 1) * ems + k * (jms - ems) / n)
            f0, df1, df2 = bms / ems, n - 1, (n - 1) * (k - 1)
            low, high = _ci_icc2(icc, bms, jms, ems, n, k, alpha)
        pvalue = stats.f.sf(f0, df1, df2)
    perfect = icc == 1.0  # no disagreement at all (e.g. identical segmentations): the interval is [1, 1]
    low, high = np.where(perfect, 1.0, low), np.where(perfect, 1.0, high)
    out = pd.DataFrame({"icc": icc, "ci_low": low, "ci_high": high, "F": f0,
                        "df1": np.broadcast_to(df1, icc.shape).astype(float),
                        "df2": np.broadcast_to(df2, icc.shape).astype(float), "pvalue": pvalue})
    return out


def _ci_from_f(f0, df1, df2, k, alpha):
    """Shrout & Fleiss CI for ICC(1,1) and ICC(3,1): F_L = F0 / F(1−α/2; df1, df2),
    F_U = F0 · F(1−α/2; df2, df1); bounds (F − 1)/(F + k − 1)."""
    fl = f0 / stats.f.ppf(1 - alpha / 2, df1, df2)
    fu = f0 * stats.f.ppf(1 - alpha / 2, df2, df1)
    return (fl - 1) / (fl + k - 1), (fu - 1) / (fu + k - 1)


def _ci_icc2(icc, bms, jms, ems, n, k, alpha):
    """Shrout & Fleiss CI for ICC(2,1) with Satterthwaite's degrees of freedom."""
    fj = jms / ems
    r = icc
    common = n * (1 + (k - 1) * r) - k * r
    v = ((k - 1) * (n - 1) * (k * r * fj + common) ** 2
         / ((n - 1) * k ** 2 * r ** 2 * fj ** 2 + common ** 2))
    f_star = stats.f.ppf(1 - alpha / 2, n - 1, v)
    f_star2 = stats.f.ppf(1 - alpha / 2, v, n - 1)
    low = n * (bms - f_star * ems) / (f_star * (k * jms + (k * n - k - n) * ems) + n * bms)
    high = n * (f_star2 * bms - ems) / (k * jms + (k * n - k - n) * ems + n * f_star2 * bms)
    return low, high


@dataclass(repr=False)
class ICCResult(Result):
    """ICC per feature and the features that pass the threshold.

    Attributes
    ----------
    table
        One row per feature: ``feature, sequence, roi, family, icc, ci_low, ci_high, F,
        df1, df2, pvalue, n_patients, finite_in_all_patients, retained``.
    icc_type, threshold
        Settings used.
    patients
        Patients with both segmentations that entered the ICC.

    ``to_frame()`` is the per-feature table, ``summary`` the retained/extracted counts
    (:meth:`retained_counts`), ``write(out)`` writes ``icc.csv`` and ``retained_counts.csv``
    (plus ``handcrafted_features.csv`` when given the feature table), as ``omics icc`` does.
    """

    table: pd.DataFrame
    icc_type: str
    threshold: float
    patients: list

    @property
    def retained(self) -> list[str]:
        """Features with ICC ≥ threshold, in table order."""
        return self.table.loc[self.table["retained"], "feature"].tolist()

    @property
    def not_finite(self) -> list[str]:
        """Features that pass the ICC threshold but are left out for NaN/inf values in some patient."""
        t = self.table
        return t.loc[(t["icc"] >= self.threshold) & ~t["finite_in_all_patients"].astype(bool), "feature"].tolist()

    def retained_counts(self) -> pd.DataFrame:
        """Retained / extracted feature counts per sequence, ROI and kind (texture or shape)."""
        t = self.table.assign(kind=np.where(self.table["family"] == "shape", "shape", "texture"))
        counts = (t.groupby(["sequence", "roi", "kind"], sort=False)
                  .agg(n_features=("feature", "size"), n_retained=("retained", "sum"))
                  .reset_index())
        total = pd.DataFrame([{"sequence": "all", "roi": "all", "kind": "all",
                               "n_features": int(counts["n_features"].sum()),
                               "n_retained": int(counts["n_retained"].sum())}])
        return pd.concat([counts, total], ignore_index=True)

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    @property
    def summary(self) -> pd.DataFrame:
        """Retained / extracted counts per sequence, ROI and kind (see :meth:`retained_counts`)."""
        return self.retained_counts()

    def filter(self, features: pd.DataFrame) -> pd.DataFrame:
        """``features`` restricted to the retained features (see :func:`apply_icc_filter`)."""
        return apply_icc_filter(features, self)

    def write(self, out_dir, *, features: pd.DataFrame | None = None) -> dict:
        """Write ``icc.csv`` and ``retained_counts.csv`` under ``out_dir``; with ``features``
        (patients × features of the first segmentation) also ``handcrafted_features.csv``,
        the retained columns only."""
        from omics.data.io import write_table

        out = Path(out_dir)
        paths = {"icc": write_table(self.table, out / "icc.csv", index=False),
                 "retained_counts": write_table(self.retained_counts(), out / "retained_counts.csv", index=False)}
        if features is not None:
            paths["features"] = write_table(self.filter(features), out / "handcrafted_features.csv")
        return paths

    def _short(self) -> str:
        return (f"{self.icc_type}, threshold {self.threshold}: {len(self.retained)}/{len(self.table)} "
                f"features retained over {len(self.patients)} patients")


def feature_icc(first: pd.DataFrame, repeat: pd.DataFrame | Sequence[pd.DataFrame], *, icc_type: str = "ICC2",
                threshold: float = 0.90, confidence: float = 0.95) -> ICCResult:
    """ICC of every feature between repeated segmentations, and the ICC filter.

    Parameters
    ----------
    first
        Patients × features from the first segmentation.
    repeat
        Patients × features from the repeat segmentation(s) (one table per extra judge).
        Only patients present in every table are used (reported in ``patients``).
    icc_type
        ``ICC1``, ``ICC2`` (default) or ``ICC3``.
    threshold
        Minimum ICC to retain a feature (the study used 0.90). Features whose ICC is
        undefined (constant or non-finite values), and features with a non-finite value for
        any patient of ``first`` (column ``finite_in_all_patients``), are not retained.
    confidence
        Level of the confidence intervals.

    Returns
    -------
    ICCResult

    Warns
    -----
    SmallICCSampleWarning
        With fewer than :data:`MIN_ICC_PATIENTS` (10) patients: the CI of the ICC is then
        too wide for a 0.90 cut-off to mean anything.

    References
    ----------
    Shrout PE, Fleiss JL. Psychol Bull 1979;86:420–428.
    Koo TK, Li MY. A guideline of selecting and reporting intraclass correlation
    coefficients for reliability research. J Chiropr Med 2016;15:155–163.
    """
    kind = _normalise_type(icc_type)
    repeats = [repeat] if isinstance(repeat, pd.DataFrame) else list(repeat)
    if not repeats:
        raise InputError("feature_icc: no repeat segmentation table given")
    patients = [str(p) for p in first.index]
    for i, rep in enumerate(repeats):
        ov = check_overlap(patients, [str(p) for p in rep.index], "first segmentation",
                           f"repeat segmentation {i + 1}", warn=False)
        patients = [p for p in patients if p in set(ov.shared)]
    missing_cols = [c for rep in repeats for c in first.columns if c not in rep.columns]
    if missing_cols:
        raise InputError(f"{len(missing_cols)} feature(s) of the first segmentation are missing from a repeat "
                         f"table, e.g. {missing_cols[:3]}")
    if len(patients) < 2:
        raise InputError(f"the ICC needs at least 2 patients with repeated segmentations, got {len(patients)}")
    if len(patients) < MIN_ICC_PATIENTS:
        warnings.warn(f"the ICC rests on {len(patients)} patients with repeated segmentations (< "
                      f"{MIN_ICC_PATIENTS}): its confidence interval is too wide to tell an ICC of 0.90 "
                      "from about 0.6, so the ICC filter keeps or drops features almost at random; "
                      "re-segment more patients (Koo & Li 2016 advise at least 30)", SmallICCSampleWarning, stacklevel=2)
    tables = [first.rename(index=str).loc[patients]] + [r.rename(index=str).loc[patients, first.columns]
                                                         for r in repeats]
    x = np.stack([t.to_numpy(dtype=float) for t in tables], axis=1)  # patients × judges × features
    finite = np.isfinite(x).all(axis=(0, 1))
    result = pd.DataFrame(np.nan, index=range(x.shape[2]),
                          columns=["icc", "ci_low", "ci_high", "F", "df1", "df2", "pvalue"])
    if finite.any():
        values = icc_single(x[:, :, finite], icc_type=kind, confidence=confidence)
        result.loc[np.flatnonzero(finite), values.columns] = values.to_numpy()
    names = [_split(c) for c in first.columns]
    table = pd.DataFrame({"feature": first.columns, "sequence": [n[0] for n in names],
                          "roi": [n[1] for n in names], "family": [n[2] for n in names]})
    table = pd.concat([table, result], axis=1)
    table["n_patients"] = len(patients)
    # a feature kept for the cohort must be usable for every patient, not only the re-segmented ones
    table["finite_in_all_patients"] = np.isfinite(first.to_numpy(dtype=float)).all(axis=0)
    table["retained"] = ((table["icc"] >= threshold).fillna(False).astype(bool)
                         & table["finite_in_all_patients"])
    return ICCResult(table, kind, float(threshold), patients)


def _split(name: str) -> tuple[str, str, str]:
    parts = str(name).split("__")
    if len(parts) == 3:
        return parts[0], parts[1], parts[2].partition("_")[0]
    return "", "", ""


def apply_icc_filter(features: pd.DataFrame, icc_table: pd.DataFrame | ICCResult) -> pd.DataFrame:
    """Keep the features marked ``retained`` in an ICC table (in the features' order).

    Raises
    ------
    InputError
        If a retained feature is missing from ``features``.
    """
    table = icc_table.table if isinstance(icc_table, ICCResult) else icc_table
    keep = set(table.loc[table["retained"].astype(str).str.lower().isin(["true", "1"]), "feature"])
    missing = sorted(keep - set(features.columns))
    if missing:
        raise InputError(f"{len(missing)} retained feature(s) are missing from the feature table, e.g. {missing[:3]}")
    return features.loc[:, [c for c in features.columns if c in keep]]
