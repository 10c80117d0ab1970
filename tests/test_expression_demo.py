"""The demo cohort's planted genes and programmes are recovered (omics.data.demo_cohort).

Pipeline: filterByExpr → TMM → voom (omics.rnaseq) → DGE RA vs RB (t-test, the study's
method; limma) → pre-ranked GSEA on the demo GMT → PAM. Stated recovery (2,000 genes,
110 RNA patients, seed 0): DGE sensitivity ≥ 0.75 of all planted genes (planted |log2FC|
below the |FC| ≥ 2 cut-off cannot be found) with precision ≥ 0.95; GSEA finds every
planted programme and no decoy (sensitivity = precision = 1); the PAM signature holds
planted genes only and classifies RA/RB with CV error ≤ 5 %.
"""

import numpy as np
import pytest

import omics.data
from omics.expression import limma_dge, ttest_dge
from omics.expression.enrich import gsea_prerank
from omics.expression.pam import pam_signature
from omics.rnaseq import calc_norm_factors, filter_by_expr, voom


@pytest.fixture(scope="module")
def demo():
    cohort = omics.data.demo_cohort(n_genes=2000, images=False, seed=0)
    counts = cohort.counts.T                                   # samples × genes
    groups = cohort.truth_patients.loc[counts.index, "rna_group"]
    counts = counts.loc[:, filter_by_expr(counts, group=groups)]
    v = voom(counts, norm_factors=calc_norm_factors(counts))
    return cohort, v, groups


def recovery(table, truth):
    found = table.index[table["significant"]]
    planted = truth.set_index("gene")
    tp = [g for g in found if g in planted.index
          and table.loc[g, "direction"] == planted.loc[g, "direction"]]
    return len(tp) / len(planted), len(tp) / max(len(found), 1)


@pytest.mark.parametrize("method", ["ttest", "limma"])
def test_planted_genes_recovered(demo, method):
    cohort, v, groups = demo
    if method == "ttest":
        result = ttest_dge(v.E, groups, level="RA")
    else:
        result = limma_dge(v.E, groups, level="RA", weights=v.weights)
    sensitivity, precision = recovery(result.table, cohort.truth_genes)
    assert sensitivity >= 0.75 and precision >= 0.95, (sensitivity, precision)


def test_planted_programmes_recovered_by_gsea(demo):
    cohort, v, groups = demo
    dge = ttest_dge(v.E, groups, level="RA").table
    result = gsea_prerank(dge, cohort.gene_sets, min_size=10, permutations=200, seed=1)
    table = result.table.set_index("gene_set")
    significant = set(table.index[table["fdr"] < 0.05])
    planted = {name for name in cohort.gene_sets if name.startswith("DEMO_")}
    assert significant == planted
    truth = cohort.truth_genes.groupby("programme")["direction"].agg(lambda d: d.mode()[0])
    for name in planted:
        expected = "activated" if truth[name] == "up" else "inhibited"
        assert table.loc[name, "direction"] == expected, name


def test_pam_signature_is_planted(demo):
    cohort, v, groups = demo
    model, signature = pam_signature(v.E, groups, n_folds=10, random_state=0)
    assert len(signature) > 0
    assert set(signature["gene"]) <= set(cohort.truth_genes["gene"])
    assert model.cv_errors_[np.isclose(model.thresholds_, model.threshold_)][0] <= 0.05
