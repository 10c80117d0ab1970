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
