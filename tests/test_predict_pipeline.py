"""Leakage safety of every design, pipeline steps, determinism and the demo's planted lesson."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, TransformerMixin

from omics.data import InputError, demo_response_cohort
from omics.predict import build_pipeline, evaluate, fit_model, model_input, run_grid
from omics.predict.pipeline import LassoSelector, MRMRSelector, TTestSelector
from omics.predict.study import roi_feature_sets

FITTED: list[frozenset] = []


class Spy(TransformerMixin, BaseEstimator):
    """Records the patients of every fit; passes data through unchanged."""

    def fit(self, X, y=None):
        FITTED.append(frozenset(map(str, X.index)))
        return self

    def transform(self, X):
        return X


@pytest.fixture(scope="module")
def demo():
    return demo_response_cohort(sizes=(24, 16, 20), seed=1, images=False)


def _spied(pipe):
    steps = [("spy_first", Spy())] + pipe.steps[:-1] + [("spy_last", Spy()), pipe.steps[-1]]
    return type(pipe)(steps)


@pytest.mark.parametrize("design", ["holdout", "kfold:3", "repeated:3x2", "external:Lyon+Nantes"])
@pytest.mark.parametrize("smote", [False, True])
def test_no_transform_sees_held_out_rows(demo, design, smote):
    c = demo.clinical
    X = model_input(demo.features, batch=c.fat_suppression)
    pipe = _spied(build_pipeline(harmonization="combat", selector="ttest", classifier="logistic",
                                 n_features=5, smote=smote, seed=0))
    FITTED.clear()
    ev = evaluate(pipe, X, c.response, design=design, groups=c.centre, inner_cv=3, seed=0)
    assert FITTED, "the spy was never fitted"
    held = ev.predictions[~ev.predictions["set"].isin(["train"])]
    if design.startswith(("kfold", "repeated")):
        folds = [frozenset(p.patient) for _, p in held.groupby(["repeat", "fold"])]
        for fitted in FITTED:      # every fit belongs to a fold whose held-out rows it never saw
            assert any(not (fitted & fold) for fold in folds)
    else:
        test_ids = frozenset(held.loc[held["set"] != "cv", "patient"])
        for fitted in FITTED:
            assert not fitted & test_ids
    # every held-out patient has an out-of-fold prediction
    assert set(held.patient) <= set(c.index)


def test_leakage_would_be_caught(demo):
    """The spy check fails for a pipeline fitted on all rows before splitting."""
    c = demo.clinical
    FITTED.clear()
    Spy().fit(demo.features)
    ev = evaluate(build_pipeline(selector="ttest", classifier="logistic", n_features=5), demo.features,
                  c.response, design="holdout", inner_cv=None)
    test_ids = frozenset(ev.predictions.loc[ev.predictions.set == "test", "patient"])
    assert any(fitted & test_ids for fitted in FITTED)


def test_selectors_pick_planted_features(demo):
    d = demo_response_cohort(seed=0, images=False)
    X = (d.features - d.features.mean()) / d.features.std()
    within = X.groupby(d.clinical.fat_suppression).transform(lambda v: (v - v.mean()) / v.std())
    y = d.clinical.response
    signal = set(d.truth["signal_features"])
    for sel in (TTestSelector(k=10), MRMRSelector(k=10)):
        chosen = set(sel.fit(within, y).columns_)
        assert len(chosen & signal) >= 5, type(sel).__name__
    lasso = LassoSelector(seed=0).fit(within, y)
    assert set(lasso.columns_) & signal and lasso.lambda_ > 0


def test_grid_is_deterministic_and_parallel_equals_serial(demo):
    c = demo.clinical
    kw = dict(batch=c.fat_suppression, groups=c.centre, harmonizations=("none", "combat"), selectors=("ttest",),
              classifiers=("logistic",), designs=("holdout",), n_features=5, inner_cv=3, seed=4)
    a = run_grid(demo.features, c.response, **kw).to_frame()
    b = run_grid(demo.features, c.response, n_jobs=2, **kw).to_frame()
    pd.testing.assert_frame_equal(a, b)
    assert {"harmonization", "selector", "classifier", "design", "set", "auc", "auc_lower", "brier",
            "misclassified"} <= set(a.columns)
    assert set(a.set) == {"train", "cv", "test"}


def test_planted_lesson_combat_rescues_external_validation():
    """Trained on Lyon(+Nantes), tested on Paris: AUC near 0.5 without ComBat, clearly higher with it."""
    d = demo_response_cohort(seed=0, images=False)
    c = d.clinical
    grid = run_grid(d.features, c.response, batch=c.fat_suppression, groups=c.centre, selectors=("ttest",),
                    classifiers=("svm",), designs=("external:Lyon", "external:Lyon+Nantes"), inner_cv=None)
    s = grid.summary.set_index(["harmonization", "design", "set"])["auc"]
    for design in ("external:Lyon", "external:Lyon+Nantes"):
        raw, harmonised = s["none", design, "external:Paris"], s["combat", design, "external:Paris"]
        assert raw < 0.62
        assert harmonised > 0.78
        assert harmonised - raw > 0.25


def test_ring_2mm_carries_signal():
    d = demo_response_cohort(seed=0, images=False)
    c = d.clinical
    sets = roi_feature_sets(d.features)
    assert list(sets) == ["intra", "peri2mm", "peri4mm", "peri6mm", "intra+peri2mm", "intra+peri4mm", "intra+peri6mm"]
    grid = run_grid(d.features, c.response, batch=c.fat_suppression, harmonizations=("combat",),
                    selectors=("ttest",), classifiers=("logistic",), designs=("kfold:5",), n_features=5,
                    feature_sets={k: sets[k] for k in ("peri2mm", "peri6mm")})
    s = grid.summary.query("set == 'cv'").set_index("feature_set")["auc"]
    assert s["peri2mm"] > 0.7 and s["peri6mm"] < 0.62


def test_frozen_model_refuses_missing_features(demo, tmp_path):
    c = demo.clinical
    model = fit_model(demo.features, c.response, batch=c.fat_suppression, harmonization="combat",
                      selector="ttest", classifier="logistic", n_features=5, inner_cv=3)
    model.save(tmp_path)
    from omics.predict import FrozenModel
    again = FrozenModel.load(tmp_path)
    pd.testing.assert_frame_equal(again.apply(demo.features, batch=c.fat_suppression),
                                  model.apply(demo.features, batch=c.fat_suppression))
    assert again.card["training_hash"] == model.card["training_hash"]
    assert len(again.card["selected_features"]) == 5
    with pytest.raises(InputError, match="lacks 2 feature.*CET1__tumour__f01, CET1__tumour__f02"):
        again.apply(demo.features.drop(columns=["CET1__tumour__f01", "CET1__tumour__f02"]), batch=c.fat_suppression)
    with pytest.raises(InputError, match="batch"):
        again.apply(demo.features)


def test_combat_needs_batch(demo):
    with pytest.raises(InputError, match="batch"):
        build_pipeline(harmonization="combat").fit(demo.features, demo.clinical.response)


def test_icc_filter_uses_training_repeats_only_and_drops_unreliable_features(demo):
    from omics.predict.pipeline import ICCFilter
    rng = np.random.default_rng(0)
    first = demo.features.iloc[:, :6]
    noise = np.zeros(first.shape)
    noise[:, :2] = rng.normal(0, 5, (len(first), 2)) * first.iloc[:, :2].std().to_numpy()  # unreliable
    noise[:, 2:] = rng.normal(0, 0.05, (len(first), 4)) * first.iloc[:, 2:].std().to_numpy()
    repeat = first + noise
    train = first.index[:40]
    filt = ICCFilter(first, repeat, threshold=0.75).fit(first.loc[train])
    assert filt.columns_ == list(first.columns[2:])
    assert filt.icc_.index.tolist() == list(first.columns)
    # the ICC was computed on the training patients only: changing a held-out repeat changes nothing
    repeat2 = repeat.copy()
    repeat2.iloc[45:, :] = 0.0
    again = ICCFilter(first, repeat2, threshold=0.75).fit(first.loc[train])
    pd.testing.assert_series_equal(filt.icc_, again.icc_)


def test_variance_and_correlation_filters():
    from omics.predict.pipeline import CorrelationFilter, VarianceFilter
    rng = np.random.default_rng(1)
    X = pd.DataFrame(rng.normal(size=(50, 3)), columns=["a", "b", "c"])
    X["a2"] = X["a"] * 2 + rng.normal(0, 0.01, 50)
    X["const"] = 1.0
    y = pd.Series((X["a"] + rng.normal(0, 0.1, 50) > 0).astype(int))
    assert "const" not in VarianceFilter().fit(X).columns_
    kept = CorrelationFilter(0.9).fit(X.drop(columns="const"), y).columns_
    assert len({"a", "a2"} & set(kept)) == 1 and {"b", "c"} <= set(kept)


def test_harmonizer_passes_batch_and_protected_covariates_to_combat(demo):
    from omics.harmonize import ComBat
    from omics.predict.pipeline import Harmonizer
    c = demo.clinical
    cov = c[["age"]]
    X = model_input(demo.features, batch=c.fat_suppression, covariates=cov)
    train, test = X.index[:40], X.index[40:]
    step = Harmonizer(method="combat").fit(X.loc[train])
    ref = ComBat().fit(demo.features.loc[train], c.fat_suppression.loc[train], cov.loc[train])
    pd.testing.assert_frame_equal(step.transform(X.loc[test]),
                                  ref.transform(demo.features.loc[test], c.fat_suppression.loc[test], cov.loc[test]))
    assert list(step.transform(X.loc[test]).columns) == list(demo.features.columns)   # batch columns dropped


def test_anndata_is_accepted(demo):
    import anndata
    c = demo.clinical
    adata = anndata.AnnData(demo.features.to_numpy(), obs=c.copy())
    adata.obs_names = list(demo.features.index)
    adata.var_names = list(demo.features.columns)
    kw = dict(selector="ttest", classifier="logistic", n_features=5, inner_cv=3)
    a = fit_model(adata, c.response, **kw)
    b = fit_model(demo.features, c.response, **kw)
    assert a.card["training_hash"] == b.card["training_hash"]
    assert a.card["selected_features"] == b.card["selected_features"]
