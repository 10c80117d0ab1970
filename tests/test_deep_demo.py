"""Deep radiomics on the demo cohort: slices, the planted imaging phenotype, the CLI."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import torch

from omics import deep
from omics.cli import main
from omics.survival import logrank_test

torch.set_num_threads(1)

SMALL = ["--latent", "32", "--base-channels", "8", "--depth", "2", "--learning-rate", "0.005"]


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    from omics.data import demo_cohort

    out = tmp_path_factory.mktemp("deep_demo")
    demo_cohort(out=out, n_patients=100, n_test=20, n_rna=10, n_genes=1000, n_repeat=0, seed=1)
    return out


@pytest.fixture(scope="module")
def slices(demo_dir):
    return deep.extract_slices(demo_dir / "manifest.csv", size=32)


@pytest.fixture(scope="module")
def clinical(demo_dir):
    return pd.read_csv(demo_dir / "clinical.csv", index_col=0, dtype={"patient_id": str})


def test_slices_are_cropped_scaled_and_masked(slices, demo_dir):
    manifest = pd.read_csv(demo_dir / "manifest.csv", dtype=str)
    assert list(slices.patients) == list(dict.fromkeys(manifest.patient_id))
    assert slices.images.shape == (100, 1, 32, 32) and slices.images.dtype == np.float32
    assert slices.images.min() == 0 and slices.images.max() == 1
    outside = slices.masks[:, None] == 0
    assert np.all(slices.images[outside] == 0)                  # background removed
    # cropped to the tumour box + 10 % margin per side: the longer extent spans ~1/1.2 of the field
    rows, cols = slices.masks.any(axis=2).sum(1), slices.masks.any(axis=1).sum(1)
    extent = np.maximum(rows, cols) / 32
    assert extent.min() > 0.6 and extent.max() < 0.95, (extent.min(), extent.max())
    assert (slices.meta.tumour_pixels > 0).all()


def test_multichannel_and_25d_slices(demo_dir, tmp_path):
    from omics.imaging import read_patient_images

    patients = read_patient_images(demo_dir / "manifest.csv")[:3]
    stack = deep.extract_slices(patients, sequences=["CET1", "T2"], context=1, size=16, field_mm=40)
    assert stack.images.shape == (3, 6, 16, 16)
    assert stack.channels == ["CET1[-1]", "CET1[+0]", "CET1[+1]", "T2[-1]", "T2[+0]", "T2[+1]"]
    single = deep.extract_slices(patients, size=16, field_mm=40)
    # same field: the centre channel is the 2-D slice; neighbours differ from it
    np.testing.assert_array_equal(stack.images[:, 1], single.images[:, 0])
    assert not np.array_equal(stack.images[:, 0], stack.images[:, 1])
    assert (stack.meta.field_mm == 40).all()
    stack.write(tmp_path / "s")
    back = deep.read_slices(tmp_path / "s")
    np.testing.assert_array_equal(back.images, stack.images)
    assert back.channels == stack.channels and list(back.patients) == list(stack.patients)
    adata = stack.to_anndata()
    assert adata.shape == (3, 6 * 16 * 16) and list(adata.obs_names) == list(stack.patients)


def test_hscae_groups_find_the_planted_phenotype_and_separate_survival(slices, clinical, demo_dir):
    from sklearn.metrics import adjusted_rand_score

    truth = pd.read_csv(demo_dir / "truth" / "patients.csv", index_col=0)
    training = clinical.index[clinical.cohort == "training"]
    config = deep.TrainConfig(model="hscae", latent=32, base_channels=8, depth=2, learning_rate=5e-3, seed=1)
    model = deep.train_final(slices.subset(training), survival=clinical[["mfs_time", "mfs_event"]], epochs=15, config=config)
    groups = deep.deep_groups(model.encode(slices), clinical.cohort, name="HSCAE").labels.group
    ari = adjusted_rand_score(truth.loc[groups.index, "imaging_group"], groups)
    # measured 0.27-0.42 over seeds on 120 patients; chance is 0
    assert ari > 0.15, ari
    test = logrank_test(clinical.loc[groups.index, "mfs_time"], clinical.loc[groups.index, "mfs_event"], groups)
    assert test.p_value < 0.05, test


def test_cli_repeats_as_jobs_equal_one_process(demo_dir, tmp_path):
    out = tmp_path
    assert main(["deep", "slices", str(demo_dir / "manifest.csv"), "--size", "32", "--out", str(out / "slices")]) == 0
    common = ["--slices", str(out / "slices"), "--clinical", str(demo_dir / "clinical.csv"), "--model", "hscae",
              *SMALL, "--max-epochs", "2", "--patience", "2", "--seed", "4"]
    for r in (0, 1):                                             # one "job" per repeat
        assert main(["deep", "train", *common, "--repeat", str(r), "--out", str(out / "cv")]) == 0
    cv = [str(out / "cv" / f"repeat_{r}.json") for r in (0, 1)]
    assert main(["deep", "train", *common, "--final", "--cv", *cv, "--out", str(out / "jobs")]) == 0
    assert main(["deep", "train", *common, "--repeats", "2", "--out", str(out / "single")]) == 0
    a = torch.load(out / "jobs" / "model.pt", weights_only=True)
    b = torch.load(out / "single" / "model.pt", weights_only=True)
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    for figure in ("cv_learning_curves.png", "reconstructions.png"):
        assert (out / "jobs" / figure).stat().st_size > 1000
    card = json.loads((out / "jobs" / "model.json").read_text())
    assert card["architecture"]["model"] == "hscae" and card["input"]["size"] == 32
    assert card["training"]["n_patients"] == 80

    assert main(["deep", "extract", "--model", str(out / "jobs"), "--slices", str(out / "slices"),
                 "--clinical", str(demo_dir / "clinical.csv"), "--cv", *cv, "--out", str(out / "tables")]) == 0
    features = pd.read_csv(out / "tables" / "hscae_features.csv", dtype={"patient_id": str})
    assert features.columns[0] == "patient_id" and features.shape == (100, 33)
    import anndata

    modality = anndata.read_h5ad(out / "tables" / "hscae_features.h5ad")
    assert modality.uns["modality"]["kind"] == "hscae" and modality.shape == (100, 32)
    np.testing.assert_allclose(modality.X, features.iloc[:, 1:].to_numpy(), rtol=1e-6)
    groups = pd.read_csv(out / "tables" / "hscae_groups.csv", index_col=0)
    assert set(groups.group) == {"A_HSCAE", "B_HSCAE"}
    assert set(groups.loc[groups.cohort == "testing", "source"]) == {"assigned"}
    summary = pd.read_csv(out / "tables" / "hscae_reconstruction_summary.csv")
    assert set(summary.cohort) == {"training", "testing", "heldout"}
    assert (summary.criterion == 0.01).all()

    assert main(["deep", "cam", "--model", str(out / "jobs"), "--slices", str(out / "slices"),
                 "--groups", str(out / "tables" / "hscae_groups.csv"), "--per-patient",
                 "--out", str(out / "figures")]) == 0
    assert len(list((out / "figures" / "hscae_patients").glob("STS*.png"))) == 100
    assert (out / "figures" / "hscae_cam_grid.png").stat().st_size > 1000
    with np.load(out / "figures" / "hscae_cam.npz") as data:
        assert data["maps"].shape == (100, 32, 32)


def test_cli_bad_input_is_one_line(demo_dir, tmp_path, capsys):
    code = main(["deep", "train", "--slices", str(tmp_path / "nothing"), "--clinical",
                 str(demo_dir / "clinical.csv"), "--out", str(tmp_path / "o")])
    assert code == 2
    assert "omics deep slices" in capsys.readouterr().err
