"""The demo cohort's planted imaging groups (IA/IB/IC) separate on the extracted features."""

from pathlib import Path

import numpy as np
import pytest
from scipy.stats import kruskal

from omics.data import demo_cohort
from omics.imaging import apply_icc_filter, extract_cohort, feature_icc, read_patient_images
from omics.stats.multitest import bh_adjust

FAST = Path(__file__).resolve().parent / "data" / "imaging" / "fast_preset.yaml"


@pytest.fixture(scope="module")
def demo_features(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo_imaging")
    demo = demo_cohort(out=out, n_patients=24, n_test=4, n_rna=10, n_genes=1000, n_repeat=10, seed=5)
    patients = read_patient_images(out / "manifest.csv")
    for p in patients:  # CE-T1 only keeps the test short; shape features come from it
        p.images = {"CET1": p.images["CET1"]}
    result = extract_cohort(patients, preset=FAST, n_jobs=2, progress=False)
    return demo, result


def test_demo_imaging_groups_separate(demo_features):
    demo, result = demo_features
    assert result.failures.empty and result.features.shape[0] == 24
    assert result.features_repeat.shape[0] == 10
    icc = feature_icc(result.features, result.features_repeat, threshold=0.9)
    robust = apply_icc_filter(result.features, icc)
    assert robust.shape[1] > 10
    groups = demo.truth_patients.loc[robust.index, "imaging_group"]
    pvalues = np.array([kruskal(*[robust.loc[groups == g, c] for g in ("IA", "IB", "IC")]).pvalue
                        for c in robust.columns])
    adjusted = np.asarray(bh_adjust(pvalues))
    assert adjusted.min() < 0.01
    assert (adjusted < 0.05).sum() >= 5
    # a permutation of the labels destroys it (the separation is not an artefact of the test)
    shuffled = groups.sample(frac=1.0, random_state=1).to_numpy()
    p_shuffled = np.array([kruskal(*[robust.loc[shuffled == g, c] for g in ("IA", "IB", "IC")]).pvalue
                           for c in robust.columns])
    assert np.asarray(bh_adjust(p_shuffled)).min() > adjusted.min() * 10
