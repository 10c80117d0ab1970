"""Calibration, decision curves, clinical logistic model, nomogram and metrics."""

import numpy as np
import pytest
import statsmodels.api as sm

from omics.data import InputError, demo_response_cohort
from omics.predict import (calibration_curve, calibration_intercept_slope, classification_metrics,
                           clinical_logistic, decision_curve, nomogram, youden_threshold)


def _sample(seed=0, n=300, slope=1.0, shift=0.0):
    rng = np.random.default_rng(seed)
    lp = rng.normal(0, 1.5, n)
    y = (rng.random(n) < 1 / (1 + np.exp(-lp))).astype(int)
    prob = 1 / (1 + np.exp(-(lp - shift) / slope))
    return y, prob, lp


def test_calibration_slope_and_intercept_match_statsmodels_logit():
    y, prob, _ = _sample(slope=0.5, shift=0.3)          # over-confident, shifted predictions
    res = calibration_intercept_slope(y, prob)
    logit = np.log(prob / (1 - prob))
    ref = sm.Logit(y, sm.add_constant(logit)).fit(disp=0)
    assert res["slope"] == pytest.approx(ref.params[1], rel=1e-6)
    ref_int = sm.GLM(y, np.ones(len(y)), family=sm.families.Binomial(), offset=logit).fit()
    assert res["intercept"] == pytest.approx(ref_int.params[0], rel=1e-6)
    assert res["slope"] == pytest.approx(0.5, abs=0.15)   # the planted miscalibration
    assert res["brier"] == pytest.approx(np.mean((prob - y) ** 2))


def test_calibration_curve_binned_and_smoothed():
    y, prob, _ = _sample(seed=2, n=400)
    curve = calibration_curve(y, prob, n_bins=5)
    binned = curve[curve.kind == "binned"]
    assert len(binned) == 5 and binned.n.sum() == 400
    assert np.all(np.abs(binned.observed - binned.predicted) < 0.15)   # calibrated by construction
    smooth = curve[curve.kind == "smoothed"]
    assert smooth.predicted.is_monotonic_increasing and smooth.observed.between(0, 1).all()


def test_decision_curve_hand_computed():
    y = [1, 1, 0, 0, 1, 0, 0, 0, 1, 0]          # prevalence 0.4
    p = [0.9, 0.8, 0.7, 0.6, 0.4, 0.3, 0.2, 0.2, 0.1, 0.05]
    dca = decision_curve(y, p, thresholds=[0.25, 0.5]).set_index("threshold")
    # t = 0.25: treat p >= .25 -> TP = 3 (0.9, 0.8, 0.4), FP = 3 (0.7, 0.6, 0.3); odds 1/3
    assert dca.at[0.25, "model"] == pytest.approx(3 / 10 - 3 / 10 * (1 / 3))
    # t = 0.5: treat p >= .5 -> TP = 2, FP = 2; odds 1
    assert dca.at[0.5, "model"] == pytest.approx(0.0)
    assert dca.at[0.25, "treat_all"] == pytest.approx(0.4 - 0.6 / 3)
    assert dca.at[0.5, "treat_all"] == pytest.approx(-0.2)
    assert (dca.treat_none == 0).all()


def test_metrics_at_a_threshold_hand_computed():
    y = [1, 1, 1, 0, 0, 0, 0, 1]
    p = [0.9, 0.8, 0.3, 0.6, 0.2, 0.1, 0.4, 0.7]
    m = classification_metrics(y, p, 0.5)
    # calls: 1 1 0 1 0 0 0 1 -> TP 3, FN 1, FP 1, TN 3
    assert (m["sensitivity"], m["specificity"], m["precision"]) == (0.75, 0.75, 0.75)
    assert m["misclassified"] == 2 and m["misclassification_rate"] == 0.25
    assert m["f1"] == pytest.approx(0.75) and m["balanced_accuracy"] == 0.75
    assert m["brier"] == pytest.approx(np.mean((np.array(p) - np.array(y)) ** 2))
    assert youden_threshold(y, p) == 0.7      # J = 0.75 + 1 - 1 at the highest such cut-off


def test_clinical_logistic_screening_rule_and_planted_odds_ratios():
    d = demo_response_cohort(seed=0, images=False)
    c = d.clinical.copy()
    c["log_alp"] = np.log(c.alp / 200)
    model = clinical_logistic(c, outcome="response",
                              variables=["age", "sex", "site", "log_alp", "ldh", "pathological_fracture"])
    t = model.table.set_index("term")
    assert set(model.selected) == set(t.loc[t.screen_p < 0.1, "variable"])
    assert "pathological_fracture" in model.selected and "log_alp" in model.selected
    assert t.loc["pathological_fracture", "multi_or"] < 1 and t.loc["log_alp", "multi_or"] < 1
    assert t.loc["ldh", "multi_or"] != t.loc["ldh", "multi_or"]       # not entered: NaN
    # multivariable ORs equal statsmodels on the selected columns
    X = sm.add_constant(c[["log_alp", "pathological_fracture"]].astype(float))
    ref = sm.Logit(c.response, X).fit(disp=0) if set(model.selected) == {"log_alp", "pathological_fracture"} else None
    if ref is not None:
        assert t.loc["log_alp", "multi_or"] == pytest.approx(np.exp(ref.params["log_alp"]), rel=1e-6)
    with pytest.raises(InputError, match="lacks column"):
        clinical_logistic(c, outcome="response", variables=["nope"])


def test_nomogram_points_give_the_model_probability():
    d = demo_response_cohort(seed=0, images=False)
    c = d.clinical.copy()
    c["log_alp"] = np.log(c.alp / 200)
    res = sm.Logit(c.response, sm.add_constant(c[["log_alp", "pathological_fracture", "age"]])).fit(disp=0)
    nomo = nomogram(res, c)
    prob = nomo.probability(nomo.points(c))
    np.testing.assert_allclose(prob, res.predict(sm.add_constant(c[["log_alp", "pathological_fracture", "age"]])),
                               rtol=1e-10)
    assert nomo.axes.groupby("variable").points.max().max() == pytest.approx(100)
    assert nomo.axes.points.min() == pytest.approx(0)
