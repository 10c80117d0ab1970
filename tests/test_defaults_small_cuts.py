"""Issue 10 items 9 and 10: GSEA permutation bound, short repr, and the smaller cuts."""

import warnings

import numpy as np
import pandas as pd
import pytest

from omics.cli import main
from omics.cluster import hybrid_groups
from omics.expression.enrich import gsea_prerank
from omics.imaging.icc import SmallICCSampleWarning, feature_icc
from omics.survival import cox_fit, cox_table, kaplan_meier


# ---------------------------------------------------------------------- item 9: GSEA
@pytest.fixture(scope="module")
def gsea():
    rng = np.random.default_rng(5)
    genes = [f"G{i:04d}" for i in range(400)]
    stat = rng.normal(size=400)
    stat[:30] += 4                                        # a planted, strongly enriched set
    dge = pd.DataFrame({"gene": genes, "statistic": stat, "log2fc": stat / 2, "p_value": 0.5,
                        "direction": np.where(stat > 3, "up", "ns")})
    sets = {"PLANTED": genes[:30], "RANDOM_A": list(rng.choice(genes[30:], 30, replace=False)),
            "RANDOM_B": list(rng.choice(genes[30:], 30, replace=False))}
    return gsea_prerank(dge, sets, permutations=19, min_size=10, seed=1)


def test_gsea_zero_p_is_reported_as_the_permutation_bound(gsea):
    table = gsea.table.set_index("gene_set")
    bound = 1 / 20
    assert table.loc["PLANTED", "at_bound"]
    assert table.loc["PLANTED", "p_value"] == pytest.approx(bound)     # not 0
    assert (gsea.table[["p_value", "fdr", "fwer"]] >= bound).all().all()
    assert "1/(permutations + 1) = 0.05" in gsea.footnote and "p < 0.05" in gsea.footnote


def test_enrichment_repr_is_short(gsea):
    text = repr(gsea)
    assert text.startswith("EnrichmentResult(gsea: 3 gene sets")
    assert "PLANTED" in text and "< 0.05" in text
    assert "G0001" not in text and len(text.splitlines()) <= 6      # no leading-edge dump


# ---------------------------------------------------------------------- item 10
def test_survival_time_zero_is_accepted():
    d = pd.DataFrame({"t": [0.0, 1, 2, 3, 4, 5, 0, 6, 7, 8, 9, 10], "e": [1, 0, 1, 1, 0, 1, 0, 1, 0, 1, 1, 0],
                      "g": list("AABBAABBABAB")})
    km = kaplan_meier(d.t, d.e, groups=d.g)
    first = km.table[(km.table.group == "A") & (km.table.time == 0)].iloc[0]
    assert first.n_risk == 6 and first.surv == pytest.approx(5 / 6)   # R survfit: 1 death of 6 at t = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert np.isfinite(cox_fit(d, "g", "t", "e").to_frame()["coef"]).all()
    with pytest.raises(ValueError, match="negative|>= 0|< 0"):
        kaplan_meier([-1.0, 2.0], [1, 0])


def test_forest_plot_of_cox_table():
    from omics.plotting.survival import forest_plot
    rng = np.random.default_rng(0)
    d = pd.DataFrame({"g": np.repeat(["A_x", "B_x", "C_x"], 20), "age": rng.normal(60, 10, 60),
                      "t": rng.exponential(10, 60), "e": rng.integers(0, 2, 60)})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fig = forest_plot(cox_table(cox_fit(d, "g + age", "t", "e")))
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert any(lab.endswith("(ref.)") for lab in labels) and "age" in labels


def test_hybrid_labels_do_not_repeat_the_grouping_name():
    a = pd.Series(["AURKA_high", "AURKA_low", "AURKA_high"], index=["1", "2", "3"])
    b = pd.Series(["A", "B", "B"], index=["1", "2", "3"])
    groups = hybrid_groups(a, b, names=("AURKA", "RNA"))
    assert set(groups["aurka"]) == {"AURKA_high", "AURKA_low"}
    assert "AURKA_high×B_RNA" in set(groups["hybrid"])
    assert not any("AURKA_high_AURKA" in str(v) for v in groups["hybrid"].cat.categories)
    short = hybrid_groups(a, b, names=("AURKA", "RNA"), level="AURKA_low×B")
    assert short.loc["2", "hybrid_binary"] == "AURKA_low×B_RNA"


def test_hybrid_cli_refuses_a_missing_level(tmp_path, capsys):
    pd.DataFrame({"k2": ["A", "B", "A", "B"]}, index=pd.Index(list("pqrs"), name="patient_id")).to_csv(tmp_path / "a.csv")
    pd.DataFrame({"k2": ["A", "A", "B", "B"]}, index=pd.Index(list("pqrs"), name="patient_id")).to_csv(tmp_path / "b.csv")
    code = main(["hybrid", "--a", str(tmp_path / "a.csv"), "--b", str(tmp_path / "b.csv"),
                 "--level", "C_hRF×A_RNA", "--out", str(tmp_path / "out")])
    assert code == 2
    err = capsys.readouterr().err
    assert "does not exist" in err and "A_hRF×A_RNA, A_hRF×B_RNA, B_hRF×A_RNA, B_hRF×B_RNA" in err
    assert not (tmp_path / "out" / "groups.csv").exists()


def test_associate_accepts_time_and_event(tmp_path):
    rng = np.random.default_rng(2)
    n = 40
    clinical = pd.DataFrame({"t": np.where(np.arange(n) < 36, rng.exponential(20, n), np.nan),
                             "e": rng.integers(0, 2, n), "size": rng.normal(50, 10, n),
                             "grp": np.repeat(["A", "B"], n // 2)},
                            index=pd.Index([f"P{i}" for i in range(n)], name="patient_id"))
    clinical.to_csv(tmp_path / "clinical.csv")
    assert main(["associate", "--clinical", str(tmp_path / "clinical.csv"), "--time", "t", "--event", "e",
                 "--by", "grp", "--variables", "size", "--out", str(tmp_path / "out")]) == 0
    tests = pd.read_csv(tmp_path / "out" / "association_tests.csv")
    assert tests["n"].tolist() == [36]                  # the survival population: 4 without a time left out
    assert main(["associate", "--clinical", str(tmp_path / "clinical.csv"), "--by", "grp",
                 "--variables", "size", "--out", str(tmp_path / "all")]) == 0
    assert pd.read_csv(tmp_path / "all" / "association_tests.csv")["n"].tolist() == [40]


def test_icc_warns_below_ten_patients():
    rng = np.random.default_rng(0)
    base = rng.normal(size=(6, 2))
    first = pd.DataFrame(base + rng.normal(scale=0.1, size=(6, 2)), columns=["T1_tumour_a", "T1_tumour_b"])
    repeat = pd.DataFrame(base + rng.normal(scale=0.1, size=(6, 2)), columns=first.columns)
    with pytest.warns(SmallICCSampleWarning, match="6 patients.*confidence interval"):
        feature_icc(first, repeat)
    with warnings.catch_warnings():
        warnings.simplefilter("error", SmallICCSampleWarning)
        big = rng.normal(size=(12, 2))
        feature_icc(pd.DataFrame(big, columns=first.columns), pd.DataFrame(big + 0.01, columns=first.columns))
