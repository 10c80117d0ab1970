"""Predict results speak the one result vocabulary, and predictions are labelled pandas
objects indexed by patient ID (never bare arrays)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from omics._result import Result
from omics.data import InputError, demo_response_cohort
from omics.predict import AUC, compare_auc, fit_model, nomogram, roc_auc, run_grid
from omics.predict.pipeline import feature_frame
from omics.predict.study import log_variables


@pytest.fixture(scope="module")
def demo():
    return demo_response_cohort(sizes=(24, 16, 20), seed=1, images=False)


def test_auc_and_comparison_results(tmp_path):
    y = np.array([0, 0, 1, 1, 0, 1, 1, 0])
    s1 = np.array([0.1, 0.4, 0.35, 0.8, 0.2, 0.9, 0.6, 0.5])
    s2 = np.array([0.3, 0.2, 0.4, 0.6, 0.5, 0.7, 0.3, 0.1])
    auc = roc_auc(y, s1)
    assert isinstance(auc, (AUC, Result)) and float(auc) == auc.auc
    frame = auc.to_frame()
    assert frame.shape == (1, 8) and frame.loc[0, "auc"] == auc.auc
    assert repr(auc).startswith("AUC 0.") and "CI" in repr(auc)
    assert pd.read_csv(auc.write(tmp_path)["auc"])["auc_lower"].iloc[0] == pytest.approx(auc.lower)
    test = compare_auc(y, s1, s2)
    assert repr(test).startswith("DeLong paired test") and "<table" in test._repr_html_()


def test_frozen_model_predictions_are_labelled(demo, tmp_path):
    c = demo.clinical
    model = fit_model(demo.features, c.response, selector="ttest", classifier="logistic", n_features=5, inner_cv=3)
    prob = model.predict_proba(demo.features)
    call = model.predict(demo.features)
    assert isinstance(prob, pd.Series) and prob.name == "prob" and prob.index.equals(demo.features.index)
    assert isinstance(call, pd.Series) and set(call.unique()) <= {0, 1}
    np.testing.assert_array_equal(call.to_numpy(), (prob >= model.card["threshold"]).astype(int).to_numpy())
    assert model.summary.loc[0, "selector"] == "ttest"
    assert {p.name for p in model.write(tmp_path).values()} == {"model.joblib", "model_card.json"}
    assert "logistic" in repr(model) and repr(model).startswith("FrozenModel(")


def test_nomogram_probabilities_are_labelled(tmp_path):
    d = demo_response_cohort(seed=0, images=False)
    c = d.clinical.copy()
    c["log_alp"] = np.log(c.alp / 200)
    cols = ["log_alp", "pathological_fracture", "age"]
    res = sm.Logit(c.response, sm.add_constant(c[cols])).fit(disp=0)
    nomo = nomogram(res, c)
    prob = nomo.predict_proba(c)
    assert isinstance(prob, pd.Series) and prob.index.equals(c.index)
    np.testing.assert_allclose(prob.to_numpy(), res.predict(sm.add_constant(c[cols])).to_numpy(), rtol=1e-10)
    assert isinstance(nomo.probability(0.0), float)
    assert set(nomo.summary["variable"]) == set(cols)
    assert {p.name for p in nomo.write(tmp_path).values()} == {"nomogram_axes.csv", "nomogram_total.csv"}


def test_grid_roc_figures_and_evaluation_repr(demo, tmp_path):
    c = demo.clinical
    grid = run_grid(demo.features, c.response, harmonizations=("none",), selectors=("ttest",),
                    classifiers=("logistic",), designs=("holdout",), n_features=5, inner_cv=3, seed=1)
    curves, aucs = grid.roc_curves(grid.evaluations[0])
    assert set(curves) == {"train", "cv", "test"} and all(isinstance(a, AUC) for a in aucs.values())
    paths = grid.write_figures(tmp_path)
    (path,) = paths.values()   # one cell: one figure, named after its factors and design
    assert path.is_file() and path.name.startswith("roc_none_ttest_logistic_holdout") and path.suffix == ".png"
    assert repr(grid.evaluations[0]).startswith("Evaluation(holdout")


def test_feature_frame_uses_the_one_converter():
    X = pd.DataFrame({"a": [1, 2, 3], "b": [0.5, 0.1, 0.2]}, index=[10, 11, 12])
    frame = feature_frame(X)
    assert frame.index.tolist() == ["10", "11", "12"] and frame.dtypes.eq(float).all()
    with pytest.raises(InputError, match="NaN or infinite"):
        feature_frame(X.assign(a=[1, np.nan, 3]))


def test_log_variables_renames_and_keeps_the_input():
    clinical = pd.DataFrame({"alp": [100.0, 400.0], "age": [10, 20]}, index=["P1", "P2"])
    out, variables = log_variables(clinical, ["alp"], variables=["age", "alp"])
    assert variables == ["age", "log_alp"] and "log_alp" not in clinical.columns
    np.testing.assert_allclose(out["log_alp"], np.log([100.0, 400.0]))
    with pytest.raises(InputError, match="no column 'x'"):
        log_variables(clinical, ["x"], variables=[])
    with pytest.raises(InputError, match="<= 0"):
        log_variables(clinical.assign(alp=[0.0, 1.0]), ["alp"], variables=["alp"])


def test_integer_patient_ids_still_align(demo):
    """Feature tables get text IDs; an outcome/batch keyed by the same integers still aligns."""
    c = demo.clinical
    n = len(c)
    X = demo.features.set_axis(range(n))
    y = c.response.set_axis(range(n))
    batch = c.fat_suppression.set_axis(range(n))
    a = fit_model(X, y, batch=batch, harmonization="combat", selector="ttest", classifier="logistic",
                  n_features=5, inner_cv=3)
    b = fit_model(demo.features.set_axis([str(i) for i in range(n)]), y.set_axis([str(i) for i in range(n)]),
                  batch=batch.set_axis([str(i) for i in range(n)]), harmonization="combat", selector="ttest",
                  classifier="logistic", n_features=5, inner_cv=3)
    assert a.card["training_hash"] == b.card["training_hash"]
