"""Unit and property tests of omics.survival (formulas, Cox engine, C-index, CV, bootstrap)."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omics.data.validate import InputError
from omics.survival import (CoxConvergenceWarning, DroppedRowsWarning, build_design,
                            cindex_models, compare_cindex, cox_fit, cox_table, cv_cindex,
                            default_reference, harrell_c, kaplan_meier, logrank_test,
                            pairwise_logrank, parse_formula, recode, stepwise_cox, stratified_folds)
from omics.survival import _efron
from omics.survival.concordance import harrell_c_batch
from omics.survival.tables import model_table, survival_table

DATA = Path(__file__).parent / "data" / "survival"


@pytest.fixture(scope="module")
def syn():
    return pd.read_csv(DATA / "synthetic.csv", index_col="patient_id", encoding="utf-8")


@pytest.fixture(scope="module")
def lung():
    return pd.read_csv(DATA / "lung.csv", index_col="patient_id")


# ---------------------------------------------------------------- formulas and coding
def test_formula_expansion_and_order():
    f = parse_formula("rna * hrf + age")
    assert f.terms == (("rna",), ("hrf",), ("age",), ("rna", "hrf"))
    assert f.variables == ["rna", "hrf", "age"]
    assert parse_formula("a:b + a").terms == (("a",), ("a", "b"))
    assert parse_formula("`size (mm)` + x").variables == ["size (mm)", "x"]
    assert len(parse_formula("a * b * c").terms) == 7


@pytest.mark.parametrize("bad", ["", "a +", "a + (b)", "a - b", "a * a"])
def test_formula_errors(bad):
    with pytest.raises(InputError):
        parse_formula(bad)


def test_default_references():
    # without survival data a grouping's reference is its largest level (the event-rate
    # rule needs times and events: tests/test_defaults_reference.py)
    assert default_reference(["A_hRF", "A_hRF", "B_hRF", "C_hRF"]) == "A_hRF"
    assert default_reference(["B_RNA", "A_RNA", "B_RNA"]) == "B_RNA"
    assert default_reference(["A_hRF×A_RNA", "Others"]) == "Others"
    assert default_reference(["male", "female"]) == "female"   # R factor() default
    assert default_reference(["III", "I/II"]) == "I/II"


def test_design_columns_and_explicit_reference(syn):
    d = syn.dropna()
    info = build_design(d, "rna * hrf + histotype",
                        reference={"histotype": "M/RC LPS", "hrf": "C_hRF", "rna": "B_RNA"})
    assert info.levels["hrf"][0] == "C_hRF" and info.levels["rna"][0] == "B_RNA"
    assert info.levels["histotype"][0] == "M/RC LPS"
    x = info.transform(d)
    assert "rna[A_RNA]:hrf[B_hRF]" in x.columns and "histotype[UPS]" in x.columns
    np.testing.assert_array_equal(x["rna[A_RNA]:hrf[B_hRF]"],
                                  ((d.rna == "A_RNA") & (d.hrf == "B_hRF")).astype(float))
    with pytest.raises(InputError, match="reference level"):
        build_design(d, "hrf", reference={"hrf": "Z_hRF"})


def test_recode_does_not_modify_input(syn):
    before = syn.copy()
    out = recode(syn, {"grade": {"I": "I/II", "II": "I/II"}})
    pd.testing.assert_frame_equal(syn, before)
    assert set(out["grade"].dropna()) == {"I/II", "III"}
    assert out["grade"].isna().sum() == syn["grade"].isna().sum()


# ---------------------------------------------------------------- Cox engine
def test_integer_weights_equal_duplicated_rows(syn):
    """Efron with case weights w must equal the fit on rows repeated w times (bootstrap)."""
    rng = np.random.default_rng(5)
    d = syn.dropna()
    x = build_design(d, "hrf + age").transform(d).to_numpy()
    t, e = d.mfs_time.to_numpy(float), d.mfs_event.to_numpy(float)
    w = rng.integers(0, 4, len(t)).astype(float)
    order = np.argsort(t, kind="stable")
    weighted = _efron.fit_batch(x[order][None], t[order][None], e[order][None], weight=w[order][None])
    rows = np.repeat(np.arange(len(t)), w.astype(int))
    rows = rows[np.argsort(t[rows], kind="stable")]
    dup = _efron.fit_batch(x[rows][None], t[rows][None], e[rows][None])
    np.testing.assert_allclose(weighted.coef, dup.coef, atol=1e-9)
    np.testing.assert_allclose(weighted.loglik, dup.loglik, atol=1e-8)
    np.testing.assert_allclose(weighted.info, dup.info, atol=1e-8)


def test_batched_masks_equal_separate_fits(syn):
    d = syn.dropna()
    x = build_design(d, "rna + hrf").transform(d).to_numpy()
    t, e = d.mfs_time.to_numpy(float), d.mfs_event.to_numpy(float)
    order = np.argsort(t, kind="stable")
    x, t, e = x[order], t[order], e[order]
    masks = np.random.default_rng(1).random((4, len(t))) < 0.7
    batch = _efron.fit_batch(np.repeat(x[None], 4, 0), np.repeat(t[None], 4, 0),
                             np.repeat(e[None], 4, 0), weight=masks.astype(float))
    for i, m in enumerate(masks):
        single = _efron.fit_batch(x[m][None], t[m][None], e[m][None])
        np.testing.assert_allclose(batch.coef[i], single.coef[0], atol=1e-9)


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 10_000))
def test_cox_invariant_to_row_order(syn, seed):
    perm = np.random.default_rng(seed).permutation(len(syn))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DroppedRowsWarning)
        a = cox_fit(syn, "hrf + age", "mfs_time", "mfs_event")
        b = cox_fit(syn.iloc[perm], "hrf + age", "mfs_time", "mfs_event")
    np.testing.assert_allclose(a.coef_, b.coef_, atol=1e-10)
    np.testing.assert_allclose(a.se_, b.se_, atol=1e-10)


def test_cox_matches_lifelines_and_leaves_input_alone(lung):
    from lifelines import CoxPHFitter
    before = lung.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DroppedRowsWarning)
        m = cox_fit(lung, "age + ph.ecog + wt.loss", "time", "status")
    pd.testing.assert_frame_equal(lung, before)
    d = lung[["time", "status", "age", "ph.ecog", "wt.loss"]].dropna()
    ll = CoxPHFitter().fit(d, "time", "status")
    np.testing.assert_allclose(m.coef_.loc[["age", "ph.ecog", "wt.loss"]], ll.params_.loc[["age", "ph.ecog", "wt.loss"]],
                               atol=1e-5)
    assert m.n_dropped_ == len(lung) - len(d)


def test_missing_values_are_dropped_and_reported(syn):
    with pytest.warns(DroppedRowsWarning, match="2 patient"):
        m = cox_fit(syn, "grade", "mfs_time", "mfs_event")
    assert m.n_ == len(syn) - 2 and m.n_dropped_ == 2 and len(m.dropped_) == 2


def test_group_without_events_warns(syn):
    d = syn.copy()
    d.loc[d.hrf == "A_hRF", "mfs_event"] = 0
    with pytest.warns(CoxConvergenceWarning, match=r"hrf\[A_hRF\]"):
        m = cox_fit(d, "hrf", "mfs_time", "mfs_event")
    assert m.possibly_infinite_ == ["hrf[A_hRF]"]
    assert m.coef_["hrf[A_hRF]"] < -5


def test_complete_separation_warns():
    t = np.arange(1, 21, dtype=float)
    d = pd.DataFrame({"t": t, "e": np.r_[np.ones(10), np.zeros(10)],
                      "x": np.r_[np.ones(10), np.zeros(10)]})
    with pytest.warns(CoxConvergenceWarning):
        cox_fit(d, "x", "t", "e")


def test_constant_covariate_and_no_events_are_errors(syn):
    d = syn.assign(const=1.0, one="A")
    with pytest.raises(InputError, match="constant"):
        cox_fit(d, "const + age", "mfs_time", "mfs_event")
    with pytest.raises(InputError, match="single level"):
        cox_fit(d, "one", "mfs_time", "mfs_event")
    with pytest.raises(InputError, match="no events"):
        cox_fit(d.assign(mfs_event=0), "age", "mfs_time", "mfs_event")
    with pytest.raises(InputError, match="must be >=? 0"):     # negative times; 0 is valid (R survival)
        cox_fit(d.assign(mfs_time=-1.0), "age", "mfs_time", "mfs_event")


def test_cox_table_has_reference_rows(syn):
    m = cox_fit(syn, "hrf + age", "mfs_time", "mfs_event")
    tab = cox_table(m)
    ref = tab[(tab.variable == "hrf") & tab.reference].iloc[0]
    assert ref["level"] == "C_hRF" and ref["hr"] == 1.0 and np.isnan(ref["p"])
    assert tab[tab.variable == "hrf"]["n"].sum() == m.n_
    row = tab[tab.level == "B_hRF"].iloc[0]
    assert row["hr"] == pytest.approx(np.exp(m.coef_["hrf[B_hRF]"]))


def test_predict_is_centred_linear_predictor(syn):
    m = cox_fit(syn, "hrf + age", "mfs_time", "mfs_event")
    lp = m.predict(syn)
    assert lp.mean() == pytest.approx(0, abs=1e-10)
    np.testing.assert_allclose(lp.to_numpy(), m.linear_predictor_)


def test_stepwise_keeps_marginality(syn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DroppedRowsWarning)
        res = stepwise_cox(syn, "rna * hrf + age + size_mm", "mfs_time", "mfs_event")
    removed = list(res.path["removed"][1:])
    if "rna" in removed or "hrf" in removed:
        assert removed.index("rna:hrf") < min(removed.index(v) for v in ("rna", "hrf") if v in removed)
    assert res.path["aic"].is_monotonic_decreasing
    assert res.model.aic_ == pytest.approx(res.path["aic"].iloc[-1])


# ---------------------------------------------------------------- concordance
def test_harrell_c_definition_on_a_small_example():
    # times 1..4; events at 1, 2, 4; risk 4, 1, 3, 2 (higher = worse)
    c = harrell_c([1, 2, 3, 4], [1, 1, 0, 1], [4, 1, 3, 2])
    # comparable pairs: (1,2) (1,3) (1,4) (2,3) (2,4): concordant (1,2)(1,3)(1,4); discordant (2,3)(2,4)
    assert (c.concordant, c.discordant, c.tied_risk) == (3, 2, 0)
    assert c.c_index == pytest.approx(0.6)
    # a death and a censoring at the same time are comparable (censored outlived)
    c2 = harrell_c([2, 2], [1, 0], [5, 1])
    assert c2.concordant == 1 and c2.comparable == 1
    # ties in risk count one half
    assert harrell_c([1, 2], [1, 1], [3, 3]).c_index == 0.5


def test_harrell_c_agrees_with_lifelines_without_tied_times():
    from lifelines.utils import concordance_index
    rng = np.random.default_rng(0)
    t = rng.permutation(np.arange(1, 301)).astype(float)
    e = (rng.random(300) < 0.6).astype(float)
    r = np.round(rng.normal(size=300), 1)
    assert harrell_c(t, e, r).c_index == pytest.approx(concordance_index(t, -r, e), abs=1e-12)


def test_batched_c_equals_single(syn):
    rng = np.random.default_rng(2)
    t, e = syn.mfs_time.to_numpy(float), syn.mfs_event.to_numpy(float)
    r = rng.normal(size=(3, len(t)))
    m = (rng.random((3, len(t))) < 0.5).astype(float)
    got = harrell_c_batch(np.repeat(t[None], 3, 0), np.repeat(e[None], 3, 0), r, m)
    for i in range(3):
        s = m[i] > 0
        assert got[i] == pytest.approx(harrell_c(t[s], e[s], r[i][s]).c_index, abs=1e-12)


# ---------------------------------------------------------------- CV C-index and bootstrap
def test_stratified_folds_spread_events():
    e = np.r_[np.ones(23), np.zeros(87)]
    f = stratified_folds(e, 5, np.random.default_rng(0))
    per_fold = np.bincount(f[e == 1], minlength=5)
    assert per_fold.max() - per_fold.min() <= 1
    assert np.bincount(f, minlength=5).max() - np.bincount(f, minlength=5).min() <= 1


def test_cv_cindex_equals_manual_fold_fits(syn):
    """The batched CV pipeline must equal fitting CoxModel per fold and scoring harrell_c."""
    res = cv_cindex(syn, "rna + hrf", "mfs_time", "mfs_event", n_boot=0, seed=11)
    folds = stratified_folds(syn.mfs_event.to_numpy(), 5,
                             np.random.default_rng(np.random.SeedSequence(11).spawn(1)[0]))
    cs = []
    for k in range(5):
        m = cox_fit(syn[folds != k], "rna + hrf", "mfs_time", "mfs_event")
        test = syn[folds == k]
        cs.append(harrell_c(test.mfs_time, test.mfs_event, m.predict(test)).c_index)
    assert res.estimates["c_index"].iloc[0] == pytest.approx(np.mean(cs), abs=1e-10)
    np.testing.assert_allclose(res.fold_values["c_index"], cs, atol=1e-10)


def test_bootstrap_reproducible_and_independent_of_n_jobs(syn, monkeypatch):
    import omics.survival.cindex as ci
    monkeypatch.setattr(ci, "CHUNK", 16)   # several chunks, so threads really split the work
    kw = dict(n_boot=60, seed=3)
    a = compare_cindex(syn, "rna + hrf", "rna", "mfs_time", "mfs_event", n_jobs=1, **kw)
    b = compare_cindex(syn, "rna + hrf", "rna", "mfs_time", "mfs_event", n_jobs=2, **kw)
    c = compare_cindex(syn, "rna + hrf", "rna", "mfs_time", "mfs_event", n_jobs=1, n_boot=60, seed=4)
    np.testing.assert_array_equal(a.deltas, b.deltas)
    assert a.p_value == b.p_value and a.lower == b.lower
    assert not np.array_equal(a.deltas, c.deltas)
    assert a.delta == pytest.approx(a.c_a - a.c_b)
    assert 0 < a.p_value <= 1 and a.lower <= a.upper


def test_compare_detects_an_informative_model():
    rng = np.random.default_rng(7)
    n = 150
    x = rng.normal(size=n)
    t = rng.exponential(1 / np.exp(1.2 * x))
    c = rng.exponential(2.0, n)
    d = pd.DataFrame({"t": np.minimum(t, c) + 1e-3, "e": (t <= c).astype(int), "x": x,
                      "noise": rng.normal(size=n)})
    cmp = compare_cindex(d, "x", "noise", "t", "e", n_boot=200, seed=1)
    assert cmp.delta > 0.15 and cmp.lower > 0 and cmp.p_value < 0.01
    res = cindex_models(d, {"x": "x", "noise": "noise"}, "t", "e", n_boot=100, seed=1)
    est = res.estimates.set_index("model")
    assert est.loc["x", "lower"] > 0.6 and est.loc["noise", "lower"] < 0.5 < est.loc["noise", "upper"]
    bc = cindex_models(d, {"x": "x", "noise": "noise"}, "t", "e", n_boot=100, seed=1, interval="bc").estimates
    assert (bc["lower"] < bc["c_index"]).all() and (bc["c_index"] < bc["upper"]).all()
    np.testing.assert_allclose(bc["c_index"], res.estimates["c_index"])


def test_fewer_events_than_folds_is_an_error(syn):
    d = syn.copy()
    d["mfs_event"] = 0
    d.iloc[:3, d.columns.get_loc("mfs_event")] = 1
    with pytest.raises(InputError, match="fewer events than folds"):
        cv_cindex(d, "age", "mfs_time", "mfs_event", n_boot=0)
    with pytest.raises(InputError, match="unknown model"):
        cindex_models(syn, {"a": "age"}, "mfs_time", "mfs_event", comparisons=[("a", "b")], n_boot=0)


# ---------------------------------------------------------------- KM, log-rank, tables
def test_km_before_first_time_and_after_last(syn):
    km = kaplan_meier(syn.mfs_time, syn.mfs_event)
    at = km.survival_at([0.5, 1e6])
    assert at["surv"].iloc[0] == 1.0 and np.isnan(at["surv"].iloc[1])
    assert (np.diff(km.table["surv"]) <= 0).all()


def test_pairwise_logrank_bh(syn):
    pw = pairwise_logrank(syn.mfs_time, syn.mfs_event, syn.hrf)
    assert len(pw) == 3
    from omics.stats.multitest import bh_adjust
    np.testing.assert_allclose(pw["p_adj"], bh_adjust(pw["p"]))
    sel = syn.hrf.isin(["A_hRF", "B_hRF"])
    lr = logrank_test(syn.mfs_time[sel], syn.mfs_event[sel], syn.hrf[sel])
    assert pw.set_index(["group1", "group2"]).loc[("A_hRF", "B_hRF"), "p"] == pytest.approx(lr.p_value)


def test_survival_table_agrees_with_components(syn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DroppedRowsWarning)
        tab = survival_table(syn, ["hrf"], "mfs_time", "mfs_event", covariates=["age", "grade"], at=24)
        multi = cox_fit(syn, "hrf + age + grade", "mfs_time", "mfs_event")
    uni = cox_fit(syn, "hrf", "mfs_time", "mfs_event")
    t = tab.set_index("level")
    assert list(tab["level"]) == ["C_hRF", "A_hRF", "B_hRF"] and tab["reference"].iloc[0]
    assert t.loc["B_hRF", "uni_hr"] == pytest.approx(np.exp(uni.coef_["hrf[B_hRF]"]))
    assert t.loc["B_hRF", "multi_hr"] == pytest.approx(np.exp(multi.coef_["hrf[B_hRF]"]))
    assert t.loc["A_hRF", "multi_dropped"] == 2
    assert t.loc["A_hRF", "logrank_p"] == pytest.approx(logrank_test(syn.mfs_time, syn.mfs_event, syn.hrf).p_value)
    km = kaplan_meier(syn.mfs_time, syn.mfs_event, groups=syn.hrf).survival_at([24]).set_index("group")
    assert t.loc["A_hRF", "surv"] == pytest.approx(km.loc["A_hRF", "surv"])
    mt = model_table(syn, {"rna": "rna", "both": "rna * hrf"}, "mfs_time", "mfs_event")
    assert set(mt["model"]) == {"rna", "both"}
    assert mt[mt.model == "rna"]["surv"].notna().all() and mt[mt.model == "both"]["surv"].isna().all()


def test_bias_corrected_interval():
    from omics.survival.cindex import _interval
    vals = np.random.default_rng(0).normal(0.55, 0.03, 20000)
    pct = _interval(vals, 0.60, 0.05, "percentile")
    bc = _interval(vals, 0.60, 0.05, "bc")
    centred = _interval(vals, float(np.median(vals)), 0.05, "bc")
    np.testing.assert_allclose(pct, np.quantile(vals, [0.025, 0.975]))
    np.testing.assert_allclose(centred, pct, atol=2e-3)          # no bias: BC = percentile
    assert bc[0] > pct[0] + 0.03 and bc[0] < 0.60 < bc[1]          # shifted towards the estimate


# ---------------------------------------------------------------- odd column names, result vocabulary
def test_survival_table_quotes_odd_column_names(syn):
    """Generated formulas put names with spaces/symbols in backticks, so such columns just work."""
    from omics.survival import additive_formula, quote_name
    from omics.survival.tables import survival_table

    odd = syn.rename(columns={"hrf": "h-RF group", "grade": "tumour grade (WHO)"})
    assert quote_name("tumour grade (WHO)") == "`tumour grade (WHO)`" and quote_name("age") == "age"
    assert parse_formula(additive_formula(["h-RF group", "tumour grade (WHO)", "age"])).variables == \
        ["h-RF group", "tumour grade (WHO)", "age"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plain = survival_table(syn, ["hrf"], "mfs_time", "mfs_event", covariates=["grade", "age"])
        quoted = survival_table(odd, ["h-RF group"], "mfs_time", "mfs_event", covariates=["tumour grade (WHO)", "age"])
    pd.testing.assert_frame_equal(quoted.drop(columns="grouping"), plain.drop(columns="grouping"))
    with pytest.raises(InputError, match="backtick"):
        quote_name("a`b")


def test_kaplan_meier_by_is_what_omics_km_writes(syn, tmp_path):
    from omics.survival import kaplan_meier_by, logrank_test, pairwise_logrank

    res = kaplan_meier_by(syn, ["hrf", "rna"], "mfs_time", "mfs_event", times=[24, 60])
    km = kaplan_meier(syn.mfs_time, syn.mfs_event, groups=syn.hrf)
    assert km.grouping == "hrf"
    wide = res.summary[res.summary.grouping == "hrf"].drop(columns="grouping").reset_index(drop=True)
    pd.testing.assert_frame_equal(wide, km.wide_summary([24, 60]))
    at = km.survival_at([60]).set_index("group")
    assert wide.set_index("group")["surv_60"].to_dict() == at["surv"].to_dict()
    assert list(wide.columns[:6]) == ["group", "n", "events", "median", "median_lower", "median_upper"]
    assert res.logrank_table().set_index("grouping").loc["rna", "p"] == \
        pytest.approx(logrank_test(syn.mfs_time, syn.mfs_event, syn.rna).p_value, rel=1e-12)
    pd.testing.assert_frame_equal(res.pairwise["hrf"], pairwise_logrank(syn.mfs_time, syn.mfs_event, syn.hrf))
    written = res.write(tmp_path)
    assert {p.name for p in written.values()} == {"km_hrf.csv", "km_rna.csv", "km_summary.csv", "logrank.csv",
                                                  "logrank_pairwise.csv"}
    assert "KaplanMeierSet(hrf: 3 groups" in repr(res)
    with pytest.raises(InputError, match="single group"):
        kaplan_meier_by(syn.assign(one="A"), ["hrf", "one"], "mfs_time", "mfs_event")
    with pytest.raises(InputError, match="'nope'"):
        kaplan_meier_by(syn, ["hrf", "nope"], "mfs_time", "mfs_event")


def test_results_write_the_cli_files(syn, tmp_path):
    from omics.survival import cindex_models, stepwise_cox

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = cox_fit(syn, "hrf + age", "mfs_time", "mfs_event")
        step = stepwise_cox(syn, "hrf + rna + age", "mfs_time", "mfs_event")
    names = {p.name for p in model.write(tmp_path, name="cox_hrf_multivariable", ph_test=True).values()}
    assert names == {"cox_hrf_multivariable.csv", "cox_hrf_multivariable_tests.csv", "cox_hrf_multivariable_ph.csv"}
    assert isinstance(model.summary, pd.DataFrame) and model.summary.loc[0, "n"] == model.n_
    assert repr(model).startswith("CoxModel('hrf + age': n=") and "\n" not in repr(model)
    assert {p.name for p in step.write(tmp_path).values()} == {"stepwise_path.csv", "stepwise_candidates.csv",
                                                               "stepwise_model.csv"}
    res = cindex_models(syn, {"hrf": "hrf", "both": "hrf + rna"}, "mfs_time", "mfs_event",
                        comparisons=[("both", "hrf")], n_boot=10)
    assert {p.name for p in res.write(tmp_path).values()} == {"cindex.csv", "cindex_comparisons.csv",
                                                              "cindex_folds.csv", "cindex_bootstrap.csv"}
    assert list(res.summary["model"]) == ["hrf", "both", "both vs hrf"]
    lr = logrank_test(syn.mfs_time, syn.mfs_event, syn.hrf)
    assert lr.summary.loc[0, "p"] == lr.p_value and "<table" in lr._repr_html_()
