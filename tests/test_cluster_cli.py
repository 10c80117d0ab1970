"""The cluster CLI commands (`omics consensus`, `hierarchical`, `assign`, `hybrid`) and the
Snakemake rules' wiring (dry run)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from omics.cli import main
from omics.cluster import consensus_cluster

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data" / "cluster"


def features(tmp_path, n_per=(12, 9, 6), n_features=10, seed=0, name="features.csv", every=1):
    rng = np.random.default_rng(seed)
    truth = np.repeat(np.arange(len(n_per)), n_per)
    centres = rng.normal(scale=2.0, size=(len(n_per), n_features))
    ids = [f"STS{i:03d}" for i in range(1, len(truth) + 1)]
    frame = pd.DataFrame(centres[truth] + rng.normal(size=(len(truth), n_features)),
                         index=pd.Index(ids, name="patient_id"), columns=[f"f{j}" for j in range(n_features)])
    frame = frame.iloc[::every]
    path = tmp_path / name
    frame.to_csv(path)
    return path, frame, pd.Series(truth[::every], index=frame.index)


def test_consensus_command_writes_tables_figures_and_provenance(tmp_path):
    path, frame, truth = features(tmp_path)
    out = tmp_path / "out"
    code = main(["consensus", str(path), "--k", "2-4", "--reps", "60", "--p-item", "0.8", "--seed", "3",
                 "--scale", "center-scale", "--name", "hRF", "--out", str(out)])
    assert code == 0
    labels = pd.read_csv(out / "labels.csv", index_col=0)
    assert list(labels.columns) == ["k2", "k3", "k4"] and labels.index.name == "patient_id"
    assert adjusted_rand_score(truth, labels["k3"]) == 1.0
    summary = pd.read_csv(out / "summary.csv")
    assert list(summary.columns[:4]) == ["k", "area", "delta_area", "pac"]
    api = consensus_cluster(frame, k=[2, 3, 4], reps=60, p_item=0.8, seed=3, scale="center-scale")
    np.testing.assert_allclose(summary["pac"], api.summary["pac"])
    consensus = pd.read_csv(out / "consensus_k3.csv", index_col=0)
    np.testing.assert_allclose(consensus.to_numpy(), api.consensus[3])
    for name in ("hRF_cdf.png", "hRF_pac.png", "hRF_delta_area.png", "hRF_consensus_k3.png",
                 "hRF_item_consensus_k4.png"):
        assert (out / "figures" / name).stat().st_size > 1000
    provenance = json.loads((out / "provenance.json").read_text())
    assert provenance["seed"] == 3 and provenance["parameters"]["reps"] == 60
    assert provenance["parameters"]["suggested_k"] in (2, 3, 4)


def test_consensus_command_reports_bad_input(tmp_path, capsys):
    path, frame, _ = features(tmp_path)
    assert main(["consensus", str(path), "--k", "2-40", "--reps", "5", "--no-figures",
                 "--out", str(tmp_path / "o")]) == 2
    assert "cannot form K=40" in capsys.readouterr().err
    frame.assign(f3=np.nan).to_csv(tmp_path / "nan.csv")
    assert main(["consensus", str(tmp_path / "nan.csv"), "--reps", "5", "--k", "2", "--no-figures",
                 "--out", str(tmp_path / "o")]) == 2
    assert "NaN" in capsys.readouterr().err
    frame.assign(flat=2.0).to_csv(tmp_path / "flat.csv")
    assert main(["consensus", str(tmp_path / "flat.csv"), "--reps", "5", "--k", "2", "--no-figures",
                 "--out", str(tmp_path / "o")]) == 2
    assert "constant" in capsys.readouterr().err
    assert main(["consensus", str(tmp_path / "flat.csv"), "--reps", "5", "--k", "2", "--no-figures",
                 "--drop-constant", "--out", str(tmp_path / "o")]) == 0
    assert "dropped 1 constant feature(s): flat" in capsys.readouterr().out
    provenance = json.loads((tmp_path / "o" / "provenance.json").read_text())
    assert provenance["parameters"]["dropped_constant_features"] == ["flat"]


def test_hybrid_and_assign_commands(tmp_path):
    hrf_path, hrf, _ = features(tmp_path, name="hrf.csv")
    rna_path, rna, _ = features(tmp_path, n_per=(10, 8), n_features=30, seed=4, name="rna.csv", every=2)
    for path, out, k in ((hrf_path, "hRF", "2-3"), (rna_path, "RNA", "2")):
        assert main(["consensus", str(path), "--k", k, "--reps", "30", "--seed", "1", "--no-figures",
                     "--out", str(tmp_path / out)]) == 0
    assert main(["hybrid", "--a", str(tmp_path / "hRF" / "labels.csv"), "--a-column", "k3",
                 "--b", str(tmp_path / "RNA" / "labels.csv"), "--b-column", "k2",
                 "--level", "A_hRF×A_RNA", "--out", str(tmp_path / "cluster")]) == 0
    groups = pd.read_csv(tmp_path / "cluster" / "groups.csv", keep_default_na=False)
    assert list(groups.columns) == ["patient_id", "hrf", "rna", "hybrid", "hybrid_binary"]
    assert len(groups) == len(hrf)
    with_rna = groups["rna"] != ""
    assert with_rna.sum() == len(rna)
    assert (groups.loc[~with_rna, ["hybrid", "hybrid_binary"]] == "").all().all()
    both = groups[with_rna]
    assert (both["hybrid"] == both["hrf"] + "×" + both["rna"]).all()
    assert set(both["hybrid_binary"]) <= {"A_hRF×A_RNA", "Others"}
    assert ((both["hybrid_binary"] == "A_hRF×A_RNA") == (both["hybrid"] == "A_hRF×A_RNA")).all()
    assert (tmp_path / "cluster" / "agreement.csv").exists()

    train, new = hrf.iloc[::2], hrf.iloc[1::2]
    train.to_csv(tmp_path / "train.csv")
    new.to_csv(tmp_path / "new.csv")
    assert main(["assign", "--train", str(tmp_path / "train.csv"), "--labels",
                 str(tmp_path / "hRF" / "labels.csv"), "--column", "k3", "--new", str(tmp_path / "new.csv"),
                 "--out", str(tmp_path / "assigned")]) == 0
    assigned = pd.read_csv(tmp_path / "assigned" / "assignments.csv", index_col=0)
    reference = pd.read_csv(tmp_path / "hRF" / "labels.csv", index_col=0)["k3"]
    assert (assigned["cluster"] == reference.loc[assigned.index]).all()
    distances = assigned.filter(like="distance_")
    assert (distances.idxmin(axis=1).str.replace("distance_", "") == assigned["cluster"]).all()


def test_hierarchical_command(tmp_path):
    from omics.cluster import hierarchical_cluster

    path, frame, _ = features(tmp_path)
    assert main(["hierarchical", str(path), "--k", "2-3", "--scale", "center-scale", "--linkage", "complete",
                 "--out", str(tmp_path / "h")]) == 0
    labels = pd.read_csv(tmp_path / "h" / "labels.csv", index_col=0)
    api = hierarchical_cluster(frame, k=[2, 3], scale="center-scale", linkage="complete")
    pd.testing.assert_frame_equal(labels, api.labels)


