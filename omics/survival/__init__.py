"""Survival analysis: Kaplan–Meier, log-rank, Cox models, Harrell's C, CV C-index comparison.

Public API
----------
kaplan_meier, logrank_test, pairwise_logrank, kaplan_meier_by
    Kaplan–Meier curves (R ``survfit``) and log-rank tests (R ``survdiff``); ``kaplan_meier_by``
    runs them for several grouping columns of a table (what ``omics km`` writes).
CoxModel, cox_fit, cox_table, stepwise_cox
    Cox proportional hazards with Efron ties (R ``coxph``), HR tables with reference rows,
    Schoenfeld PH test (``CoxModel.ph_test``, R ``cox.zph``), backward stepwise AIC.
harrell_c, concordance_variance, compare_concordance
    Harrell's concordance (R ``survival::concordance``), its infinitesimal-jackknife
    variance, and the z-test of two correlated C-indices (compareC-style second opinion).
cv_cindex, compare_cindex
    K-fold cross-validated C-index of Cox models given as formulas, and paired-bootstrap
    comparison of two models' CV C-indices.
parse_formula, build_design, recode, choose_reference, default_reference, quote_name, additive_formula
    The formula language (odd column names in backticks), categorical coding and the stated
    rule for reference levels.
complete_cases, SurvivalData
    The patients an analysis uses (complete cases), and how many were dropped.
survival_table, model_table
    The numbers of the study's Tables 3 and 4 (formatted by ``omics.report.survival``).

Names are imported on first use (PEP 562), so that ``import omics.survival`` (and the
``omics`` command's start-up) does not pay for scipy and the model code until needed.
"""

from __future__ import annotations

from omics._lazy import lazy_exports

_EXPORTS = {
    "Concordance": "concordance", "ConcordanceComparison": "concordance",
    "compare_concordance": "concordance", "concordance_variance": "concordance",
    "harrell_c": "concordance",
    "CoxConvergenceWarning": "cox", "CoxModel": "cox", "GlobalTest": "cox",
    "StepwiseResult": "cox", "cox_fit": "cox", "cox_table": "cox", "stepwise_cox": "cox",
    "build_design": "design", "choose_reference": "design", "default_reference": "design",
    "parse_formula": "design", "recode": "design", "ReferenceChoice": "design",
    "SmallLevelWarning": "design", "MIN_REFERENCE_EVENTS": "design", "MIN_LEVEL_SIZE": "design",
    "KaplanMeier": "km", "LogRank": "km", "kaplan_meier": "km", "logrank_test": "km",
    "pairwise_logrank": "km", "KaplanMeierSet": "km", "kaplan_meier_by": "km",
    "additive_formula": "design", "quote_name": "design",
    "SurvivalData": "_prep", "complete_cases": "_prep",
    "DroppedRowsWarning": "_prep",
    "CIndexComparison": "cindex", "CIndexResult": "cindex", "cindex_models": "cindex",
    "compare_cindex": "cindex", "cv_cindex": "cindex", "stratified_folds": "cindex",
    "model_table": "tables", "survival_table": "tables",
}

__getattr__, __dir__, __all__ = lazy_exports(__name__, _EXPORTS, globals())
