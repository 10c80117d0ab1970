"""Issue 10 item 5: the suggested K never has clusters below the minimum size, and says so."""

import numpy as np
import pytest

from omics.cluster import SmallClusterWarning, min_cluster_size, summarise_consensus


def block_consensus(sizes, noise=0.0, seed=0):
    """A consensus matrix of perfectly separated blocks (PAC 0), optionally blurred."""
    labels = np.repeat(np.arange(len(sizes)), sizes)
    m = (labels[:, None] == labels[None, :]).astype(float)
    if noise:
        rng = np.random.default_rng(seed)
        blur = rng.uniform(0, noise, m.shape)
        m = np.clip(m - (blur + blur.T) / 2 * (m == 1) + (blur + blur.T) / 2 * (m == 0), 0, 1)
        np.fill_diagonal(m, 1.0)
    return m


def test_min_cluster_size_rule():
    assert min_cluster_size(40) == 3            # the floor
    assert min_cluster_size(158) == 8           # ceil(5 % of 158)
    assert min_cluster_size(400) == 20


def test_suggested_k_skips_partitions_with_a_one_patient_cluster():
    # K = 3 splits off a single patient and is perfectly "stable" (PAC 0), as the issue's
    # K = 6 with sizes 65/44/28/15/5/1; K = 2 is slightly blurred, so plain PAC prefers K = 3
    consensus = {2: block_consensus([80, 78], noise=0.15), 3: block_consensus([80, 77, 1])}
    result = summarise_consensus(consensus, patients=[f"P{i}" for i in range(158)])
    assert result.summary.loc[3, "pac"] < result.summary.loc[2, "pac"]
    assert result.summary.loc[3, "min_cluster_size"] == 1
    assert not result.summary.loc[3, "admissible"] and result.summary.loc[2, "admissible"]
    assert result.suggested_k == 2
    assert "at least 8 patients" in result.suggested_k_rule
    assert "suggested K rule" in repr(result) and "at least 8 patients" in repr(result)
    assert result.params["min_cluster_size"] == 8


def test_min_size_can_be_lowered_and_a_fixed_tiny_k_warns():
    consensus = {3: block_consensus([80, 77, 1])}
    with pytest.warns(SmallClusterWarning, match=r"K = 3 gives a cluster smaller than 8 patients"):
        result = summarise_consensus(consensus, patients=[f"P{i}" for i in range(158)])
    assert result.suggested_k == 3 and "no K tried" in result.suggested_k_rule
    ok = summarise_consensus({2: block_consensus([80, 78], noise=0.15), 3: block_consensus([80, 77, 1])},
                             patients=[f"P{i}" for i in range(158)], min_size=1)
    assert ok.suggested_k == 3
