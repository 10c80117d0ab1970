"""Numbers behind the study's survival tables (Tables 3 and 4), as tidy DataFrames.

These functions compute; :mod:`omics.report.survival` formats and renders.

References
----------
Crombé A, Lucchesi C, et al. NPJ Precis Oncol 2024 (Tables 3–4).
"""

from __future__ import annotations

import warnings
from typing import Mapping, Sequence

import pandas as pd

from omics.data.validate import InputError
from omics.survival._prep import DroppedRowsWarning, complete_cases
from omics.survival.cox import CoxModel, cox_table
from omics.survival.design import additive_formula, choose_reference
from omics.survival.km import kaplan_meier, logrank_test

_COLUMNS = ["grouping", "level", "reference", "reference_rule", "n", "events", "time", "surv", "surv_lower", "surv_upper",
            "logrank_chisq", "logrank_p", "uni_hr", "uni_lower", "uni_upper", "uni_p",
            "multi_hr", "multi_lower", "multi_upper", "multi_p", "multi_n", "multi_events",
            "multi_dropped"]


def _levels(values: pd.Series, reference: str | None, cc, name: str) -> tuple[list[str], str]:
    """Levels with the reference first, and the rule that chose the reference."""
    levels = sorted(values.astype(str).unique())
    if reference is not None:
        ref, rule = str(reference), "given"
    else:
        choice = choose_reference(values, time=cc.time, event=cc.event, name=name)
        ref, rule = choice.level, choice.rule
    if ref not in levels:
        raise InputError(f"reference level {ref!r} of {name!r} does not occur; levels: {levels}")
    return [ref] + [lv for lv in levels if lv != ref], rule


def survival_table(data: pd.DataFrame, groupings: Sequence[str], time: str, event: str,
                   *, covariates: Sequence[str] = (), reference: Mapping[str, str] | None = None,
                   at: float = 60.0, conf_type: str = "log") -> pd.DataFrame:
    """Per grouping and group: numbers at risk, events, S(at) with CI, log-rank, uni/multivariable HR.

    Parameters
    ----------
    data
        One row per patient (groupings, covariates and survival columns).
    groupings
        Group-label columns (each analysed separately; patients without a label are left out).
    time, event
        Survival columns of the endpoint (time in its unit, event 1 = event, 0 = censored).
    covariates
        Adjustment covariates of the multivariable model ``grouping + covariates`` (complete
        cases; the number dropped is reported in ``multi_dropped``).
    reference
        Reference levels (groupings and categorical covariates).
    at
        Time of the survival probability, in the time column's unit (e.g. 60 months = 5 years).
    conf_type
        KM interval type.

    Returns
    -------
    pandas.DataFrame
        One row per grouping level (reference first) with the columns ``grouping, level,
        reference, reference_rule, n, events, time, surv, surv_lower, surv_upper, logrank_chisq, logrank_p,
        uni_hr, uni_lower, uni_upper, uni_p, multi_hr, multi_lower, multi_upper, multi_p,
        multi_n, multi_events, multi_dropped`` (log-rank and model counts repeated per row);
        ``reference_rule`` says why the reference was chosen
        (:func:`~omics.survival.design.choose_reference`).
    """
    reference = dict(reference or {})
    rows = []
    for grouping in groupings:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DroppedRowsWarning)
            cc = complete_cases(data, time, event, [grouping], source=f"survival_table[{grouping}]")
        g = cc.data[grouping].astype(str)
        levels, rule = _levels(cc.data[grouping], reference.get(grouping), cc, grouping)
        km = kaplan_meier(cc.time, cc.event, groups=g.to_numpy(), conf_type=conf_type)
        s_at = km.survival_at([at]).set_index("group")
        lr = logrank_test(cc.time, cc.event, g.to_numpy())
        uni = cox_table(CoxModel(additive_formula([grouping]), reference={grouping: levels[0]}).fit(
            cc.data, time, event, source=f"univariable Cox of {grouping}"))
        uni = uni[uni.variable == grouping].set_index("level")
        multi, m_model = None, None
        if covariates:
            m_model = CoxModel(additive_formula([grouping, *covariates]),
                               reference={**reference, grouping: levels[0]})
            m_model.fit(data, time, event, source=f"multivariable Cox of {grouping}")
            multi = cox_table(m_model)
            multi = multi[multi.variable == grouping].set_index("level")
        for lev in levels:
            row = {"grouping": grouping, "level": lev, "reference": lev == levels[0], "reference_rule": rule,
                   "n": int((g == lev).sum()), "events": int(cc.event[(g == lev).to_numpy()].sum()),
                   "time": at, "surv": s_at.loc[lev, "surv"], "surv_lower": s_at.loc[lev, "lower"],
                   "surv_upper": s_at.loc[lev, "upper"], "logrank_chisq": lr.statistic,
                   "logrank_p": lr.p_value,
                   "uni_hr": uni.loc[lev, "hr"], "uni_lower": uni.loc[lev, "hr_lower"],
                   "uni_upper": uni.loc[lev, "hr_upper"], "uni_p": uni.loc[lev, "p"]}
            if multi is not None:
                row.update({"multi_hr": multi.loc[lev, "hr"], "multi_lower": multi.loc[lev, "hr_lower"],
                            "multi_upper": multi.loc[lev, "hr_upper"], "multi_p": multi.loc[lev, "p"],
                            "multi_n": m_model.n_, "multi_events": m_model.n_events_,
                            "multi_dropped": m_model.n_dropped_})
            rows.append(row)
    return pd.DataFrame(rows, columns=_COLUMNS)


def model_table(data: pd.DataFrame, models: Mapping[str, str], time: str, event: str,
                *, reference: Mapping[str, str] | None = None, at: float = 60.0,
                cindex: pd.DataFrame | None = None) -> pd.DataFrame:
    """Table 4 numbers: for each model, its Cox HRs; KM/log-rank rows for one-grouping models.

    Parameters
    ----------
    models
        ``{name: formula}``; all fitted on the same patients (complete cases of all models).
    cindex
        Optional ``CIndexResult.estimates`` to attach ``c_index, c_lower, c_upper`` per model.

    Returns
    -------
    pandas.DataFrame
        ``model, formula, term, level, reference, reference_rule, n, events, time, surv, surv_lower,
        surv_upper, logrank_p, hr, hr_lower, hr_upper, p, c_index, c_lower, c_upper`` (``time`` = ``at``).
    """
    reference = dict(reference or {})
    variables = list(dict.fromkeys(v for f in models.values() for v in _vars(f)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DroppedRowsWarning)
        cc = complete_cases(data, time, event, variables, source="model_table")
    rows = []
    for name, formula in models.items():
        model = CoxModel(formula, reference=reference).fit(cc.data, time, event, source=f"model {name}")
        tab = cox_table(model)
        single = len(model.formula.terms) == 1 and model.formula.terms[0][0] in model.design_.levels
        if single:
            var = model.formula.terms[0][0]
            g = cc.data[var].astype(str).to_numpy()
            km = kaplan_meier(cc.time, cc.event, groups=g).survival_at([at]).set_index("group")
            lr = logrank_test(cc.time, cc.event, g)
        c = {}
        if cindex is not None and name in set(cindex["model"]):
            r = cindex.set_index("model").loc[name]
            c = {"c_index": r["c_index"], "c_lower": r["lower"], "c_upper": r["upper"]}
        rules = tab.attrs.get("reference_rules", {})
        for _, r in tab.iterrows():
            row = {"model": name, "formula": str(model.formula), "term": r["variable"],
                   "level": r["level"], "reference": bool(r["reference"]),
                   "reference_rule": rules.get(r["variable"]) if r["reference"] else None,
                   "n": r["n"], "events": r["events"], "time": at, "hr": r["hr"], "hr_lower": r["hr_lower"],
                   "hr_upper": r["hr_upper"], "p": r["p"], **c}
            if single:
                lev = r["level"]
                row.update({"surv": km.loc[lev, "surv"], "surv_lower": km.loc[lev, "lower"],
                            "surv_upper": km.loc[lev, "upper"], "logrank_p": lr.p_value})
            rows.append(row)
    cols = ["model", "formula", "term", "level", "reference", "reference_rule", "n", "events", "time", "surv",
            "surv_lower",
            "surv_upper", "logrank_p", "hr", "hr_lower", "hr_upper", "p", "c_index", "c_lower", "c_upper"]
    return pd.DataFrame(rows).reindex(columns=cols)


def reference_notes(table: pd.DataFrame) -> list[str]:
    """Footnote lines naming each reference level and the rule that chose it.

    ``table`` is a :func:`survival_table` or :func:`model_table` result, e.g.
    ``"hrf — reference: B_RNA, lowest event rate among levels with ≥ 3 events."``
    """
    if "reference_rule" not in table.columns:
        return []
    name = "grouping" if "grouping" in table.columns else "term"
    refs = table[table["reference"].astype(bool) & table["reference_rule"].notna()]
    refs = refs.drop_duplicates([name, "level"])
    return [f"{getattr(r, name)} — reference: {r.level}, {r.reference_rule}."
            for r in refs.itertuples(index=False)]


def _vars(formula: str) -> list[str]:
    from omics.survival.design import parse_formula
    return parse_formula(formula).variables
