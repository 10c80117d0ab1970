"""DeLong AUC, variance, covariance, CI and tests against R pROC 1.18 (committed references)."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from omics.data import InputError
from omics.predict.roc import bootstrap_auc, compare_auc, delong_covariance, roc_auc, roc_curve

DATA = Path(__file__).parent / "data" / "predict"
DATASETS = ["continuous", "ties", "heavy_ties", "reversed", "large", "unpairedA", "unpairedB"]


@pytest.fixture(scope="module")
def data():
    return pd.read_csv(DATA / "delong_data.csv")


@pytest.fixture(scope="module")
def ref():
    r = pd.read_csv(DATA / "delong_reference.csv")
    return {(d, q): float(v) for d, q, v in r.itertuples(index=False)}


@pytest.mark.parametrize("name", DATASETS)
def test_delong_matches_proc(data, ref, name):
    d = data[data.dataset == name]
    direction = d.direction.iloc[0]
    auc, cov = delong_covariance(d.y, np.vstack([d.s1, d.s2]), direction=direction)
    assert auc[0] == pytest.approx(ref[name, "auc1"], abs=1e-12)
    assert auc[1] == pytest.approx(ref[name, "auc2"], abs=1e-12)
    assert cov[0, 0] == pytest.approx(ref[name, "var1"], abs=1e-12, rel=1e-10)
    assert cov[1, 1] == pytest.approx(ref[name, "var2"], abs=1e-12, rel=1e-10)
    assert cov[0, 1] == pytest.approx(ref[name, "cov12"], abs=1e-12, rel=1e-10)
    ci = roc_auc(d.y, d.s1, direction=direction)
    assert (ci.lower, ci.upper) == pytest.approx((ref[name, "ci1_lower"], ref[name, "ci1_upper"]), abs=1e-10)
    test = compare_auc(d.y, d.s1, d.s2, direction=direction)
    assert test.z == pytest.approx(ref[name, "paired_z"], rel=1e-9)
    assert test.p_value == pytest.approx(ref[name, "paired_p"], rel=1e-8)


def test_unpaired_delong_matches_proc(data, ref):
    a, b = data[data.dataset == "unpairedA"], data[data.dataset == "unpairedB"]
    test = compare_auc(a.y, a.s1, b.s1, y2=b.y)
    assert not test.paired
    assert test.z == pytest.approx(ref["unpairedA_vs_B", "unpaired_z"], rel=1e-9)
    assert test.p_value == pytest.approx(ref["unpairedA_vs_B", "unpaired_p"], rel=1e-8)
    assert test.df > 0 and "t(" in repr(test)


def test_comparison_result_writes_its_table(data, tmp_path):
    d = data[data.dataset == "continuous"]
    test = compare_auc(d.y, d.s1, d.s2)
    path = test.write(tmp_path)["delong_test"]
    pd.testing.assert_frame_equal(pd.read_csv(path), test.to_frame(), check_dtype=False)


def test_auc_counts_ties_half_and_direction_flips():
    y = [0, 0, 1, 1]
    assert roc_auc(y, [0.1, 0.5, 0.5, 0.9]).auc == pytest.approx(0.875)   # 3.5 of 4 pairs
    assert roc_auc(y, [0.9, 0.5, 0.5, 0.1], direction=">").auc == pytest.approx(0.875)


def test_bootstrap_ci_is_seeded_and_covers_delong(data):
    d = data[data.dataset == "continuous"]
    a = roc_auc(d.y, d.s1, method="bootstrap", n_boot=300, seed=3)
    b = roc_auc(d.y, d.s1, method="bootstrap", n_boot=300, seed=3)
    c = roc_auc(d.y, d.s1, method="bootstrap", n_boot=300, seed=4)
    assert (a.lower, a.upper) == (b.lower, b.upper) and (a.lower, a.upper) != (c.lower, c.upper)
    assert a.lower < a.auc < a.upper
    dl = roc_auc(d.y, d.s1)
    assert abs(a.lower - dl.lower) < 0.05 and abs(a.upper - dl.upper) < 0.05
    # bootstrap SD approximates the DeLong standard error
    assert np.std(bootstrap_auc(d.y, d.s1, n_boot=300, seed=3)) == pytest.approx(np.sqrt(dl.var), rel=0.25)


def test_roc_curve_area_equals_auc(data):
    d = data[data.dataset == "ties"]
    curve = roc_curve(d.y, d.s1)
    area = np.trapezoid(curve.tpr, curve.fpr)
    assert area == pytest.approx(roc_auc(d.y, d.s1).auc, abs=1e-12)


def test_bad_outcomes_raise():
    with pytest.raises(InputError, match="only one class"):
        roc_auc([1, 1, 1], [0.1, 0.2, 0.3])
    with pytest.raises(InputError, match="0/1"):
        roc_auc([0, 2, 1], [0.1, 0.2, 0.3])
    with pytest.raises(InputError, match="same patients"):
        compare_auc([0, 1, 0, 1], [1, 2, 3, 4], [1, 2, 3, 4], y2=[1, 0, 0, 1], paired=True)
