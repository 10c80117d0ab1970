"""End to end on the demo cohort (known truth): the RNA batch effect planted by the
generator is removed and the true RNA groups (RA/RB) separate on the clustering matrix."""

import warnings

import numpy as np
import pandas as pd
import pytest

from omics.harmonize import harmonization_diagnostics
from omics.rnaseq import preprocess_counts


@pytest.fixture(scope="module")
def demo():
    from omics.data import demo_cohort
    return demo_cohort(n_patients=120, n_test=10, n_rna=60, n_genes=1000, n_repeat=0, images=False, seed=3)


def _pc1_auc(expr: pd.DataFrame, labels: pd.Series) -> float:
    z = (expr - expr.mean()) / expr.std()
    u, _, _ = np.linalg.svd(z.to_numpy(), full_matrices=False)
    pc1 = u[:, 0]
    a, b = pc1[(labels == "RA").to_numpy()], pc1[(labels == "RB").to_numpy()]
    auc = (a[:, None] > b[None, :]).mean()
    return max(auc, 1 - auc)


@pytest.mark.parametrize("method", ["combat-seq", "combat"])
def test_demo_batch_removed_and_rna_groups_recovered(demo, method):
    counts = demo.counts.T                                   # samples × genes
    batch = demo.clinical.loc[counts.index, "rna_batch"]
    truth = demo.truth_patients.loc[counts.index, "rna_group"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        raw = preprocess_counts(counts, batch_method="none", n_top=300)
        corrected = preprocess_counts(counts, batch=batch, batch_method=method, n_top=300)
    r2_raw = harmonization_diagnostics(raw.for_clustering, raw.for_clustering, batch).batch_r2["before"]
    r2_cor = harmonization_diagnostics(corrected.for_clustering, corrected.for_clustering, batch).batch_r2["before"]
    assert r2_raw.median() > 0.05                             # the demo plants a batch effect
    assert r2_cor.median() < 0.01
    assert _pc1_auc(corrected.for_clustering, truth) >= 0.95
    assert _pc1_auc(corrected.for_clustering, truth) >= _pc1_auc(raw.for_clustering, truth)
