"""Classification metrics at a threshold chosen on training data (Youden's J)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from omics.data.validate import InputError
from omics.predict.roc import _scores, roc_auc, roc_curve

#: Metric columns, in report order.
METRICS = ("auc", "auc_lower", "auc_upper", "sensitivity", "specificity", "accuracy", "precision",
           "f1", "balanced_accuracy", "brier", "misclassification_rate", "misclassified", "n",
           "n_cases", "threshold")


def youden_threshold(y, prob) -> float:
    """Probability threshold maximising Youden's J = sensitivity + specificity − 1.

    A patient is called a case when ``prob >= threshold``. The threshold is one of the
    observed probabilities; among equal J the highest threshold is taken (fewest positive
    calls), so the choice is deterministic.

    References
    ----------
    Youden WJ (1950). Index for rating diagnostic tests. Cancer 3, 32–35.
    """
    curve = roc_curve(y, prob).iloc[1:]
    j = (curve["tpr"] - curve["fpr"]).to_numpy()
    return float(curve["threshold"].to_numpy()[int(np.argmax(j))])


def classification_metrics(y, prob, threshold: float, *, level: float = 0.95) -> dict:
    """Every reported metric for one set of predictions at a fixed threshold.

    Parameters
    ----------
    y
        0/1 outcome (1 = case, e.g. good responder).
    prob
        Predicted probability of being a case.
    threshold
        Call a case when ``prob >= threshold`` (chosen beforehand on training data).
    level
        Level of the DeLong AUC confidence interval.

    Returns
    -------
    dict
        ``auc`` with DeLong CI (NaN when one class is absent), sensitivity, specificity,
        accuracy, precision, F1, balanced accuracy, Brier score, misclassification rate and
        count, n, n_cases and the threshold.
    """
    yy = np.asarray(y).astype(float)
    if np.isnan(yy).any() or not set(np.unique(yy)) <= {0.0, 1.0}:
        raise InputError("outcome: expected 0/1 values without missing values")
    yy = yy.astype(int)
    p = _scores(prob, len(yy), "predicted probability")
    return _metrics(yy, p, (p >= threshold).astype(int), float(threshold), level)


def _metrics(y: np.ndarray, p: np.ndarray, calls: np.ndarray, threshold: float, level: float) -> dict:
    tp = int(((calls == 1) & (y == 1)).sum())
    tn = int(((calls == 0) & (y == 0)).sum())
    fp = int(((calls == 1) & (y == 0)).sum())
    fn = int(((calls == 0) & (y == 1)).sum())
    ratio = lambda a, b: a / b if b else np.nan  # noqa: E731
    sens, spec = ratio(tp, tp + fn), ratio(tn, tn + fp)
    both = len(np.unique(y)) == 2
    auc = roc_auc(y, p, level=level) if both else None
    return {
        "auc": auc.auc if auc else np.nan,
        "auc_lower": auc.lower if auc else np.nan,
        "auc_upper": auc.upper if auc else np.nan,
        "sensitivity": sens, "specificity": spec,
        "accuracy": ratio(tp + tn, len(y)), "precision": ratio(tp, tp + fp),
        "f1": ratio(2 * tp, 2 * tp + fp + fn),
        "balanced_accuracy": (sens + spec) / 2 if both else np.nan,
        "brier": float(np.mean((p - y) ** 2)),
        "misclassification_rate": ratio(fp + fn, len(y)), "misclassified": fp + fn,
        "n": len(y), "n_cases": int(y.sum()), "threshold": threshold,
    }


def metrics_table(predictions: pd.DataFrame, *, by=("set",), level: float = 0.95) -> pd.DataFrame:
    """Metrics for each group of a tidy predictions table.

    ``predictions`` needs columns ``y``, ``prob`` and ``threshold`` (the threshold of the
    fit that made each prediction, so pooled out-of-fold predictions keep their own).
    """
    need = {"y", "prob", "threshold"} - set(predictions.columns)
    if need:
        raise InputError(f"predictions table lacks column(s) {sorted(need)}")
    rows = []
    for key, part in predictions.groupby(list(by), sort=False, observed=True):
        key = key if isinstance(key, tuple) else (key,)
        y = np.asarray(part["y"]).astype(int)
        p = part["prob"].to_numpy(dtype=float)
        thr = part["threshold"].to_numpy(dtype=float)
        # pooled out-of-fold predictions: each is called with its own fit's threshold
        m = _metrics(y, p, (p >= thr).astype(int), float(np.mean(thr)), level)
        rows.append(dict(zip(by, key)) | m)
    return pd.DataFrame(rows)
