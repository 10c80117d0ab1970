"""omics.harmonize: ComBat parity with sva::ComBat 3.46 (tests/_scripts/rnaseq_reference.R)
on simulated log-CPM (24 samples × 300 genes, 3 batches, 2 groups), the fit/transform
estimator, errors, and the diagnostic figure."""

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from omics.data.validate import InputError
from omics.harmonize import ComBat, combat, harmonization_diagnostics

DATA = Path(__file__).parent / "data" / "harmonize"


@pytest.fixture(scope="module")
def sim():
    X = pd.read_csv(DATA / "sim_logcpm.csv", index_col=0).T
    samples = pd.read_csv(DATA / "sim_samples.csv", index_col=0)
    samples["group"] = pd.Categorical(samples["group"], ["ctrl", "case"])
    return X, samples


CASES = {
    "combat_param": {},
    "combat_param_mod": {"covariates": ["group"]},
    "combat_param_mod2": {"covariates": ["group", "age"]},
    "combat_nonparam": {"parametric": False},
    "combat_nonparam_mod": {"parametric": False, "covariates": ["group"]},
    "combat_meanonly": {"mean_only": True},
    "combat_meanonly_nonparam": {"mean_only": True, "parametric": False},
    "combat_ref_b2": {"ref_batch": "b2"},
    "combat_ref_b1_mod": {"ref_batch": "b1", "covariates": ["group"]},
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_combat_matches_sva(sim, name):
    X, samples = sim
    kwargs = dict(CASES[name])
    cols = kwargs.pop("covariates", None)
    with pytest.warns(UserWarning, match="3 feature\\(s\\) are constant within a batch"):
        out = combat(X, samples["batch"], covariates=None if cols is None else samples[cols], **kwargs)
    ref = pd.read_csv(DATA / f"{name}.csv", index_col=0).T
    assert out.shape == X.shape and out.index.equals(X.index) and out.columns.equals(X.columns)
    np.testing.assert_allclose(out.to_numpy(), ref.to_numpy(), atol=1e-8, rtol=0)
    # constant-within-batch genes are returned unchanged, as sva does
    np.testing.assert_array_equal(out.iloc[:, :3], X.iloc[:, :3])


def test_combat_removes_batch_means(sim):
    X, samples = sim
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = combat(X, samples["batch"], covariates=samples[["group"]])
        diag_before = harmonization_diagnostics(X, X, samples["batch"])
        diag = harmonization_diagnostics(X, out, samples["batch"])
    assert diag.batch_r2["after"].median() < 0.5 * diag_before.batch_r2["before"].median()


def test_input_not_modified(sim):
    X, samples = sim
    copy = X.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        combat(X, samples["batch"])
    pd.testing.assert_frame_equal(X, copy)


def test_estimator_fit_transform_equals_function(sim):
    X, samples = sim
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = ComBat(parametric=False).fit(X, samples["batch"], samples[["group"]])
        out = model.transform(X, samples["batch"], samples[["group"]])
        ref = combat(X, samples["batch"], covariates=samples[["group"]], parametric=False)
    pd.testing.assert_frame_equal(out, ref)
    assert set(model.gamma_star_.index) == {"b1", "b2", "b3"}
    assert not model.adjusted_.iloc[:3].any() and model.adjusted_.iloc[3:].all()


def test_estimator_applies_frozen_parameters_to_new_samples(sim):
    """Fit on two thirds of each batch; the held-out samples are corrected with the
    training parameters, exactly as the formula with frozen (γ*, δ*, means, variances)."""
    X, samples = sim
    X = X.iloc[:, 3:]                                   # drop the constant-in-a-batch genes
    test = samples.groupby("batch").sample(frac=0.25, random_state=1).index
    train = X.index.difference(test)
    model = ComBat().fit(X.loc[train], samples.loc[train, "batch"], samples.loc[train, ["group"]])
    new = model.transform(X.loc[test], samples.loc[test, "batch"], samples.loc[test, ["group"]])
    # the same rows transformed inside a bigger table give the same result
    both = model.transform(X, samples["batch"], samples[["group"]])
    np.testing.assert_allclose(new.to_numpy(), both.loc[test].to_numpy())
    # manual formula for one sample
    s = test[0]
    b = samples.loc[s, "batch"]
    is_case = float(samples.loc[s, "group"] == "case")
    mean = model.grand_mean_ + is_case * model.coef_.loc["group[case]"]
    sd = np.sqrt(model.var_pooled_)
    expected = ((X.loc[s] - mean) / sd - model.gamma_star_.loc[b]) / np.sqrt(model.delta_star_.loc[b]) * sd + mean
    np.testing.assert_allclose(new.loc[s].to_numpy(), expected.to_numpy())
    # training parameters differ from a fit that included the test samples
    full = ComBat().fit(X, samples["batch"], samples[["group"]])
    assert not np.allclose(full.gamma_star_.to_numpy(), model.gamma_star_.to_numpy())


def test_reference_batch_unchanged_in_transform(sim):
    X, samples = sim
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = ComBat(ref_batch="b2").fit(X, samples["batch"])
    out = model.transform(X, samples["batch"])
    rows = samples["batch"] == "b2"
    pd.testing.assert_frame_equal(out[rows.to_numpy()], X[rows.to_numpy()])


def test_radiomic_feature_table_with_string_batches():
    rng = np.random.default_rng(5)
    n = 40
    scanner = np.array(["S1"] * 15 + ["S2"] * 15 + ["S3"] * 10)
    shift = {"S1": 0.0, "S2": 3.0, "S3": -2.0}
    scale = {"S1": 1.0, "S2": 2.0, "S3": 0.5}
    base = rng.normal(size=(n, 12)) * 10 + 100
    feats = pd.DataFrame([base[i] * scale[s] + shift[s] * 10 for i, s in enumerate(scanner)],
                         index=[f"STS{i:03d}" for i in range(n)],
                         columns=[f"CET1__tumour__glcm_f{j}" for j in range(12)])
    batch = pd.Series(scanner, index=feats.index[::-1].tolist()[::-1])      # aligned by label
    out = combat(feats, batch.sample(frac=1, random_state=0))               # shuffled Series
    means = out.groupby(scanner).mean()
    sds = out.groupby(scanner).std()
    assert (means.max() - means.min()).max() < 0.2 * (feats.groupby(scanner).mean().max()
                                                      - feats.groupby(scanner).mean().min()).min()
    assert (sds.max() / sds.min()).max() < 1.6


@pytest.mark.parametrize("setup, message", [
    ("single", "single sample"),
    ("one_batch", "at least two batches"),
    ("confounded", "confounded with batch"),
    ("nan", "NaN or infinite"),
    ("missing_batch", "missing batch"),
    ("bad_ref", "not one of the batches"),
])
def test_combat_errors(sim, setup, message):
    X, samples = sim
    X = X.iloc[:, 3:30]
    batch = samples["batch"].copy()
    cov = None
    kwargs = {}
    if setup == "single":
        batch.iloc[0] = "lonely"
    elif setup == "one_batch":
        batch[:] = "b1"
    elif setup == "confounded":
        cov = pd.DataFrame({"site": batch.map({"b1": "x", "b2": "y", "b3": "y"})})
    elif setup == "nan":
        X = X.copy()
        X.iloc[2, 2] = np.nan
    elif setup == "missing_batch":
        batch.iloc[4] = None
    elif setup == "bad_ref":
        kwargs["ref_batch"] = "b9"
    with pytest.raises(InputError, match=message):
        combat(X, batch, covariates=cov, **kwargs)


def test_transform_refuses_unknown_batch_and_missing_features(sim):
    X, samples = sim
    X = X.iloc[:, 3:30]
    model = ComBat().fit(X, samples["batch"])
    batch = samples["batch"].replace({"b3": "b4"})
    with pytest.raises(InputError, match="not seen in fit"):
        model.transform(X, batch)
    with pytest.raises(InputError, match="lacks 1 feature"):
        model.transform(X.iloc[:, 1:], samples["batch"])


def test_diagnostic_figure(sim, tmp_path):
    from omics.harmonize.diagnostics import harmonization_diagnostics
    from omics.plotting.harmonize import plot_diagnostics
    X, samples = sim
    X = X.iloc[:, 3:]
    out = combat(X, samples["batch"])
    diag = harmonization_diagnostics(X, out, samples["batch"])
    fig = plot_diagnostics(diag, train=samples["batch"] != "b3")
    path = tmp_path / "diag.png"
    fig.savefig(path)
    assert path.stat().st_size > 10_000
    assert len(fig.axes) == 4


def test_diagnostics_summary_is_what_the_figure_shows(sim, tmp_path):
    """The numbers the figure prints live in the API result (medians, PC shares, top features)."""
    from omics.harmonize.diagnostics import harmonization_diagnostics
    X, samples = sim
    X = X.iloc[:, 3:]
    out = combat(X, samples["batch"])
    diag = harmonization_diagnostics(X, out, samples["batch"])
    summary = diag.summary
    assert list(summary.index) == ["before", "after"]
    assert summary.loc["before", "median_batch_r2"] == pytest.approx(diag.batch_r2["before"].median())
    assert summary.loc["after", "median_batch_r2"] < summary.loc["before", "median_batch_r2"]
    assert summary.loc["before", "explained_pc1"] == pytest.approx(diag.explained_before[0])
    top = diag.top_features(n=5)
    assert list(top) == list(diag.batch_r2["before"].nlargest(5).index)
    paths = diag.write(tmp_path)
    written = pd.read_csv(paths["table"], index_col=0)
    np.testing.assert_allclose(written["before"], diag.batch_r2["before"])
    assert "HarmonizationDiagnostics(" in repr(diag) and "<table" in diag._repr_html_()


def test_transform_refuses_covariate_level_unseen_in_fit(sim):
    X, samples = sim
    X = X.iloc[:, 3:30]
    cov = pd.DataFrame({"grade": ["I/II"] * 20 + ["III"] * 4}, index=X.index)
    model = ComBat().fit(X.iloc[:20], samples["batch"].iloc[:20], cov.iloc[:20])
    with pytest.raises(InputError, match="not seen when fitting"):
        model.transform(X, samples["batch"], cov)
    model2 = ComBat().fit(X, samples["batch"], samples[["group"]])
    with pytest.raises(InputError, match="give them to transform too"):
        model2.transform(X, samples["batch"])
