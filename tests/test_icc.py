"""ICC(1,1), ICC(2,1), ICC(3,1): Shrout & Fleiss (1979) worked example, pingouin, the filter."""

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omics.data.validate import InputError
from omics.imaging.icc import apply_icc_filter, feature_icc, icc_single, mean_squares

# Shrout & Fleiss 1979, Table 2: 6 targets rated by 4 judges.
SF_TABLE2 = np.array([[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]], float)


def test_shrout_fleiss_mean_squares_table3():
    # Table 3 of the paper: BMS 11.24, WMS 6.26, JMS 32.49, EMS 1.02
    ms = mean_squares(SF_TABLE2)
    assert round(float(ms["BMS"]), 2) == 11.24
    assert round(float(ms["WMS"]), 2) == 6.26
    assert round(float(ms["JMS"]), 2) == 32.49
    assert round(float(ms["EMS"]), 2) == 1.02


@pytest.mark.parametrize("kind, expected", [("ICC1", 0.17), ("ICC(2,1)", 0.29), ("ICC3", 0.71)])
def test_shrout_fleiss_worked_example(kind, expected):
    row = icc_single(SF_TABLE2, icc_type=kind).iloc[0]
    assert round(row["icc"], 2) == expected
    assert row["ci_low"] < row["icc"] < row["ci_high"]


def _long(x):
    n, k = x.shape
    return pd.DataFrame({"target": np.repeat(np.arange(n), k), "judge": np.tile(np.arange(k), n),
                         "rating": x.ravel()})


@pytest.mark.parametrize("n, k, seed", [(6, 4, None), (30, 2, 1), (12, 3, 2), (40, 2, 3)])
def test_matches_pingouin(n, k, seed):
    if seed is None:
        x = SF_TABLE2
    else:
        rng = np.random.default_rng(seed)
        x = rng.normal(size=(n, 1)) + rng.normal(scale=0.6, size=(n, k)) + rng.normal(scale=0.3, size=k)
    saved = dict(pg.options)
    pg.options["round.column.CI95"] = None  # pingouin rounds CIs to 2 decimals by default
    try:
        ref = pg.intraclass_corr(_long(x), "target", "judge", "rating").set_index("Type")
    finally:
        pg.options.clear()
        pg.options.update(saved)
    for ours, theirs in [("ICC1", "ICC(1,1)"), ("ICC2", "ICC(A,1)"), ("ICC3", "ICC(C,1)")]:
        row = icc_single(x, icc_type=ours).iloc[0]
        exp = ref.loc[theirs]
        assert row["icc"] == pytest.approx(exp["ICC"], abs=1e-10)
        assert row["F"] == pytest.approx(exp["F"], rel=1e-10)
        assert row["pvalue"] == pytest.approx(exp["pval"], rel=1e-8, abs=1e-300)
        assert (row["df1"], row["df2"]) == (exp["df1"], exp["df2"])
        ci = exp["CI95"] if "CI95" in exp.index else exp["CI95%"]  # renamed in pingouin 0.6
        assert row["ci_low"] == pytest.approx(ci[0], abs=1e-9)
        assert row["ci_high"] == pytest.approx(ci[1], abs=1e-9)


def test_vectorised_equals_one_at_a_time():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(10, 2, 7)) + rng.normal(size=(10, 1, 7))
    together = icc_single(x, icc_type="ICC2")
    for j in range(7):
        alone = icc_single(x[:, :, j], icc_type="ICC2").iloc[0]
        np.testing.assert_allclose(together.iloc[j].to_numpy(), alone.to_numpy(), rtol=1e-12)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), scale=st.floats(0.01, 100), shift=st.floats(-1000, 1000))
def test_icc_invariant_to_patient_order_and_affine_rescaling(seed, scale, shift):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(15, 1)) + rng.normal(scale=0.7, size=(15, 2))
    perm = rng.permutation(15)
    for kind in ("ICC1", "ICC2", "ICC3"):
        a = icc_single(x, icc_type=kind).iloc[0]
        b = icc_single(x[perm] * scale + shift, icc_type=kind).iloc[0]
        np.testing.assert_allclose(a[["icc", "ci_low", "ci_high"]].to_numpy(float),
                                   b[["icc", "ci_low", "ci_high"]].to_numpy(float), rtol=1e-7, atol=1e-9)


def test_judge_offset_lowers_agreement_but_not_consistency():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(20, 1)) + rng.normal(scale=0.3, size=(20, 2))
    shifted = x + np.array([0.0, 1.5])
    assert icc_single(shifted, icc_type="ICC3").iloc[0]["icc"] == pytest.approx(icc_single(x, icc_type="ICC3").iloc[0]["icc"])
    assert icc_single(shifted, icc_type="ICC2").iloc[0]["icc"] < icc_single(x, icc_type="ICC2").iloc[0]["icc"] - 0.2


def _feature_tables():
    rng = np.random.default_rng(11)
    ids = [f"P{i}" for i in range(12)]
    truth = rng.normal(size=(12, 4))
    noise = np.array([0.05, 0.2, 1.5, 0.05])  # robust, medium, poor, robust
    names = ["T1__tumour__glcm_A", "T1__tumour__glcm_B", "T2__tumour__glcm_C", "CET1__tumour__shape_D"]
    first = pd.DataFrame(truth + rng.normal(size=(12, 4)) * noise, index=ids, columns=names)
    repeat = pd.DataFrame(truth + rng.normal(size=(12, 4)) * noise, index=ids, columns=names)
    return first, repeat


def test_feature_icc_filter_and_counts():
    first, repeat = _feature_tables()
    first["T2__tumour__firstorder_Const"] = 1.0
    repeat["T2__tumour__firstorder_Const"] = 1.0
    res = feature_icc(first, repeat.iloc[::-1], icc_type="ICC2", threshold=0.9)  # row order must not matter
    table = res.table.set_index("feature")
    assert table.loc["T1__tumour__glcm_A", "retained"] and table.loc["CET1__tumour__shape_D", "retained"]
    assert not table.loc["T2__tumour__glcm_C", "retained"]
    assert np.isnan(table.loc["T2__tumour__firstorder_Const", "icc"])  # undefined: never retained
    assert not table.loc["T2__tumour__firstorder_Const", "retained"]
    assert res.retained == table.index[table["retained"]].tolist()
    counts = res.retained_counts().set_index(["sequence", "roi", "kind"])
    assert counts.loc[("CET1", "tumour", "shape"), "n_retained"] == 1
    assert counts.loc[("T2", "tumour", "texture"), "n_features"] == 2
    assert counts.loc[("all", "all", "all"), "n_retained"] == len(res.retained)
    kept = apply_icc_filter(first, res)
    assert list(kept.columns) == res.retained and kept.index.equals(first.index)
    # robust on the re-segmented patients but NaN for another patient: not usable for the cohort
    first2, repeat2 = first.copy(), repeat.iloc[:6].copy()
    first2.iloc[9, 0] = np.nan
    res2 = feature_icc(first2, repeat2).table.set_index("feature")
    assert res2.loc["T1__tumour__glcm_A", "icc"] > 0.9
    assert not res2.loc["T1__tumour__glcm_A", "finite_in_all_patients"]
    assert not res2.loc["T1__tumour__glcm_A", "retained"]
    # the ICC uses only the patients with a repeat segmentation
    sub = feature_icc(first, repeat.iloc[:5])
    assert sub.patients == list(first.index[:5]) and (sub.table["n_patients"] == 5).all()


def test_feature_icc_errors():
    first, repeat = _feature_tables()
    with pytest.raises(InputError, match="at least 2 patients"):
        feature_icc(first, repeat.iloc[:1])
    with pytest.raises(InputError, match="missing from a repeat"):
        feature_icc(first, repeat.drop(columns=repeat.columns[0]))
    with pytest.raises(InputError, match="icc_type"):
        icc_single(SF_TABLE2, icc_type="ICC4")


def test_identical_segmentations_give_icc_one_with_degenerate_interval():
    x = np.stack([np.arange(6.0), np.arange(6.0)], axis=1)
    for kind in ("ICC1", "ICC2", "ICC3"):
        row = icc_single(x, icc_type=kind).iloc[0]
        assert (row["icc"], row["ci_low"], row["ci_high"]) == (1.0, 1.0, 1.0)
