"""omics.stats.association against R stats (tests/_scripts/survival_association.R)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from omics.data.validate import InputError
from omics.stats.association import association_table, categorical_test, continuous_test
from omics.stats.multitest import bh_adjust

DATA = Path(__file__).parent / "data" / "survival"
REF = pd.read_csv(DATA / "ref_association.csv")


@pytest.fixture(scope="module")
def syn():
    d = pd.read_csv(DATA / "synthetic.csv", index_col="patient_id", encoding="utf-8")
    d["grade_bin"] = np.where(d["grade"].isna(), None, np.where(d["grade"] == "III", "III", "I/II"))
    return d


def ref(grouping, variable, test):
    r = REF[(REF.grouping == grouping) & (REF.variable == variable) & (REF.test == test)]
    assert len(r) == 1
    return r.iloc[0]


@pytest.mark.parametrize("grouping,variable", [("hrf", "histotype"), ("hrf", "grade"), ("hrf", "grade_bin"),
                                               ("rna", "histotype"), ("rna", "grade"), ("rna", "grade_bin")])
def test_chisq_matches_r(syn, grouping, variable):
    res = categorical_test(syn[grouping], syn[variable], method="chi2")
    r = ref(grouping, variable, "chisq")
    assert res.statistic == pytest.approx(r.statistic, rel=1e-9, abs=1e-12)
    assert res.df == r.df
    assert res.p_value == pytest.approx(r.p, rel=1e-9)
    two_by_two = variable == "grade_bin" and grouping == "rna"
    assert res.test == ("chi-square (Yates)" if two_by_two else "chi-square")


def test_fisher_2x2_matches_r(syn):
    res = categorical_test(syn["rna"], syn["grade_bin"], method="fisher")
    assert res.p_value == pytest.approx(ref("rna", "grade_bin", "fisher").p, rel=1e-9)


def test_fisher_chosen_when_expected_counts_are_small():
    groups = ["A"] * 6 + ["B"] * 6
    values = ["x"] * 5 + ["y"] + ["y"] * 5 + ["x"]
    res = categorical_test(groups, values)
    assert res.test == "Fisher exact"
    # R: fisher.test(matrix(c(5,1,1,5),2))$p.value
    assert res.p_value == pytest.approx(0.08008658008658, rel=1e-9)
    assert categorical_test(groups, values, method="chi2").test.startswith("chi-square")


def test_fisher_monte_carlo_is_seeded():
    rng = np.random.default_rng(3)
    g = rng.choice(list("ABC"), 30)
    v = rng.choice(list("xyz"), 30)
    a = categorical_test(g, v, method="fisher", seed=1)
    b = categorical_test(g, v, method="fisher", seed=1)
    assert a.test == "Fisher exact (Monte-Carlo)" and a.p_value == b.p_value and 0 < a.p_value <= 1


def test_two_group_continuous_tests_match_r(syn):
    welch = continuous_test(syn["rna"], syn["size_mm"], method="parametric")
    r = ref("rna", "size_mm", "welch")
    # scipy's t is for the first sorted group minus the second: R's formula interface too
    assert welch.test == "Welch t-test"
    assert welch.statistic == pytest.approx(r.statistic, rel=1e-9)
    assert welch.df == pytest.approx(r.df, rel=1e-9)
    assert welch.p_value == pytest.approx(r.p, rel=1e-9)
    mw = continuous_test(syn["rna"], syn["size_mm"], method="nonparametric")
    r = ref("rna", "size_mm", "wilcox")
    assert mw.test == "Mann–Whitney U"
    assert mw.statistic == pytest.approx(r.statistic)
    assert mw.p_value == pytest.approx(r.p, rel=1e-9)


def test_auto_choice_follows_shapiro(syn):
    # size_mm departs from normality in A_hRF and B_hRF (R shapiro.test p = 0.002, 0.019)
    size = continuous_test(syn["hrf"], syn["size_mm"])
    r = ref("hrf", "size_mm", "kruskal")
    assert size.test == "Kruskal–Wallis"
    assert size.statistic == pytest.approx(r.statistic, rel=1e-9)
    assert size.p_value == pytest.approx(r.p, rel=1e-9)
    # age is normal in every h-RF group (R shapiro.test p = 0.08, 0.38, 0.67) → ANOVA
    age = continuous_test(syn["hrf"], syn["age"])
    r = ref("hrf", "age", "anova")
    assert age.test == "one-way ANOVA"
    assert age.statistic == pytest.approx(r.statistic, rel=1e-9)
    assert age.p_value == pytest.approx(r.p, rel=1e-9)
    age2 = continuous_test(syn["rna"], syn["age"])
    assert age2.test == "Welch t-test"
    assert age2.p_value == pytest.approx(ref("rna", "age", "welch").p, rel=1e-9)


def test_association_table_cells_tests_and_bh(syn):
    tab = association_table(syn, ["hrf", "rna"], ["size_mm", "histotype", "grade"], adjust="BH")
    cells = tab.cells
    # grade: 2 patients lack it, so denominators exclude them
    sub = cells[(cells.grouping == "hrf") & (cells.variable == "grade")]
    for grp, part in sub.groupby("group"):
        n_grp = int(((syn.hrf == grp) & syn.grade.notna()).sum())
        assert (part["total"] == n_grp).all()
        assert part["n"].sum() == n_grp
        k = int(((syn.hrf == grp) & (syn.grade == "III")).sum())
        row = part[part.level == "III"].iloc[0]
        assert row["cell"] == f"{k}/{n_grp} ({100 * k / n_grp:.1f})"
    size = cells[(cells.grouping == "rna") & (cells.variable == "size_mm") & (cells.group == "A_RNA")].iloc[0]
    x = syn.loc[syn.rna == "A_RNA", "size_mm"]
    assert size["cell"] == f"{x.mean():.1f} ± {x.std():.1f}"
    t = tab.tests
    np.testing.assert_allclose(t["p_adj"], bh_adjust(t["p"]))
    assert list(t["stars"]) == ["***" if p < 0.001 else "**" if p < 0.005 else "*" if p < 0.05 else ""
                                for p in t["p_adj"]]
    wide = tab.wide()
    assert wide.equals(tab.summary) and tab.to_frame().equals(tab.tests)
    assert {"hrf: A_hRF", "hrf: p", "rna: B_RNA", "rna: p"} <= set(wide.columns)
    assert wide.loc[wide.variable == "grade", "hrf: p"].notna().sum() == 1


def test_missing_column_is_named(syn):
    with pytest.raises(InputError, match="nope"):
        association_table(syn, ["hrf"], ["nope"])
