"""`omics preprocess`, `extract`, `icc`, `rings`, `midslice` end to end on a tiny phantom cohort."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import SimpleITK as sitk

from omics.cli import main
from omics.imaging.synthetic import make_phantom_cohort

FAST = str(Path(__file__).resolve().parent / "data" / "imaging" / "fast_preset.yaml")


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli_cohort")
    make_phantom_cohort(out, n_per_group=2, seed=7, bias_strength=0.3)
    return out


def test_preprocess_extract_icc_pipeline(cohort, tmp_path, capsys):
    manifest = str(cohort / "manifest.csv")
    refs, pre, feats, icc, final = (tmp_path / d for d in ("refs", "pre", "feats", "icc", "final"))
    assert main(["preprocess", manifest, "--build-references", "--out", str(refs)]) == 0
    assert sorted(p.name for p in refs.glob("reference_*.nii.gz")) == [
        "reference_CET1.nii.gz", "reference_T1.nii.gz", "reference_T2.nii.gz"]
    assert pd.read_csv(refs / "patients.csv")["patient_id"].tolist() == ["PH001", "PH002", "PH003", "PH004"]
    # per-patient runs (as the Snakemake rules do) into their own folders
    for pid in ("PH001", "PH002", "PH003", "PH004"):
        assert main(["preprocess", manifest, "--patients", pid, "--references", str(refs),
                     "--output-range=-10000,10000", "--out", str(pre / pid)]) == 0
    one = pd.read_csv(pre / "PH001" / "manifest.csv")
    assert one["sequence"].tolist() == ["T1", "T2", "CET1"] and (one["repeat_mask"] == "PH001/mask_repeat.nii.gz").all()
    img = sitk.ReadImage(str(pre / "PH001" / "PH001" / "T2.nii.gz"))
    assert img.GetSpacing() == (1.0, 1.0, 4.0)
    values = sitk.GetArrayViewFromImage(img)
    assert values.min() >= -10000 and values.max() <= 10000
    steps = pd.read_csv(pre / "PH001" / "steps.csv")
    assert {"resample", "n4", "histogram_match"} <= set(steps["step"])
    manifests = [str(pre / pid / "manifest.csv") for pid in ("PH001", "PH002", "PH003", "PH004")]
    assert main(["extract", *manifests, "--preset", FAST, "--quiet", "--n-jobs", "1", "--out", str(feats)]) == 0
    features = pd.read_csv(feats / "features.csv", index_col=0)
    assert features.shape[0] == 4 and all(c.count("__") == 2 for c in features.columns)
    prov = json.loads((feats / "provenance.json").read_text())
    assert prov["parameters"]["preset"]["pyradiomics"]["setting"]["binCount"] == 32
    assert main(["icc", "--features", str(feats / "features.csv"), "--repeat", str(feats / "features_repeat.csv"),
                 "--icc-type", "ICC3", "--threshold", "0.8", "--figures", str(tmp_path / "fig"), "--out", str(icc)]) == 0
    table = pd.read_csv(icc / "icc.csv")
    kept = pd.read_csv(icc / "handcrafted_features.csv", index_col=0)
    assert list(kept.columns) == table.loc[table["retained"], "feature"].tolist()
    assert kept.index.name == "patient_id" and (tmp_path / "fig" / "icc_distribution.png").stat().st_size > 1000
    counts = pd.read_csv(icc / "retained_counts.csv")
    assert counts.iloc[-1]["n_retained"] == kept.shape[1]
    # apply mode: an existing selection on another (e.g. harmonised) table
    assert main(["icc", "--features", str(feats / "features.csv"), "--icc-table", str(icc / "icc.csv"),
                 "--out", str(final)]) == 0
    pd.testing.assert_frame_equal(pd.read_csv(final / "handcrafted_features.csv", index_col=0), kept)


def test_cli_errors_exit_2(cohort, tmp_path, capsys):
    manifest = str(cohort / "manifest.csv")
    assert main(["preprocess", manifest, "--patients", "PH001", "--out", str(tmp_path / "x")]) == 2
    assert "needs --references" in capsys.readouterr().err
    assert main(["preprocess", manifest, "--patients", "NOPE", "--no-histogram-match",
                 "--out", str(tmp_path / "y")]) == 2
    assert "NOPE" in capsys.readouterr().err
    assert main(["extract", manifest, "--preset", "no_such_preset", "--out", str(tmp_path / "z")]) == 2
    assert "no_such_preset" in capsys.readouterr().err


def test_rings_and_midslice_commands(cohort, tmp_path):
    mask = str(cohort / "images" / "PH001" / "mask.nii.gz")
    assert main(["rings", mask, "--distances", "2,4", "--patient", "PH001", "--out", str(tmp_path / "r")]) == 0
    vol = pd.read_csv(tmp_path / "r" / "volumes.csv").set_index("roi")
    assert list(vol.index) == ["tumour", "peri2mm", "tumour_peri2mm", "peri4mm", "tumour_peri4mm"]
    assert vol.loc["tumour_peri4mm", "voxels"] == vol.loc["tumour", "voxels"] + vol.loc["peri4mm", "voxels"]
    assert vol.loc["peri2mm", "voxels"] < vol.loc["peri4mm", "voxels"]
    image = str(cohort / "images" / "PH001" / "CET1.nii.gz")
    assert main(["midslice", image, mask, "--crop", "--out", str(tmp_path / "m")]) == 0
    sl = sitk.GetArrayFromImage(sitk.ReadImage(str(tmp_path / "m" / "midslice.nii.gz")))
    msk = sitk.GetArrayFromImage(sitk.ReadImage(str(tmp_path / "m" / "midslice_mask.nii.gz")))
    assert sl.ndim == 2 and np.all(sl[msk == 0] == 0) and np.all(sl[msk == 1] > 0)


def test_preprocess_refuses_mask_not_drawn_on_cet1(cohort, tmp_path, capsys):
    manifest = pd.read_csv(cohort / "manifest.csv", keep_default_na=False)
    bad = sitk.ReadImage(str(cohort / "images" / "PH002" / "mask.nii.gz"))
    bad.SetSpacing((2.0, 2.0, 2.0))
    sitk.WriteImage(bad, str(tmp_path / "bad_mask.nii.gz"))
    manifest.loc[manifest["patient_id"] == "PH002", "mask"] = str(tmp_path / "bad_mask.nii.gz")
    manifest["image"] = [str(cohort / p) for p in manifest["image"]]
    manifest["repeat_mask"] = ""
    manifest.to_csv(tmp_path / "manifest.csv", index=False)
    assert main(["preprocess", str(tmp_path / "manifest.csv"), "--patients", "PH002", "--no-histogram-match",
                 "--no-n4", "--out", str(tmp_path / "out")]) == 2
    assert "patient PH002: mask geometry does not match the image" in capsys.readouterr().err
