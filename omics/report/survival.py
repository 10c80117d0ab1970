"""Paper-style survival tables (study Tables 3 and 4) and the C-index comparison table.

Inputs are the tidy results of :func:`omics.survival.tables.survival_table`,
:func:`omics.survival.tables.model_table` and :func:`omics.survival.cindex_models`;
nothing is computed here except formatting.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from omics.report.tables import format_ci, format_p

#: Shown instead of an HR whose coefficient may be infinite (see ``cox_table``).
NOT_ESTIMABLE = "NE"


def _pct(s, lo, hi) -> str:
    if s is None or not np.isfinite(s):
        return ""
    return format_ci(s, lo, hi, digits=0, scale=100.0)


def survival_column(at: float, *, time_unit: str = "") -> str:
    """Header of a survival-probability column: ``Survival at 60 months, % (95% CI)``."""
    unit = f" {time_unit}" if time_unit else ""
    return f"Survival at {at:g}{unit}, % (95% CI)"


def survival_report(table: pd.DataFrame, *, labels: Mapping[str, str] | None = None,
                    time_label: str | None = None, time_unit: str = "") -> pd.DataFrame:
    """Study Table 3 layout: one block per grouping, the reference level first as ``ref.``.

    Columns: ``Grouping, Group, No. at risk, Events, Survival at <t> <unit>, % (95% CI),
    Log-rank P, HR (95% CI), P`` and, when computed, ``Multivariable HR (95% CI), P
    (multivariable)``. ``time_label`` replaces the survival column's header.
    """
    labels = dict(labels or {})
    t = table["time"].iloc[0] if len(table) else np.nan
    surv_col = time_label or survival_column(t, time_unit=time_unit)
    has_multi = table["multi_hr"].notna().any()
    rows = []
    for grouping, part in table.groupby("grouping", sort=False):
        for i, r in enumerate(part.itertuples(index=False)):
            row = {"Grouping": labels.get(grouping, grouping) if i == 0 else "",
                   "Group": f"{r.level} (ref.)" if r.reference else r.level,
                   "No. at risk": int(r.n), "Events": int(r.events),
                   surv_col: _pct(r.surv, r.surv_lower, r.surv_upper),
                   "Log-rank P": format_p(r.logrank_p) if i == 0 else "",
                   "HR (95% CI)": "ref." if r.reference else (
                       format_ci(r.uni_hr, r.uni_lower, r.uni_upper) or NOT_ESTIMABLE),
                   "P": "" if r.reference else format_p(r.uni_p)}
            if has_multi:
                row["Multivariable HR (95% CI)"] = "ref." if r.reference else (
                    format_ci(r.multi_hr, r.multi_lower, r.multi_upper) or NOT_ESTIMABLE)
                row["P (multivariable)"] = "" if r.reference else format_p(r.multi_p)
            rows.append(row)
    return pd.DataFrame(rows)


def survival_footnotes(table: pd.DataFrame, *, covariates: Sequence[str] = (),
                       reference: Mapping[str, str] | None = None, endpoint: str = "survival") -> list[str]:
    """Footnotes: covariates of the multivariable models, patients used/dropped, stars."""
    notes = []
    if covariates:
        refs = dict(reference or {})
        covs = ", ".join(f"{c} (ref. {refs[c]})" if c in refs else c for c in covariates)
        notes.append(f"Multivariable Cox models of {endpoint} adjusted for: {covs}.")
        used = table.drop_duplicates("grouping")
        for r in used.itertuples(index=False):
            if np.isfinite(r.multi_n):
                notes.append(f"{r.grouping}: {int(r.multi_n)} patients ({int(r.multi_events)} events) "
                             f"in the multivariable model; {int(r.multi_dropped)} dropped for missing values.")
    compared = ~table["reference"].astype(bool)
    not_estimable = compared & (table["uni_hr"].isna() | (table["multi_n"].notna() & table["multi_hr"].isna()))
    if not_estimable.any():
        notes.append(f"{NOT_ESTIMABLE}: not estimable — a group without events (or complete separation) "
                     "makes the Cox likelihood monotone, so the HR is infinite or zero; the log-rank "
                     "test still applies.")
    notes.append("Log-rank test; Cox models with Efron ties; HR = hazard ratio. "
                 "* p < 0.05, ** p < 0.005, *** p < 0.001.")
    return notes


def model_report(table: pd.DataFrame, *, labels: Mapping[str, str] | None = None,
                 time_label: str | None = None, at: float | None = None,
                 time_unit: str = "") -> pd.DataFrame:
    """Study Table 4 layout: per model a header row with the CV C-index (95 % CI), then its HRs.

    The survival column is headed ``time_label``, else ``Survival at <at> <time_unit>, % (95% CI)``
    with ``at`` taken from the table's ``time`` column unless given.
    """
    labels = dict(labels or {})
    if at is None and len(table) and "time" in table:
        at = float(table["time"].iloc[0])
    surv_col = time_label or (survival_column(at, time_unit=time_unit) if at is not None else "Survival, % (95% CI)")
    rows = []
    for model, part in table.groupby("model", sort=False):
        first = part.iloc[0]
        rows.append({"Model / group": labels.get(model, model) + f" [{first['formula']}]",
                     "No. at risk": "", "Events": "", surv_col: "",
                     "Log-rank P": format_p(first["logrank_p"]) if np.isfinite(first.get("logrank_p", np.nan)) else "",
                     "HR (95% CI)": "", "P": "",
                     "C-index, CV (95% CI)": format_ci(first.get("c_index", np.nan), first.get("c_lower", np.nan),
                                                       first.get("c_upper", np.nan), digits=3)})
        single = np.isfinite(part["surv"].astype(float)).any()
        for r in part.itertuples(index=False):
            name = r.level if r.level else r.term
            rows.append({"Model / group": f"  {name} (ref.)" if r.reference else f"  {name}",
                         "No. at risk": int(r.n) if single else "",
                         "Events": int(r.events) if single else "",
                         surv_col: _pct(r.surv, r.surv_lower, r.surv_upper) if single else "",
                         "Log-rank P": "", "HR (95% CI)": "ref." if r.reference else format_ci(r.hr, r.hr_lower, r.hr_upper),
                         "P": "" if r.reference else format_p(r.p), "C-index, CV (95% CI)": ""})
    return pd.DataFrame(rows)


def cindex_report(estimates: pd.DataFrame, *, comparisons: pd.DataFrame | None = None,
                  labels: Mapping[str, str] | None = None) -> pd.DataFrame:
    """C-index comparison table: model, C (95 % CI), and each comparison's ΔC (95 % CI) and p."""
    labels = dict(labels or {})
    rows = []
    for r in estimates.itertuples(index=False):
        rows.append({"Model": labels.get(r.model, r.model), "Formula": r.formula,
                     "C-index (95% CI)": format_ci(r.c_index, r.lower, r.upper, digits=3),
                     "Comparison": "", "ΔC (95% CI)": "", "P": ""})
        if comparisons is not None:
            for c in comparisons[comparisons.model_a == r.model].itertuples(index=False):
                rows.append({"Model": "", "Formula": "", "C-index (95% CI)": "",
                             "Comparison": f"vs {labels.get(c.model_b, c.model_b)}",
                             "ΔC (95% CI)": f"{c.delta:+.3f} ({c.lower:+.3f} to {c.upper:+.3f})",
                             "P": format_p(c.p)})
    return pd.DataFrame(rows)


def endpoint_footnote(endpoint: str, time: str, event: str, *, time_unit: str = "") -> str:
    """``Endpoint: overall survival (time os_months in months, event os_event).``"""
    unit = f" in {time_unit}" if time_unit else ""
    return f"Endpoint: {endpoint} (time {time}{unit}, event {event})."


def cindex_footnotes(params: Mapping) -> list[str]:
    return [f"Harrell's C of Cox models in {params.get('folds')}-fold cross-validation stratified by event "
            f"({params.get('repeats')} repeat(s)); 95% CI: "
            f"{'bias-corrected percentile' if params.get('interval', 'percentile') == 'bc' else 'percentile'} interval over "
            f"{params.get('n_boot')} bootstrap replicates, all models refitted on the same resamples "
            f"and folds (seed {params.get('seed')}). ΔC p-value: two-sided paired bootstrap.",
            "* p < 0.05, ** p < 0.005, *** p < 0.001."]
