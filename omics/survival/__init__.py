"""Survival analysis: Kaplan–Meier, log-rank, Cox models, Harrell's C, CV C-index comparison.

Public API
----------
kaplan_meier, logrank_test, pairwise_logrank
    Kaplan–Meier curves (R ``survfit``) and log-rank tests (R ``survdiff``).
CoxModel, cox_fit, cox_table, stepwise_cox
    Cox proportional hazards with Efron ties (R ``coxph``), HR tables with reference rows,
    Schoenfeld PH test (``CoxModel.ph_test``, R ``cox.zph``), backward stepwise AIC.
harrell_c, concordance_variance, compare_concordance
    Harrell's concordance (R ``survival::concordance``), its infinitesimal-jackknife
    variance, and the z-test of two correlated C-indices (compareC-style second opinion).
cv_cindex, compare_cindex
    K-fold cross-validated C-index of Cox models given as formulas, and paired-bootstrap
    comparison of two models' CV C-indices.
parse_formula, build_design, recode
    The formula language and categorical coding (reference levels).
survival_table, model_table
    The numbers of the study's Tables 3 and 4 (formatted by ``omics.report.survival``).
"""

from omics.survival.concordance import (Concordance, ConcordanceComparison, compare_concordance,
                                         concordance_variance, harrell_c)
from omics.survival.cox import (CoxConvergenceWarning, CoxModel, GlobalTest, StepwiseResult,
                                cox_fit, cox_table, stepwise_cox)
from omics.survival.design import build_design, default_reference, parse_formula, recode
from omics.survival.km import KaplanMeier, LogRank, kaplan_meier, logrank_test, pairwise_logrank
from omics.survival._prep import DroppedRowsWarning

__all__ = [
    "Concordance", "ConcordanceComparison", "compare_concordance", "concordance_variance",
    "CoxConvergenceWarning", "CoxModel", "DroppedRowsWarning", "GlobalTest",
    "KaplanMeier", "LogRank", "StepwiseResult", "build_design", "cox_fit", "cox_table",
    "default_reference", "harrell_c", "kaplan_meier", "logrank_test", "pairwise_logrank",
    "parse_formula", "recode", "stepwise_cox",
]

from omics.survival.cindex import (CIndexComparison, CIndexResult, cindex_models,  # noqa: E402
                                   compare_cindex, cv_cindex, stratified_folds)

from omics.survival.tables import model_table, survival_table  # noqa: E402

__all__ += ["CIndexComparison", "CIndexResult", "cindex_models", "compare_cindex", "cv_cindex",
            "stratified_folds", "model_table", "survival_table"]
