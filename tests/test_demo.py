"""The demo cohort: shapes, determinism, and the planted truth is really there."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from omics.data import demo_cohort, read_manifest


def test_shapes_and_columns(demo):
    c = demo.clinical
    assert c.shape[0] == 225 and (c.cohort == "training").sum() == 200
    assert demo.counts.shape == (5000, 110)
    assert c.has_rna.sum() == 110 and set(demo.counts.columns) == set(c.index[c.has_rna == 1])
    for column in ("age", "sex", "histotype", "grade", "size_mm", "depth", "site", "chemotherapy",
                   "radiotherapy", "margins", "sarculator_pros", "sarculator_group", "t2_heterogeneity",
                   "necrosis", "peritumoral_enhancement", "semantic_risk", "scanner", "centre",
                   "rna_batch", "mfs_time", "mfs_event"):
        assert column in c.columns
    assert (c.mfs_time > 0).all() and set(c.mfs_event) <= {0, 1}
    assert 0.2 <= c.mfs_event.mean() <= 0.4, "about 30 % events"
    assert c.grade.isna().sum() == 3 and c.margins.isna().sum() == 4
    assert ((c.sarculator_pros <= 0.51) == (c.sarculator_group == "low")).all()
    assert ((c[["t2_heterogeneity", "necrosis", "peritumoral_enhancement"]].sum(axis=1) >= 2)
            == (c.semantic_risk == "high")).all()
    assert (demo.counts.to_numpy() >= 0).all() and demo.counts.dtypes.map(lambda d: d.kind == "i").all()
    lib = demo.counts.sum()
    assert lib.max() / lib.min() > 2.5, "library sizes vary"


def test_same_seed_same_cohort_other_seed_other_cohort():
    a = demo_cohort(n_patients=40, n_rna=20, n_genes=1000, seed=5)
    b = demo_cohort(n_patients=40, n_rna=20, n_genes=1000, seed=5)
    c = demo_cohort(n_patients=40, n_rna=20, n_genes=1000, seed=6)
    pd.testing.assert_frame_equal(a.clinical, b.clinical)
    pd.testing.assert_frame_equal(a.counts, b.counts)
    assert a.gene_sets == b.gene_sets
    assert not a.clinical.mfs_time.equals(c.clinical.mfs_time)


def test_clinical_does_not_depend_on_gene_count():
    a = demo_cohort(n_patients=40, n_rna=20, n_genes=1000, seed=5)
    b = demo_cohort(n_patients=40, n_rna=20, n_genes=2000, seed=5)
    pd.testing.assert_frame_equal(a.clinical.drop(columns=["has_rna", "rna_batch"]),
                                  b.clinical.drop(columns=["has_rna", "rna_batch"]))


def test_true_groups_differ_in_survival(demo):
    from lifelines.statistics import logrank_test, multivariate_logrank_test

    c, t = demo.clinical, demo.truth_patients
    img = multivariate_logrank_test(c.mfs_time, t.imaging_group, c.mfs_event)
    assert img.p_value < 0.001
    rna = logrank_test(c.mfs_time[t.rna_group == "RA"], c.mfs_time[t.rna_group == "RB"],
                       c.mfs_event[t.rna_group == "RA"], c.mfs_event[t.rna_group == "RB"])
    assert rna.p_value < 0.01
    rates = c.mfs_event.groupby([t.imaging_group, t.rna_group]).mean()
    assert rates.idxmax() == ("IA", "RA"), "the imaging-bad × RNA-bad hybrid is the worst"


def test_planted_genes_differ_between_rna_groups(demo):
    counts = demo.counts
    logcpm = np.log2((counts + 0.5) / (counts.sum() + 1) * 1e6).T
    ra = demo.truth_patients.loc[logcpm.index, "rna_group"] == "RA"
    t, p = stats.ttest_ind(logcpm[ra], logcpm[~ra], axis=0)
    p = pd.Series(p, index=logcpm.columns)
    diff = logcpm[ra].mean() - logcpm[~ra].mean()
    planted = demo.truth_genes.set_index("gene")
    hits = p[planted.index] < 1e-4
    assert hits.mean() > 0.9, "planted genes are differentially expressed"
    assert (np.sign(diff[planted.index]) == np.where(planted.direction == "up", 1, -1)).mean() > 0.95
    others = p.drop(planted.index)
    assert (others < 1e-4).mean() < 0.01, "unplanted genes are not"
    decoys = [g for name, genes in demo.gene_sets.items() if name.startswith("DECOY") for g in genes]
    assert not set(decoys) & set(planted.index)


def test_tumour_texture_and_size_differ_between_imaging_groups(small_demo_dir):
    import SimpleITK as sitk

    truth = pd.read_csv(small_demo_dir / "truth" / "patients.csv", index_col=0)
    manifest = read_manifest(small_demo_dir / "manifest.csv")
    rows = []
    for row in manifest[manifest.sequence == "T2"].itertuples():
        image = sitk.GetArrayFromImage(sitk.ReadImage(row.image)).astype(float)
        mask = sitk.GetArrayFromImage(sitk.ReadImage(row.mask)).astype(bool)
        inside = image[mask]
        voxel = np.prod(sitk.ReadImage(row.mask).GetSpacing())
        rows.append((row.patient_id, inside.std() / inside.mean(), mask.sum() * voxel))
    measured = pd.DataFrame(rows, columns=["patient_id", "cv", "volume"]).set_index("patient_id")
    group = truth.loc[measured.index, "imaging_group"]
    assert stats.mannwhitneyu(measured.cv[group == "IA"], measured.cv[group == "IC"]).pvalue < 0.01
    assert measured.cv[group == "IA"].median() > 2 * measured.cv[group == "IC"].median()
    assert measured.volume[group == "IA"].median() > measured.volume[group == "IC"].median()


def test_demo_files_and_truth(small_demo_dir):
    names = {p.name for p in small_demo_dir.iterdir()}
    assert {"clinical.csv", "counts.csv", "manifest.csv", "genesets.gmt", "cohort.h5mu", "truth",
            "images", "provenance.json"} <= names
    truth = json.loads((small_demo_dir / "truth" / "truth.json").read_text())
    assert truth["hazard_ratios"]["imaging_IA"] == pytest.approx(2.5)
    provenance = json.loads((small_demo_dir / "provenance.json").read_text())
    assert provenance["seed"] == 3 and "numpy" in provenance["packages"]
    # anisotropic spacing that varies by scanner
    import SimpleITK as sitk

    clinical = pd.read_csv(small_demo_dir / "clinical.csv", index_col=0)
    manifest = read_manifest(small_demo_dir / "manifest.csv")
    spacing = {clinical.at[r.patient_id, "scanner"]: sitk.ReadImage(r.image).GetSpacing()
               for r in manifest.itertuples()}
    assert len(set(spacing.values())) == len(spacing) > 1
    assert all(s[2] > s[0] for s in spacing.values())


def test_repeat_masks_are_close_but_not_identical(small_demo_dir):
    import SimpleITK as sitk

    manifest = read_manifest(small_demo_dir / "manifest.csv")
    rows = manifest[manifest.repeat_mask != ""].drop_duplicates("patient_id")
    assert len(rows) == 8
    for row in rows.itertuples():
        a = sitk.GetArrayFromImage(sitk.ReadImage(row.mask)).astype(bool)
        b = sitk.GetArrayFromImage(sitk.ReadImage(row.repeat_mask)).astype(bool)
        dice = 2 * (a & b).sum() / (a.sum() + b.sum())
        assert 0.7 < dice < 1.0
