"""Every bad input gets an actionable error, and its file is left untouched."""

from __future__ import annotations

import hashlib
import warnings

import numpy as np
import pandas as pd
import pytest

from omics.data import (InputError, OverlapWarning, build_cohort, check_image_geometry, check_overlap,
                        read_clinical, read_counts, read_features, read_gmt, read_manifest, write_table)


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _assert_refused(path, reader, match, **kwargs):
    before = _digest(path)
    with pytest.raises(InputError, match=match):
        reader(path, **kwargs)
    assert _digest(path) == before, "a reader modified its input file"


@pytest.fixture
def clinical():
    return pd.DataFrame({"patient_id": ["P1", "P2", "P3"], "time": [10.0, 20.0, 30.0], "event": [1, 0, 1]})


def test_duplicated_ids(tmp_path, clinical):
    clinical.loc[2, "patient_id"] = "P1"
    write_table(clinical, tmp_path / "c.csv", index=False)
    _assert_refused(tmp_path / "c.csv", read_clinical, r"1 duplicated patient ID.*P1")


def test_missing_survival_columns(tmp_path, clinical):
    write_table(clinical.drop(columns="event"), tmp_path / "c.csv", index=False)
    _assert_refused(tmp_path / "c.csv", read_clinical, r"missing survival column.*'event'", time="time", event="event")


def test_time_negative_refused_zero_accepted(tmp_path, clinical):
    # R's survival accepts time 0 (issue 10, item 10); only negative times are refused.
    clinical.loc[1, "time"] = -3.0
    write_table(clinical, tmp_path / "c.csv", index=False)
    _assert_refused(tmp_path / "c.csv", read_clinical, r"must be >= 0.*P2", time="time", event="event")
    clinical.loc[1, "time"] = 0.0
    write_table(clinical, tmp_path / "z.csv", index=False)
    assert read_clinical(tmp_path / "z.csv", time="time", event="event").loc["P2", "time"] == 0.0


@pytest.mark.parametrize("bad", [2, -1, "yes"])
def test_event_not_binary(tmp_path, clinical, bad):
    clinical["event"] = clinical["event"].astype(object)
    clinical.loc[0, "event"] = bad
    write_table(clinical, tmp_path / "c.csv", index=False)
    _assert_refused(tmp_path / "c.csv", read_clinical, r"must be 0/1", time="time", event="event")


def test_missing_survival_values_refused_unless_allowed(tmp_path, clinical):
    clinical.loc[0, "time"] = np.nan
    write_table(clinical, tmp_path / "c.csv", index=False)
    _assert_refused(tmp_path / "c.csv", read_clinical, r"missing survival time/event.*P1", time="time", event="event")
    assert len(read_clinical(tmp_path / "c.csv", time="time", event="event", allow_missing_survival=True)) == 3


def _counts_file(tmp_path, value, name="counts.csv"):
    table = pd.DataFrame(np.arange(60).reshape(20, 3), index=[f"g{i}" for i in range(20)],
                         columns=["P1", "P2", "P3"]).astype(object)
    table.iloc[4, 1] = value
    write_table(table, tmp_path / name)
    return tmp_path / name


@pytest.mark.parametrize("value,match", [("abc", "non-numeric"), (-5, "negative counts.*P2"),
                                         (2.5, "must be integers.*P2"), (np.nan, "missing or infinite")])
def test_bad_counts(tmp_path, value, match):
    _assert_refused(_counts_file(tmp_path, value), read_counts, match)


@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_nan_or_inf_features(tmp_path, value):
    feats = pd.DataFrame({"patient_id": ["P1", "P2"], "f1": [1.0, value], "f2": [0.5, 0.2]})
    write_table(feats, tmp_path / "f.csv", index=False)
    _assert_refused(tmp_path / "f.csv", read_features, r"NaN or infinite values in 1 feature\(s\) \(f1\).*P2")


def test_constant_feature_refused_when_asked(tmp_path):
    feats = pd.DataFrame({"patient_id": ["P1", "P2"], "f1": [1.0, 1.0], "f2": [0.5, 0.2]})
    write_table(feats, tmp_path / "f.csv", index=False)
    _assert_refused(tmp_path / "f.csv", read_features, r"constant.*f1", allow_constant=False)


def test_ids_that_do_not_match(tmp_path):
    with pytest.raises(InputError, match=r"no patient IDs in common"):
        check_overlap(["P1", "P2"], ["X1", "X2"], "clinical", "counts")
    with pytest.warns(OverlapWarning, match=r"2 patients in both.*1 only in clinical \(P3\).*1 only in counts \(X9\)"):
        ov = check_overlap(["P1", "P2", "P3"], ["P1", "P2", "X9"], "clinical", "counts")
    assert ov.shared == ["P1", "P2"]


def test_modality_sample_without_clinical_row_is_refused():
    clinical = pd.DataFrame({"age": [1.0, 2.0]}, index=["P1", "P2"])
    counts = pd.DataFrame([[1, 2], [3, 4]], index=["P1", "P9"], columns=["g1", "g2"])
    with pytest.raises(InputError, match=r"1 IDs of modality 'rna' are not in clinical table: P9"):
        build_cohort(clinical, counts=counts)


def test_gmt_without_genes(tmp_path):
    (tmp_path / "s.gmt").write_text("SET_A\tdesc\n")
    _assert_refused(tmp_path / "s.gmt", read_gmt, r"s.gmt:1: a GMT line needs")


def test_manifest_missing_columns_and_files(tmp_path):
    (tmp_path / "m.csv").write_text("patient_id,sequence,image\nP1,T1,a.nii.gz\n")
    _assert_refused(tmp_path / "m.csv", read_manifest, r"missing column\(s\) \['mask'\]")
    (tmp_path / "m2.csv").write_text("patient_id,sequence,image,mask\nP1,T1,a.nii.gz,m.nii.gz\n")
    _assert_refused(tmp_path / "m2.csv", read_manifest, r"image file\(s\) not found, e.g. patient P1")


def _write_image(path, shape=(4, 5, 6), spacing=(1.0, 1.0, 3.0)):
    import SimpleITK as sitk

    image = sitk.GetImageFromArray(np.ones(shape, dtype=np.uint8))
    image.SetSpacing(spacing)
    sitk.WriteImage(image, str(path))


def test_mask_geometry_mismatch_names_the_patient(tmp_path):
    _write_image(tmp_path / "img.nii.gz")
    _write_image(tmp_path / "mask.nii.gz", spacing=(1.0, 1.0, 4.0))
    manifest = pd.DataFrame({"patient_id": ["P7"], "sequence": ["CET1"], "image": [str(tmp_path / "img.nii.gz")],
                             "mask": [str(tmp_path / "mask.nii.gz")], "repeat_mask": [""]})
    before = _digest(tmp_path / "mask.nii.gz")
    with pytest.raises(InputError, match=r"patient P7, CET1: mask geometry differs from the image \(spacing\)"):
        check_image_geometry(manifest)
    assert _digest(tmp_path / "mask.nii.gz") == before


def test_unreadable_image_is_reported(tmp_path):
    _write_image(tmp_path / "img.nii.gz")
    (tmp_path / "mask.nii.gz").write_bytes(b"not an image at all")
    manifest = pd.DataFrame({"patient_id": ["P8"], "sequence": ["T2"], "image": [str(tmp_path / "img.nii.gz")],
                             "mask": [str(tmp_path / "mask.nii.gz")], "repeat_mask": [""]})
    with pytest.raises(InputError, match=r"patient P8, T2: cannot read .*mask.nii.gz"):
        check_image_geometry(manifest)


def test_unreadable_table(tmp_path):
    (tmp_path / "c.xlsx").write_bytes(b"\x00\x01 definitely not excel")
    with pytest.raises(ValueError, match=r"c.xlsx: could not be read as a table"):
        read_clinical(tmp_path / "c.xlsx")


def test_patient_selector():
    from omics.data import select_patients

    clinical = pd.DataFrame({"cohort": ["training", "testing", "training"]}, index=["P1", "P2", "P3"])
    assert list(select_patients(clinical, "cohort=training")) == ["P1", "P3"]
    with pytest.raises(InputError, match="COLUMN=VALUE"):
        select_patients(clinical, "training")
    with pytest.raises(InputError, match="no column 'centre'"):
        select_patients(clinical, "centre=C1")
    with pytest.raises(InputError, match="no patient has cohort == 'validation'"):
        select_patients(clinical, "cohort=validation")


# ---------------------------------------------------------------- choosing patients (the CLI's --groups/--require/--subset)
def test_subset_masks_rules():
    from omics.data import subset_masks

    data = pd.DataFrame({"cohort": ["training", "testing", "training", "testing"],
                         "has_rna": [1.0, 0.0, 1.0, None], "rna": ["A", "", None, "B"]},
                        index=["P1", "P2", "P3", "P4"])
    masks = subset_masks(data, ["All=all", "RNA-seq=has_rna=1", "Training=cohort=training", "Typed=rna"])
    assert list(masks) == ["All", "RNA-seq", "Training", "Typed"]
    assert masks["All"].all()
    assert list(masks["RNA-seq"][masks["RNA-seq"]].index) == ["P1", "P3"]      # 1.0 matches "1"
    assert list(masks["Training"][masks["Training"]].index) == ["P1", "P3"]
    assert list(masks["Typed"][masks["Typed"]].index) == ["P1", "P4"]          # blank and NaN are no value
    assert subset_masks(data, {"T": "cohort=testing"})["T"].sum() == 2
    with pytest.raises(InputError, match="no column 'nope'"):
        subset_masks(data, ["X=nope=1"])
    with pytest.raises(InputError, match="NAME=all"):
        subset_masks(data, ["justaname"])


def test_with_values_and_join_groups():
    from omics.data import join_groups, with_values

    clinical = pd.DataFrame({"age": [50, 60, 70], "rna": ["x", "", "y"]}, index=["P1", "P2", "P3"])
    groups = pd.DataFrame({"rna": ["A", "B"]}, index=["P1", "P3"])
    assert list(with_values(clinical, ["rna"]).index) == ["P1", "P3"]
    with pytest.raises(InputError, match="no patient"):
        with_values(clinical.assign(rna=""), ["rna"])
    with pytest.warns(OverlapWarning):
        joined = join_groups(clinical, groups)
    assert joined["rna"].tolist()[0] == "A" and pd.isna(joined.loc["P2", "rna"])
    assert list(clinical["rna"]) == ["x", "", "y"], "inputs are not modified"


def test_read_patient_matrix_decides_and_records_the_orientation(tmp_path):
    from omics.data import read_patient_matrix

    rng = np.random.default_rng(0)
    genes_by_patients = pd.DataFrame(rng.normal(size=(30, 6)), index=[f"G{i}" for i in range(30)],
                                     columns=[f"P{i}" for i in range(6)])
    write_table(genes_by_patients, tmp_path / "m.csv")
    as_rows = read_patient_matrix(tmp_path / "m.csv")
    assert as_rows.shape == (30, 6) and as_rows.attrs["orientation_reason"] == "patients in rows, as documented"
    found = read_patient_matrix(tmp_path / "m.csv", patients=[f"P{i}" for i in range(6)], what="genes")
    assert found.shape == (6, 30) and found.attrs["orientation"] == "genes x samples"
    with pytest.raises(InputError, match="the patient axis holds genes"):
        read_patient_matrix(tmp_path / "m.csv", orientation="samples x genes", patients=["P0", "P1"], what="genes")
