"""Readers, writers and the cohort container: round trips and orientation detection."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from omics.data import (OverlapWarning, build_cohort, clinical_of, modality_table, read_clinical, read_cohort,
                        read_counts, read_features, read_gmt, read_manifest, write_cohort, write_gmt,
                        write_table)
from omics.data.io import atomic_path


@pytest.fixture
def clinical():
    return pd.DataFrame({"patient_id": ["P1", "P2", "P3", "P4"], "age": [50.0, 61.5, 70.2, 44.0],
                         "sex": ["F", "M", "M", "F"], "time": [12.0, 30.5, 5.2, 60.0],
                         "event": [1, 0, 1, 0]})


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".xlsx", ".parquet"])
def test_clinical_round_trip_every_format(tmp_path, clinical, suffix):
    path = tmp_path / f"clinical{suffix}"
    write_table(clinical, path, index=False)
    read = read_clinical(path, time="time", event="event")
    assert list(read.index) == ["P1", "P2", "P3", "P4"]
    assert read.index.name == "patient_id"
    pd.testing.assert_series_equal(read["age"], clinical.set_index("patient_id")["age"], check_names=False,
                                   check_index_type=False)


@pytest.mark.parametrize("name", ["patient_id", None])
def test_parquet_keeps_a_saved_index(tmp_path, clinical, name):
    """pandas stores the index of a parquet file (named, or as __index_level_0__): keep it."""
    from omics.data import read_table

    frame = clinical.set_index("patient_id").rename_axis(name)
    path = write_table(frame, tmp_path / "clinical.parquet")
    pd.testing.assert_frame_equal(read_table(path), frame)
    by_position = read_table(path, index_col=0)
    assert list(by_position.index) == ["P1", "P2", "P3", "P4"] and list(by_position.columns) == list(frame.columns)
    if name:
        pd.testing.assert_frame_equal(read_table(path, index_col=name), frame)
        pd.testing.assert_frame_equal(read_clinical(path), frame)


def test_parquet_index_written_without_pandas_metadata(tmp_path, clinical):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from omics.data import read_table

    table = pa.table({"age": clinical["age"], "__index_level_0__": clinical["patient_id"]})
    pq.write_table(table, tmp_path / "bare.parquet")
    read = read_table(tmp_path / "bare.parquet")
    assert list(read.index) == ["P1", "P2", "P3", "P4"] and list(read.columns) == ["age"]


def _counts(rng, n_samples=6, n_genes=40):
    return pd.DataFrame(rng.poisson(20, (n_genes, n_samples)),
                        index=[f"g{i}" for i in range(n_genes)], columns=[f"P{i}" for i in range(n_samples)])


def test_counts_genes_by_samples_detected_and_transposed(tmp_path):
    table = _counts(np.random.default_rng(0))
    write_table(table, tmp_path / "counts.csv")
    counts = read_counts(tmp_path / "counts.csv")
    assert counts.attrs["orientation"] == "genes x samples"
    assert counts.shape == (6, 40)
    assert counts.loc["P2", "g7"] == table.loc["g7", "P2"]


def test_counts_samples_by_genes_detected_from_ids(tmp_path):
    # Wide-but-few-genes table: shape alone would guess wrong, the known IDs decide.
    table = _counts(np.random.default_rng(1), n_samples=10, n_genes=4).T
    write_table(table, tmp_path / "counts.tsv")
    counts = read_counts(tmp_path / "counts.tsv", sample_ids=[f"P{i}" for i in range(10)])
    assert counts.attrs["orientation"] == "samples x genes"
    assert counts.shape == (10, 4)


def test_counts_explicit_orientation_overrides_detection(tmp_path):
    table = _counts(np.random.default_rng(2))
    write_table(table, tmp_path / "counts.csv")
    counts = read_counts(tmp_path / "counts.csv", orientation="samples x genes")
    assert counts.shape == (40, 6)


def test_features_round_trip(tmp_path):
    feats = pd.DataFrame(np.random.default_rng(0).normal(size=(5, 3)), columns=list("abc"),
                         index=pd.Index([f"P{i}" for i in range(5)], name="patient_id"))
    write_table(feats, tmp_path / "f.csv")
    pd.testing.assert_frame_equal(read_features(tmp_path / "f.csv"), feats)


def test_gmt_round_trip(tmp_path):
    sets = {"SET_A": ["TP53", "MYC"], "SET_B": ["EGFR"]}
    write_gmt(sets, tmp_path / "s.gmt")
    assert read_gmt(tmp_path / "s.gmt") == sets


def test_manifest_resolves_relative_paths(small_demo_dir):
    manifest = read_manifest(small_demo_dir / "manifest.csv")
    assert set(manifest.sequence) == {"T1", "T2", "CET1"}
    assert manifest.image.str.startswith(str(small_demo_dir.resolve())).all()
    assert (manifest.repeat_mask != "").sum() == 8 * 3


def test_cohort_round_trip_h5mu(tmp_path, clinical):
    clin = clinical.set_index("patient_id")
    rng = np.random.default_rng(0)
    counts = pd.DataFrame(rng.poisson(10, (3, 20)), index=["P1", "P2", "P4"], columns=[f"g{i}" for i in range(20)])
    feats = pd.DataFrame(rng.normal(size=(4, 5)), index=clin.index, columns=list("vwxyz"))
    with pytest.warns(OverlapWarning, match=r"3 patients in both.*1 only in clinical table \(P3\)"):
        mdata = build_cohort(clin, counts=counts, features={"hrf": feats})
    assert mdata.n_obs == 4
    assert mdata.uns["overlap"]["rna"] == {"n_patients": 3, "n_clinical_without": 1}
    write_cohort(mdata, tmp_path / "c.h5mu")
    back = read_cohort(tmp_path / "c.h5mu")
    pd.testing.assert_frame_equal(modality_table(back, "rna", layer="counts").astype(int),
                                  counts.astype(int), check_names=False)
    np.testing.assert_allclose(modality_table(back, "hrf").loc[feats.index].to_numpy(), feats.to_numpy())
    got = clinical_of(back)
    assert list(got.columns) == list(clin.columns)
    assert got.loc["P3", "sex"] == "M"


def test_atomic_path_leaves_no_trace_on_failure(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("original")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("partial")
            raise RuntimeError("writer crashed")
    assert target.read_text() == "original"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]
