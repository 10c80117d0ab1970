"""Enrichment (gseapy, offline) and planted programmes on a synthetic NB count matrix."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from omics.data.validate import InputError
from omics.expression import limma_dge, ttest_dge
from omics.expression.enrich import (gsea_prerank, over_representation, ranking, read_gmt,
                                     signature_gene_sets, write_gmt)
from omics.rnaseq import voom


@pytest.fixture(scope="module")
def synthetic():
    """60 patients × 2,000 genes, negative-binomial counts, two planted programmes.

    Group RA (25 patients) has PROG_UP (40 genes) 4-fold up and PROG_DOWN (30 genes)
    4-fold down; 4 decoy sets of 40 random other genes.
    """
    rng = np.random.default_rng(2024)
    n, p = 60, 2000
    genes = np.array([f"G{i:04d}" for i in range(p)])
    base = np.exp(rng.normal(4.0, 1.5, p))
    group = np.array(["RA"] * 25 + ["RB"] * 35)
    lfc = np.zeros(p)
    up, down = np.arange(0, 40), np.arange(40, 70)
    lfc[up], lfc[down] = 2.0, -2.0
    mu = base[None, :] * np.where(group[:, None] == "RA", 2.0 ** lfc[None, :], 1.0)
    mu = mu * rng.uniform(0.7, 1.3, n)[:, None]
    dispersion = 0.1
    counts = rng.negative_binomial(1 / dispersion, 1 / (1 + mu * dispersion))
    patients = [f"P{i:03d}" for i in range(n)]
    counts = pd.DataFrame(counts, index=patients, columns=genes)
    others = np.arange(70, p)
    sets = {"PROG_UP": list(genes[up]), "PROG_DOWN": list(genes[down])}
    for k in range(4):
        sets[f"DECOY_{k}"] = list(genes[rng.choice(others, 40, replace=False)])
    groups = pd.Series(group, index=patients, name="rna_group")
    return counts, groups, sets, set(genes[up]), set(genes[down])


def test_planted_genes_recovered_by_ttest_and_limma(synthetic):
    counts, groups, _, up, down = synthetic
    v = voom(counts)
    for result in (ttest_dge(v.E, groups, level="RA"), limma_dge(v.E, groups, level="RA", weights=v.weights)):
        table = result.table
        found_up = set(table.index[table["direction"] == "up"])
        found_down = set(table.index[table["direction"] == "down"])
        sensitivity = (len(found_up & up) + len(found_down & down)) / (len(up) + len(down))
        found = found_up | found_down
        precision = len(found & (up | down)) / max(len(found), 1)
        # 4-fold changes with NB noise: ≥ 90 % found, ≥ 90 % of calls are planted genes
        assert sensitivity >= 0.9 and precision >= 0.9, (result.method, sensitivity, precision)


def test_gsea_recovers_planted_programmes_and_is_seeded(synthetic):
    counts, groups, sets, _, _ = synthetic
    v = voom(counts)
    dge = ttest_dge(v.E, groups, level="RA").table
    res = gsea_prerank(dge, sets, min_size=10, permutations=200, seed=5)
    again = gsea_prerank(dge, sets, min_size=10, permutations=200, seed=5)
    pd.testing.assert_frame_equal(res.table, again.table)
    threaded = gsea_prerank(dge, sets, min_size=10, permutations=200, seed=5, threads=2)
    pd.testing.assert_frame_equal(res.table, threaded.table)      # threads do not change results
    table = res.table.set_index("gene_set")
    significant = set(table.index[table["fdr"] < 0.05])
    assert significant == {"PROG_UP", "PROG_DOWN"}         # sensitivity 1, precision 1
    assert table.loc["PROG_UP", "nes"] > 0 and table.loc["PROG_DOWN", "nes"] < 0
    assert table.loc["PROG_UP", "direction"] == "activated"
    assert isinstance(table.loc["PROG_UP", "leading_edge"], list)
    assert table.loc["PROG_UP", "set_size"] == 40
    assert table.loc["PROG_UP", "n_up"] >= 36 and table.loc["PROG_UP", "n_down"] == 0
    assert table.loc["PROG_DOWN", "n_down"] >= 27
    assert table["set_size"].dtype.kind == "i" and table["n_up"].dtype.kind == "i"
    csv = res.to_frame()
    assert ";" in csv.set_index("gene_set").loc["PROG_UP", "leading_edge"]


def test_ora_matches_hypergeometric_and_finds_programmes(synthetic):
    counts, groups, sets, _, _ = synthetic
    v = voom(counts)
    dge = ttest_dge(v.E, groups, level="RA").table
    res = over_representation(dge, sets, genes="significant")
    table = res.table.set_index("gene_set")
    assert set(table.index[table["p_adj"] < 0.05]) == {"PROG_UP", "PROG_DOWN"}
    # the p-value is the upper tail of the hypergeometric distribution
    n_background = len(dge)
    n_query = int(dge["direction"].isin(["up", "down"]).sum())
    row = table.loc["PROG_UP"]
    expected = stats.hypergeom.sf(row["n_overlap"] - 1, n_background, row["set_size"], n_query)
    assert row["p_value"] == pytest.approx(expected, rel=1e-6)
    assert row["n_overlap"] == len(row["overlap_genes"])
    up_only = over_representation(dge, sets, genes="up").table.set_index("gene_set")
    assert up_only.loc["PROG_UP", "p_adj"] < 0.05 and up_only.loc["PROG_DOWN", "p_adj"] > 0.05


def test_ranking_statistics(synthetic):
    counts, groups, _, _, _ = synthetic
    dge = ttest_dge(voom(counts).E, groups, level="RA").table
    for by in ("statistic", "log2fc", "signed_log10_p"):
        r = ranking(dge, by=by)
        assert r.is_monotonic_decreasing and len(r) == len(dge)
    signed = ranking(dge, by="signed_log10_p")
    g = signed.index[0]
    assert signed[g] == pytest.approx(-np.log10(dge.loc[g, "p_value"]))
    with pytest.raises(InputError):
        ranking(dge, by="nope")


def test_gmt_round_trip(tmp_path):
    sets = {"A": ["x", "y", "z"], "B": ["y", "w"]}
    write_gmt(sets, tmp_path / "s.gmt")
    assert read_gmt(tmp_path / "s.gmt") == sets
    with pytest.raises(InputError, match="no gene sets found|not found|no genes|GMT"):
        gsea_prerank(pd.DataFrame({"log2fc": [1.0], "p_value": [0.1], "direction": ["ns"],
                                   "statistic": [1.0]}, index=["x"]), {})


def test_signature_matrix_rule():
    # 4 genes × 3 cell types
    m = pd.DataFrame({"T cells": [100, 10, 50, 0], "B cells": [10, 100, 40, 0],
                      "NK": [10, 12, 45, 0]}, index=["CD3E", "MS4A1", "HOUSE", "OFF"])
    sets = signature_gene_sets(m, min_fold=2, min_size=1)
    assert sets == {"T_cells": ["CD3E"], "B_cells": ["MS4A1"]}
    # a gene 2-fold above the median of the others but not the maximum still counts
    m2 = pd.DataFrame({"a": [40.0], "b": [100.0], "c": [10.0], "d": [10.0]}, index=["g"])
    assert signature_gene_sets(m2, min_fold=2, min_size=1) == {"a": ["g"], "b": ["g"]}
    with pytest.raises(InputError):
        signature_gene_sets(m, min_fold=1)
