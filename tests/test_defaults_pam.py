"""Issue 10 item 6: PAM cannot silently return nothing (prior, balanced error, given folds)."""

import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from omics.cli import main
from omics.data.validate import InputError
from omics.expression.pam import NearestShrunkenCentroids, PAMWarning

DATA = Path(__file__).parent / "data" / "expression"


def imbalanced(seed=0, effect=0.8):
    """18 cases vs 140 controls, 15 of 300 genes shifted in the cases (the issue's contrast)."""
    rng = np.random.default_rng(seed)
    y = np.array(["case"] * 18 + ["ctrl"] * 140)
    x = rng.normal(size=(len(y), 300))
    x[:18, :15] += effect
    index = [f"S{i:03d}" for i in range(len(y))]
    return pd.DataFrame(x, index=index, columns=[f"G{i:03d}" for i in range(300)]), pd.Series(y, index=index)


def test_imbalanced_contrast_warns_and_uniform_balanced_finds_the_signal():
    X, y = imbalanced()
    with pytest.warns(PAMWarning, match="keeps no gene.*prior='uniform'.*--balanced-error"):
        plain = NearestShrunkenCentroids(n_folds=5, random_state=0).fit(X, y)
    assert plain.signature().empty                       # what today's code returned, silently
    assert plain.majority_error_ == pytest.approx(18 / 158)
    with warnings.catch_warnings():
        warnings.simplefilter("error", PAMWarning)       # no warning: a real signature
        fixed = NearestShrunkenCentroids(n_folds=5, random_state=0, prior="uniform", error="balanced").fit(X, y)
    genes = set(fixed.signature()["gene"])
    assert len(genes) > 0 and len(genes & {f"G{i:03d}" for i in range(15)}) >= 10
    chosen = fixed.cv_table().query("chosen")
    assert chosen["cv_balanced_error"].item() == fixed.cv_balanced_errors_.min()


def test_balanced_error_is_the_mean_of_per_class_errors():
    X, y = imbalanced(1, 0.6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PAMWarning)
        model = NearestShrunkenCentroids(n_folds=4, random_state=2).fit(X, y)
    wrong = model.classes_[model.cv_probabilities_.argmax(axis=1)] != y.to_numpy()[:, None]
    per_class = [wrong[y.to_numpy() == c].mean(axis=0) for c in model.classes_]
    np.testing.assert_allclose(model.cv_balanced_errors_, np.mean(per_class, axis=0))


def hand_example():
    x = np.array([[1.0, 5.0, 2.0], [3.0, 4.0, 2.5], [6.0, 5.5, 1.0], [8.0, 4.5, 1.5], [7.0, 5.0, 0.5]])
    return pd.DataFrame(x, columns=["g1", "g2", "g3"]), np.array(["A", "A", "B", "B", "B"])


def test_uniform_prior_against_pamrs_formula():
    """pamr: δ_k(x*) = −½ Σ_i (x*_i − x̄'_ik)² / (s_i + s0)² + log π_k, π_k = 1/K for a uniform prior."""
    X, y = hand_example()
    new = pd.DataFrame([[4.0, 5.0, 1.8], [6.5, 4.9, 1.1]], columns=X.columns)
    models = [NearestShrunkenCentroids(n_folds=0, threshold=0.3, prior=p).fit(X, y)
              for p in ("uniform", [0.5, 0.5], {"A": 0.5, "B": 0.5})]
    x = X.to_numpy()
    overall = x.mean(0)
    s = np.sqrt((((x[:2] - x[:2].mean(0)) ** 2).sum(0) + ((x[2:] - x[2:].mean(0)) ** 2).sum(0)) / 3)
    sd = s + np.median(s)
    m = np.array([math.sqrt(1 / 2 - 1 / 5), math.sqrt(1 / 3 - 1 / 5)])
    d = np.vstack([(x[:2].mean(0) - overall) / (m[0] * sd), (x[2:].mean(0) - overall) / (m[1] * sd)])
    d_shrunk = np.sign(d) * np.maximum(np.abs(d) - 0.3, 0)
    centroids = overall + m[:, None] * sd * d_shrunk
    active = (d_shrunk != 0).any(0)
    delta = np.array([[-0.5 * (((row - centroids[k]) / sd)[active] ** 2).sum() + math.log(0.5)
                       for k in range(2)] for row in new.to_numpy()])
    posterior = np.exp(delta) / np.exp(delta).sum(axis=1, keepdims=True)
    for model in models:
        np.testing.assert_allclose(model.prior_, [0.5, 0.5])
        np.testing.assert_allclose(model.predict_proba(new).to_numpy(), posterior, rtol=1e-12)
    class_prior = NearestShrunkenCentroids(n_folds=0, threshold=0.3, prior="class").fit(X, y)
    np.testing.assert_allclose(class_prior.prior_, [0.4, 0.6])
    with pytest.raises(InputError, match="2 classes"):
        NearestShrunkenCentroids(n_folds=0, threshold=0.3, prior=[0.2, 0.3, 0.5]).fit(X, y)


def test_given_folds_reproduce_pamr_cv_fold_for_fold():
    table = pd.read_csv(DATA / "pam_input.csv", index_col=0)
    y = table.pop("class")
    folds = pd.read_csv(DATA / "pam_folds.csv")
    grid = pd.read_csv(DATA / "pamr_grid.csv")
    as_ids = pd.Series(folds["fold"].to_numpy(), index=folds["sample"])
    positions = [np.flatnonzero(table.index.isin(folds.loc[folds["fold"] == k, "sample"]))
                 for k in sorted(folds["fold"].unique())]
    for given in (as_ids, positions):
        # a different seed: the folds come from the file, not from the random balanced draw
        model = NearestShrunkenCentroids(random_state=99, folds=given).fit(table, y)
        np.testing.assert_allclose(model.cv_errors_, grid["cv_error"], atol=1e-12)
    with pytest.raises(InputError, match="exactly once"):
        NearestShrunkenCentroids(folds=positions[:-1]).fit(table, y)


def test_empty_signature_draws_no_heatmap():
    from omics.plotting.expression import signature_heatmap
    X, y = imbalanced()
    with pytest.warns(UserWarning, match="no heatmap drawn"):
        assert signature_heatmap(X, y, pd.DataFrame(columns=["gene", "class", "direction"])) is None


def test_cli_pam_prior_balanced_error_folds_and_empty_signature(tmp_path, capsys):
    X, y = imbalanced()
    X.rename_axis("patient_id").to_csv(tmp_path / "expr.csv")
    y.rename("group").rename_axis("patient_id").to_frame().to_csv(tmp_path / "groups.csv")
    common = ["--expression", str(tmp_path / "expr.csv"), "--groups", str(tmp_path / "groups.csv"),
              "--group-column", "group", "--n-folds", "5"]
    assert main(["pam", *common, "--out", str(tmp_path / "plain")]) == 0
    out = capsys.readouterr().out
    assert "keeps no gene" in out and "no heatmap drawn" in out
    note = (tmp_path / "plain" / "pam_heatmap.png").stat().st_size      # a message, not an empty heatmap
    assert main(["pam", *common, "--prior", "0.5,0.5", "--balanced-error", "--out", str(tmp_path / "fixed")]) == 0
    assert len(pd.read_csv(tmp_path / "fixed" / "pam_signature.csv")) > 0
    assert (tmp_path / "fixed" / "pam_heatmap.png").stat().st_size > 2 * note
    fold_ids = pd.DataFrame({"sample": X.index, "fold": np.arange(len(X)) % 4 + 1})
    fold_ids.to_csv(tmp_path / "folds.csv", index=False)
    assert main(["pam", *common, "--prior", "uniform", "--folds", str(tmp_path / "folds.csv"),
                 "--out", str(tmp_path / "folds")]) == 0
    cv = pd.read_csv(tmp_path / "folds" / "pam_cv.csv")
    assert "cv_balanced_error" in cv.columns
    assert main(["pam", *common, "--prior", "half", "--out", str(tmp_path / "bad")]) == 2
