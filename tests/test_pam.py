"""PAM (nearest shrunken centroids) on its definition (Tibshirani et al. 2002, pamr)."""

import math

import numpy as np
import pandas as pd
import pytest

from omics.data.validate import InputError
from omics.expression.pam import NearestShrunkenCentroids, balanced_folds, pam_signature, soft_threshold


def hand_example():
    # 5 samples, 3 genes, classes A (2) and B (3)
    x = np.array([[1.0, 5.0, 2.0],
                  [3.0, 4.0, 2.5],
                  [6.0, 5.5, 1.0],
                  [8.0, 4.5, 1.5],
                  [7.0, 5.0, 0.5]])
    y = np.array(["A", "A", "B", "B", "B"])
    return pd.DataFrame(x, columns=["g1", "g2", "g3"]), y


def test_statistics_match_the_formulas_by_hand():
    X, y = hand_example()
    model = NearestShrunkenCentroids(n_folds=0, threshold=0.5).fit(X, y)
    x = X.to_numpy()
    # class means, overall means
    mean_a, mean_b = x[:2].mean(0), x[2:].mean(0)
    overall = x.mean(0)
    # pooled within-class SD with n - K = 3 df
    s = np.sqrt((((x[:2] - mean_a) ** 2).sum(0) + ((x[2:] - mean_b) ** 2).sum(0)) / 3)
    s0 = np.median(s)
    m = np.array([math.sqrt(1 / 2 - 1 / 5), math.sqrt(1 / 3 - 1 / 5)])
    d = np.vstack([(mean_a - overall) / (m[0] * (s + s0)), (mean_b - overall) / (m[1] * (s + s0))])
    np.testing.assert_allclose(model.offset_, s0)
    np.testing.assert_allclose(model.sd_, s + s0)
    np.testing.assert_allclose(model.delta_, d)
    np.testing.assert_allclose(model.prior_, [0.4, 0.6])
    # soft thresholding at 0.5, shrunken centroids, discriminant and posterior of a new sample
    d_shrunk = np.sign(d) * np.maximum(np.abs(d) - 0.5, 0)
    shrunk_centroids = overall + m[:, None] * (s + s0) * d_shrunk
    new = np.array([[4.0, 5.0, 1.8]])
    active = (d_shrunk != 0).any(0)
    delta = [-0.5 * (((new[0] - shrunk_centroids[k]) / (s + s0))[active] ** 2).sum()
             + math.log(model.prior_[k]) for k in range(2)]
    # δ_k differ from pamr's scores by the same constant for both classes
    scores = model.decision_function(pd.DataFrame(new, columns=X.columns)).to_numpy()[0]
    np.testing.assert_allclose(scores - scores[0], np.array(delta) - delta[0], atol=1e-12)
    posterior = np.exp(delta) / np.exp(delta).sum()
    np.testing.assert_allclose(model.predict_proba(pd.DataFrame(new, columns=X.columns)).to_numpy()[0],
                               posterior)
    np.testing.assert_allclose(model.shrunken_differences().to_numpy().T, m[:, None] * d_shrunk)


def test_soft_threshold():
    d = np.array([[-2.0, 0.3, 1.0], [0.5, -0.1, 3.0]])
    np.testing.assert_allclose(soft_threshold(d, 0.5), [[-1.5, 0.0, 0.5], [0.0, 0.0, 2.5]])


@pytest.fixture(scope="module")
def planted():
    rng = np.random.default_rng(11)
    n_a, n_b, p = 30, 50, 600
    x = rng.normal(size=(n_a + n_b, p))
    x[:n_a, :20] += 1.5          # 20 genes up in A
    x[:n_a, 20:30] -= 1.5        # 10 genes down in A
    genes = [f"g{i:03d}" for i in range(p)]
    X = pd.DataFrame(x, index=[f"p{i}" for i in range(n_a + n_b)], columns=genes)
    y = pd.Series(["A"] * n_a + ["B"] * n_b, index=X.index)
    return X, y


def test_grid_of_30_thresholds_and_monotone_gene_count(planted):
    X, y = planted
    model = NearestShrunkenCentroids(n_folds=5).fit(X, y)
    assert len(model.thresholds_) == 30
    assert model.thresholds_[0] == 0 and model.thresholds_[-1] == pytest.approx(np.abs(model.delta_).max())
    assert model.n_genes_[0] == X.shape[1] and model.n_genes_[-1] == 0
    assert np.all(np.diff(model.n_genes_) <= 0)


def test_balanced_folds_partition_and_balance():
    y = np.array(["a"] * 23 + ["b"] * 9 + ["c"] * 14)
    folds = balanced_folds(y, n_folds=5, random_state=3)
    assert len(folds) == 5
    allocated = np.sort(np.concatenate(folds))
    np.testing.assert_array_equal(allocated, np.arange(len(y)))
    for cls in "abc":
        per_fold = [int((y[f] == cls).sum()) for f in folds]
        assert max(per_fold) - min(per_fold) <= 1
    again = balanced_folds(y, n_folds=5, random_state=3)
    assert all(np.array_equal(a, b) for a, b in zip(folds, again))
    # pamr's default: min(smallest class, 10) folds
    assert len(balanced_folds(y)) == 9
    with pytest.raises(InputError):
        balanced_folds(np.array(["a"] * 1 + ["b"] * 1), n_folds=1)


def test_chosen_threshold_is_the_largest_with_minimum_cv_error(planted):
    X, y = planted
    model = NearestShrunkenCentroids(n_folds=5, random_state=1).fit(X, y)
    best = np.flatnonzero(model.cv_errors_ == model.cv_errors_.min())
    assert len(best) > 1          # well-separated classes: several thresholds tie
    assert model.threshold_ == model.thresholds_[best.max()]
    table = model.cv_table()
    assert table["chosen"].sum() == 1 and table.loc[table["chosen"], "threshold"].item() == model.threshold_


def test_cv_is_seeded_and_refits_per_fold(planted):
    X, y = planted
    a = NearestShrunkenCentroids(n_folds=5, random_state=4).fit(X, y)
    b = NearestShrunkenCentroids(n_folds=5, random_state=4).fit(X, y)
    np.testing.assert_array_equal(a.cv_errors_, b.cv_errors_)
    # held-out posteriors differ from training ones (the fold's centroids exclude the sample)
    train = NearestShrunkenCentroids(n_folds=0, threshold=0.0).fit(X, y).predict_proba(X).to_numpy()
    assert not np.allclose(a.cv_probabilities_[:, :, 0], train)
    assert np.all(a.cv_errors_ >= a.train_errors_ - 0.15)


def test_planted_signature_recovered(planted):
    X, y = planted
    model, signature = pam_signature(X, y, n_folds=5, random_state=0)
    truth_up = {f"g{i:03d}" for i in range(20)}
    truth_down = {f"g{i:03d}" for i in range(20, 30)}
    found = set(signature["gene"])
    sensitivity = len(found & (truth_up | truth_down)) / 30
    precision = len(found & (truth_up | truth_down)) / len(found)
    assert sensitivity >= 0.9 and precision >= 0.9, (sensitivity, precision)
    directions = signature.set_index("gene")
    in_a = directions[directions["class"] == "A"]
    assert (in_a.loc[in_a.index.isin(truth_up), "direction"] == "up").all()
    assert (in_a.loc[in_a.index.isin(truth_down), "direction"] == "down").all()
    assert signature["max_abs_score"].is_monotonic_decreasing
    assert (model.predict(X) == y.to_numpy()).mean() > 0.95


def test_predict_proba_and_no_gene_threshold(planted):
    X, y = planted
    model = NearestShrunkenCentroids(n_folds=5).fit(X, y)
    proba = model.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    # at the largest threshold no gene is left: every sample gets the prior (majority class)
    top = model.thresholds_[-1]
    np.testing.assert_allclose(model.predict_proba(X, threshold=top).to_numpy(),
                               np.tile(model.prior_, (len(X), 1)))
    assert set(model.predict(X, threshold=top)) == {"B"}
    # uniform prior changes the discriminant by log-prior only
    uniform = NearestShrunkenCentroids(n_folds=5, prior="uniform").fit(X, y)
    diff = uniform.decision_function(X, threshold=1.0).to_numpy() - model.decision_function(X, threshold=1.0).to_numpy()
    np.testing.assert_allclose(diff, np.tile(np.log([0.5, 0.5]) - np.log(model.prior_), (len(X), 1)))


def test_input_errors(planted):
    X, y = planted
    with pytest.raises(InputError, match="no class label"):
        NearestShrunkenCentroids().fit(X, y.iloc[:-3])
    bad = X.copy()
    bad.iloc[0, 0] = np.nan
    with pytest.raises(InputError, match="NaN"):
        NearestShrunkenCentroids().fit(bad, y)
    with pytest.raises(InputError, match="at least 2 classes"):
        NearestShrunkenCentroids().fit(X, ["A"] * len(X))


# ---- parity with R pamr (tests/_scripts/expression_pamr.R) --------------------------------
DATA = __import__("pathlib").Path(__file__).parent / "data" / "expression"


@pytest.fixture(scope="module")
def pamr_case():
    table = pd.read_csv(DATA / "pam_input.csv", index_col=0)
    y = table.pop("class")
    folds = pd.read_csv(DATA / "pam_folds.csv")
    return table, y, folds


def test_balanced_folds_input_is_what_omics_draws(pamr_case):
    table, y, folds = pamr_case
    drawn = balanced_folds(y.to_numpy(), n_folds=5, random_state=3)
    for k, members in enumerate(drawn, start=1):
        assert list(table.index[members]) == list(folds.loc[folds["fold"] == k, "sample"])


def test_training_and_cv_match_pamr(pamr_case):
    table, y, _ = pamr_case
    model = NearestShrunkenCentroids(n_folds=5, random_state=3).fit(table, y)
    grid = pd.read_csv(DATA / "pamr_grid.csv")
    np.testing.assert_allclose(model.thresholds_, grid["threshold"], rtol=1e-10)
    np.testing.assert_array_equal(model.n_genes_, grid["nonzero"])
    np.testing.assert_allclose(model.train_errors_, grid["train_error"], atol=1e-12)
    np.testing.assert_allclose(model.cv_errors_, grid["cv_error"], atol=1e-12)
    # the minimum CV error is tied over several thresholds: the largest one is chosen
    best = np.flatnonzero(np.isclose(grid["cv_error"], grid["cv_error"].min()))
    assert len(best) > 1 and model.threshold_ == pytest.approx(grid["threshold"][best.max()])
    cents = pd.read_csv(DATA / "pamr_centroids.csv", index_col=0)
    np.testing.assert_allclose(model.centroids_.T, cents[["A", "B", "C"]], rtol=1e-10)
    np.testing.assert_allclose(model.overall_centroid_, cents["overall"], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(model.sd_, cents["sd"], rtol=1e-10)
    scalars = pd.read_csv(DATA / "pamr_scalars.csv")
    assert model.offset_ == pytest.approx(scalars["offset"].item(), rel=1e-10)
    np.testing.assert_allclose(model.prior_, scalars[["prior_A", "prior_B", "prior_C"]].to_numpy()[0])


def test_posteriors_and_shrunken_centroids_match_pamr(pamr_case):
    table, y, _ = pamr_case
    model = NearestShrunkenCentroids(n_folds=5, random_state=3).fit(table, y)
    k = 9                                           # pamr's threshold index 10
    threshold = model.thresholds_[k]
    ref = pd.read_csv(DATA / "pamr_posterior_k10.csv", index_col=0)
    np.testing.assert_allclose(model.predict_proba(table, threshold=threshold)[["A", "B", "C"]], ref[["A", "B", "C"]],
                               rtol=1e-8)
    np.testing.assert_array_equal(model.predict(table, threshold=threshold), ref["predicted"])
    np.testing.assert_allclose(model.cv_probabilities_[:, :, k], ref[["cv_A", "cv_B", "cv_C"]], rtol=1e-8)
    cen = pd.read_csv(DATA / "pamr_shrunken_centroids_k10.csv", index_col=0)
    shrunken = model.overall_centroid_[:, None] + model.shrunken_differences(threshold=threshold).to_numpy() * model.sd_[:, None]
    np.testing.assert_allclose(shrunken, cen[["A", "B", "C"]], rtol=1e-10, atol=1e-12)


def test_training_statistics_do_not_depend_on_sample_order(planted):
    X, y = planted
    order = np.random.default_rng(5).permutation(len(X))
    a = NearestShrunkenCentroids(n_folds=0, threshold=1.0).fit(X, y)
    b = NearestShrunkenCentroids(n_folds=0, threshold=1.0).fit(X.iloc[order], y.iloc[order])
    np.testing.assert_allclose(a.delta_, b.delta_, rtol=1e-10)
    np.testing.assert_allclose(a.sd_, b.sd_, rtol=1e-10)
    pd.testing.assert_frame_equal(a.predict_proba(X), b.predict_proba(X), check_exact=False, rtol=1e-10)
