"""ComBat-seq parity with sva::ComBat_seq 3.46 (tests/_scripts/rnaseq_reference.R) on
simulated NB counts (24 samples × 300 genes, 3 batches with mean and dispersion effects)."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from omics.data.validate import InputError
from omics.rnaseq import combat_seq, preprocess_counts

DATA = Path(__file__).parent / "data" / "harmonize"


@pytest.fixture(scope="module")
def sim():
    counts = pd.read_csv(DATA / "sim_counts.csv", index_col=0).T
    samples = pd.read_csv(DATA / "sim_samples.csv", index_col=0)
    return counts, samples


def test_combat_seq_null_model_matches_sva_exactly(sim):
    counts, samples = sim
    out = combat_seq(counts, samples["batch"])
    ref = pd.read_csv(DATA / "combatseq_null.csv", index_col=0).T
    np.testing.assert_array_equal(out.to_numpy(), ref.to_numpy())
    # genes with zero counts in a batch are returned as they were
    np.testing.assert_array_equal(out.iloc[:, :3], counts.iloc[:, :3])


def test_combat_seq_with_group_matches_sva(sim):
    """The group is an R factor with levels ctrl, case; edgeR's Levenberg fits stop at a
    Newton decrement of 1e-6, so the parameterisation (reference level) must match too."""
    counts, samples = sim
    group = pd.Series(pd.Categorical(samples["group"], ["ctrl", "case"]), index=samples.index)
    out = combat_seq(counts, samples["batch"], group=group)
    ref = pd.read_csv(DATA / "combatseq_group.csv", index_col=0).T
    np.testing.assert_array_equal(out.to_numpy(), ref.to_numpy())
    assert (out.to_numpy() != counts.to_numpy()).mean() > 0.5      # it did adjust


def test_combat_seq_errors(sim):
    counts, samples = sim
    batch = samples["batch"].copy()
    batch.iloc[0] = "alone"
    with pytest.raises(InputError, match="single sample"):
        combat_seq(counts, batch)
    bad = counts.copy()
    bad.iloc[0, 5] = -3
    with pytest.raises(InputError, match="negative"):
        combat_seq(bad, samples["batch"])
    with pytest.raises(InputError, match="confounded with batch"):
        combat_seq(counts, samples["batch"], covariates=samples[["batch"]].rename(columns={"batch": "site"}))


def test_preprocess_counts_reduces_batch_effect(sim):
    from omics.harmonize import harmonization_diagnostics
    counts, samples = sim
    raw = preprocess_counts(counts, batch_method="none", n_top=200)
    corrected = preprocess_counts(counts, batch=samples["batch"], group=samples["group"], n_top=200)
    assert corrected.summary["batch_method"].iloc[0] == "combat-seq"
    genes = corrected.voom.E.columns.intersection(raw.voom.E.columns)
    before = harmonization_diagnostics(raw.voom.E[genes], raw.voom.E[genes], samples["batch"])
    after = harmonization_diagnostics(raw.voom.E[genes], corrected.voom.E[genes], samples["batch"])
    assert after.batch_r2["after"].median() < 0.5 * before.batch_r2["before"].median()
    assert corrected.for_clustering.shape == (24, 200)
    combat_mode = preprocess_counts(counts, batch=samples["batch"], group=samples["group"], batch_method="combat")
    assert "batch[b2]" in combat_mode.voom.design.columns
