"""Deep-radiomics results speak the one result vocabulary; the API pieces the CLI used to
compute (training set selection, the CAE's group classifier, QC and CV tables) are tested
here without training a network."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from omics._result import Result
from omics.data.validate import InputError
from omics.deep.cam import group_classifier
from omics.deep.slices import SliceSet
from omics.deep.train import CVRepeats, ReconstructionQC, RepeatResult, qc_summary, read_repeats, training_set


def _slices(n=6, size=8):
    rng = np.random.default_rng(0)
    ids = pd.Index([f"P{i}" for i in range(n)])
    meta = pd.DataFrame({"slice_index": np.arange(n), "tumour_pixels": np.full(n, 10)}, index=ids)
    return SliceSet(rng.random((n, 1, size, size), dtype=np.float32), np.ones((n, size, size), np.uint8), ids,
                    meta, ["CET1"])


def _repeat(r, best):
    history = pd.DataFrame({"epoch": [1, 2, 3], "heldout_mse": [0.3, 0.2, 0.25], "heldout_loss": [0.3, 0.2, 0.25]})
    return RepeatResult(r, r, ["P0"], history, best, pd.Series({"P0": 0.01 * (r + 1)}, name="mse"),
                        {"model": "cae"})


def test_slice_set_and_repeat_results_write(tmp_path):
    slices = _slices()
    assert isinstance(slices, Result) and repr(slices).startswith("SliceSet(6 patients")
    assert {p.name for p in slices.write(tmp_path / "s").values()} == {"slices.npz", "slices.csv"}
    rep = _repeat(2, 2)
    path = rep.write(tmp_path)["repeat"]
    assert path.name == "repeat_2.json"
    assert rep.write(tmp_path / "x" / "custom.json")["repeat"].name == "custom.json"
    (back,) = read_repeats([path])
    assert back.best_epoch == 2 and back.heldout == ["P0"]
    assert "best epoch 2" in repr(back)


def test_cv_repeats_and_reconstruction_qc(tmp_path):
    cv = CVRepeats([_repeat(0, 2), _repeat(1, 3), _repeat(2, 3)])
    assert cv.epochs == 3 and cv.summary["repeat"].tolist() == [0, 1, 2]
    assert len(cv.to_frame()) == 9 and set(cv.to_frame()["repeat"]) == {0, 1, 2}
    assert pd.read_csv(cv.write(tmp_path)["summary"])["best_epoch"].tolist() == [2, 3, 3]
    table = pd.DataFrame({"patient_id": ["P0", "P1", "P2"], "mse": [0.001, 0.02, 0.003],
                          "mse_tumour": [0.002, 0.03, 0.004], "cohort": ["training", "training", "testing"]})
    table["below_criterion"] = table["mse"] < 0.01
    qc = ReconstructionQC(table)
    pd.testing.assert_frame_equal(qc.summary, qc_summary(table))
    assert qc_summary(qc).equals(qc.summary)
    paths = qc.write(tmp_path, prefix="cae_")
    assert {p.name for p in paths.values()} == {"cae_reconstruction_qc.csv", "cae_reconstruction_summary.csv"}
    assert {p.name for p in qc.write(tmp_path, suffix="_training").values()} == {
        "reconstruction_qc_training.csv", "reconstruction_summary_training.csv"}
    assert "training: 2 patients" in repr(qc)


def test_training_set_selects_the_training_cohort():
    slices = _slices()
    clinical = pd.DataFrame({"cohort": ["training"] * 4 + ["testing", "training"], "time": np.arange(6.0),
                             "event": [1, 0, 1, 0, 1, 1]}, index=[f"P{i}" for i in range(6)])
    train, survival = training_set(slices, clinical, survival=["time", "event"])
    assert list(train.patients) == ["P0", "P1", "P2", "P3", "P5"]
    assert list(survival.columns) == ["time", "event"]
    train, survival = training_set(slices, clinical)
    assert survival is None and len(train.patients) == 5
    with pytest.raises(InputError, match="only 1 patient"):
        training_set(slices, clinical, training="testing")
    with pytest.raises(InputError, match="no column"):
        training_set(slices, clinical, survival=["os_time", "os_event"])


def test_group_classifier_fits_the_clustered_patients():
    rng = np.random.default_rng(1)
    centres = np.array([[3.0, -3.0, 0.0, 1.0], [-3.0, 3.0, 1.0, 0.0]])
    labels = np.array(["A", "B"] * 5)
    features = pd.DataFrame(centres[(labels == "B").astype(int)] + rng.normal(0, 0.1, (10, 4)),
                            index=[f"P{i}" for i in range(10)])
    groups = pd.DataFrame({"group": labels, "source": ["clustered"] * 8 + ["assigned"] * 2}, index=features.index)
    clf = group_classifier(features, groups)
    assert list(clf.predict(features.iloc[8:])) == ["A", "B"]
    with pytest.raises(InputError, match="no row for clustered"):
        group_classifier(features.iloc[2:], groups)
