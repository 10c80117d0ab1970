"""Supervised response prediction: leakage-safe pipelines, validation designs, DeLong,
calibration, decision curves, clinical logistic models, nomograms and frozen models.

Typical use::

    from omics import predict
    auc = predict.roc_auc(y, prob)                       # AUC with DeLong 95 % CI
    test = predict.compare_auc(y, prob_a, prob_b)        # DeLong paired test (pROC parity)

See ``docs/predict.md``.
"""

from omics.predict.metrics import METRICS, classification_metrics, metrics_table, youden_threshold
from omics.predict.roc import AUC, AUCComparison, bootstrap_auc, compare_auc, delong_covariance, roc_auc, roc_curve

__all__ = ["AUC", "AUCComparison", "METRICS", "bootstrap_auc", "classification_metrics", "compare_auc",
           "delong_covariance", "metrics_table", "roc_auc", "roc_curve", "youden_threshold"]

from omics.predict.calibration import calibration_curve, calibration_intercept_slope, decision_curve  # noqa: E402
from omics.predict.clinical import ClinicalModel, Nomogram, clinical_logistic, combined_logistic, nomogram  # noqa: E402
from omics.predict.model import FrozenModel, fit_model, lasso_path, shap_values, training_hash  # noqa: E402
from omics.predict.pipeline import (CLASSIFIERS, HARMONIZATIONS, SELECTORS, build_pipeline, model_input,  # noqa: E402
                                    selected_features)
from omics.predict.validation import Design, Evaluation, GridResult, evaluate, parse_design, run_grid  # noqa: E402

__all__ += ["CLASSIFIERS", "ClinicalModel", "Design", "Evaluation", "FrozenModel", "GridResult", "HARMONIZATIONS",
            "Nomogram", "SELECTORS", "build_pipeline", "calibration_curve", "calibration_intercept_slope",
            "clinical_logistic", "combined_logistic", "decision_curve", "evaluate", "fit_model", "lasso_path",
            "model_input", "nomogram", "parse_design", "run_grid", "selected_features", "shap_values",
            "training_hash"]
