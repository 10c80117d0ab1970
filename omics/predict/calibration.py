"""Calibration (curves, intercept and slope) and decision-curve analysis."""

from __future__ import annotations

import numpy as np
import pandas as pd

from omics.data.validate import InputError
from omics.predict.roc import _scores

_EPS = 1e-12


def _inputs(y, prob):
    yy = np.asarray(y).astype(float)
    if np.isnan(yy).any() or not set(np.unique(yy)) <= {0.0, 1.0}:
        raise InputError("outcome: expected 0/1 values without missing values")
    p = _scores(prob, len(yy), "predicted probability")
    if (p < 0).any() or (p > 1).any():
        raise InputError("predicted probability: values outside [0, 1]")
    return yy.astype(int), p


def calibration_curve(y, prob, *, n_bins: int = 10, strategy: str = "quantile", frac: float = 0.75) -> pd.DataFrame:
    """Binned and smoothed calibration curves.

    Returns a tidy table with ``kind`` = ``binned`` (mean predicted vs observed proportion
    per bin, with n and a Wilson 95 % interval) and ``smoothed`` (LOWESS of the outcome on
    the predicted probability, statsmodels, ``frac``), columns ``predicted``, ``observed``.

    References
    ----------
    Van Calster B et al. (2016). A calibration hierarchy for risk models was defined: from
    utopia to empirical data. J Clin Epidemiol 74, 167–176.
    """
    from statsmodels.nonparametric.smoothers_lowess import lowess
    from statsmodels.stats.proportion import proportion_confint
    yy, p = _inputs(y, prob)
    if strategy == "quantile":
        edges = np.unique(np.quantile(p, np.linspace(0, 1, n_bins + 1)))
    elif strategy == "uniform":
        edges = np.linspace(0, 1, n_bins + 1)
    else:
        raise InputError(f"strategy must be 'quantile' or 'uniform', got {strategy!r}")
    which = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, len(edges) - 2)
    rows = []
    for b in np.unique(which):
        sel = which == b
        k, n = int(yy[sel].sum()), int(sel.sum())
        lo, hi = proportion_confint(k, n, method="wilson")
        rows.append({"kind": "binned", "predicted": p[sel].mean(), "observed": k / n, "n": n,
                     "lower": lo, "upper": hi})
    smooth = lowess(yy, p, frac=frac, return_sorted=True)
    smooth_rows = pd.DataFrame({"kind": "smoothed", "predicted": smooth[:, 0],
                                "observed": np.clip(smooth[:, 1], 0, 1)}).drop_duplicates("predicted")
    return pd.concat([pd.DataFrame(rows), smooth_rows], ignore_index=True)


def calibration_intercept_slope(y, prob) -> dict:
    """Calibration slope and intercept (calibration-in-the-large) of predicted probabilities.

    Slope: coefficient of logit(p) in a logistic regression of the outcome on logit(p).
    Intercept: the intercept of a logistic regression with logit(p) as an offset (slope
    fixed at 1). Ideal: slope 1, intercept 0. Probabilities are clipped to [1e-12, 1 − 1e-12].

    References
    ----------
    Cox DR (1958). Two further applications of a model for binary regression. Biometrika 45,
    562–565. Steyerberg EW (2019). Clinical Prediction Models, 2nd ed., ch. 15.
    """
    import statsmodels.api as sm
    yy, p = _inputs(y, prob)
    lp = np.log(np.clip(p, _EPS, 1 - _EPS) / np.clip(1 - p, _EPS, 1 - _EPS))
    slope_fit = sm.GLM(yy, sm.add_constant(lp), family=sm.families.Binomial()).fit()
    int_fit = sm.GLM(yy, np.ones((len(yy), 1)), family=sm.families.Binomial(), offset=lp).fit()
    lo, hi = slope_fit.conf_int()[1]
    ilo, ihi = int_fit.conf_int()[0]
    return {"slope": float(slope_fit.params[1]), "slope_lower": float(lo), "slope_upper": float(hi),
            "intercept": float(int_fit.params[0]), "intercept_lower": float(ilo), "intercept_upper": float(ihi),
            "brier": float(np.mean((p - yy) ** 2)), "n": len(yy)}


def decision_curve(y, prob, *, thresholds=None) -> pd.DataFrame:
    """Decision-curve analysis: net benefit of the model, treat-all and treat-none.

    Net benefit at threshold probability t: TP/n − FP/n · t/(1 − t), treating patients
    with ``prob >= t``. Treat-all: prevalence − (1 − prevalence) · t/(1 − t); treat-none: 0.

    References
    ----------
    Vickers AJ, Elkin EB (2006). Decision curve analysis: a novel method for evaluating
    prediction models. Med Decis Making 26, 565–574.
    """
    yy, p = _inputs(y, prob)
    t = np.arange(0.01, 1.0, 0.01) if thresholds is None else np.asarray(thresholds, dtype=float)
    if ((t <= 0) | (t >= 1)).any():
        raise InputError("decision curve: thresholds must lie strictly between 0 and 1")
    n = len(yy)
    treat = p[None, :] >= t[:, None]
    tp = (treat & (yy[None, :] == 1)).sum(axis=1)
    fp = (treat & (yy[None, :] == 0)).sum(axis=1)
    odds = t / (1 - t)
    prev = yy.mean()
    frame = pd.DataFrame({"threshold": t, "model": tp / n - fp / n * odds,
                          "treat_all": prev - (1 - prev) * odds, "treat_none": 0.0})
    return frame
