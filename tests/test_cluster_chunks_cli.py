"""`omics consensus-chunk` + `omics consensus-merge` write exactly what `omics consensus` writes."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from omics.cli import main

OPTIONS = ["--k", "2-4", "--reps", "90", "--p-item", "0.7", "--seed", "5", "--scale", "center-scale",
           "--distance", "spearman", "--linkage", "complete", "--drop-constant"]


def features(tmp_path):
    rng = np.random.default_rng(1)
    truth = np.repeat([0, 1, 2], [11, 8, 6])
    values = rng.normal(scale=2.0, size=(3, 9))[truth] + rng.normal(size=(25, 9))
    frame = pd.DataFrame(values, index=pd.Index([f"P{i}" for i in range(25)], name="patient_id"),
                         columns=[f"f{j}" for j in range(9)]).assign(flat=1.0)
    path = tmp_path / "features.csv"
    frame.iloc[rng.permutation(25)].to_csv(path)
    return path


def test_chunks_then_merge_equal_one_consensus_run(tmp_path, capsys):
    path = features(tmp_path)
    assert main(["consensus", str(path), *OPTIONS, "--no-figures", "--out", str(tmp_path / "one")]) == 0
    chunks = []
    for i in range(3):
        chunks.append(tmp_path / "chunks" / f"chunk{i}.npz")
        assert main(["consensus-chunk", str(path), "--chunk", str(i), "--chunks", "3", *OPTIONS,
                     "--out", str(chunks[-1])]) == 0
    assert "resamples 30…59 of 90" in capsys.readouterr().out
    merged = tmp_path / "merged"
    assert main(["consensus-merge", *map(str, chunks[::-1]), "--name", "RNA", "--out", str(merged)]) == 0
    written = sorted(p.name for p in (tmp_path / "one").glob("*.csv"))
    assert "consensus_k4.csv" in written and "labels.csv" in written
    assert sorted(p.name for p in merged.glob("*.csv")) == written
    for name in written:
        assert (merged / name).read_bytes() == (tmp_path / "one" / name).read_bytes(), name
    assert (merged / "figures" / "RNA_cdf.png").stat().st_size > 1000
    provenance = json.loads((merged / "provenance.json").read_text())
    assert provenance["seed"] == 5 and provenance["parameters"]["reps"] == 90
    assert provenance["parameters"]["n_chunks"] == 3 and provenance["parameters"]["linkage"] == "complete"


def test_incomplete_or_bad_chunks_exit_2_with_one_line(tmp_path, capsys):
    path = features(tmp_path)
    chunk = tmp_path / "c0.npz"
    assert main(["consensus-chunk", str(path), "--chunk", "0", "--chunks", "2", *OPTIONS, "--out", str(chunk)]) == 0
    capsys.readouterr()
    assert main(["consensus-merge", str(chunk), "--out", str(tmp_path / "m")]) == 2
    err = capsys.readouterr().err
    assert "resamples 45…89 of 90 are in no chunk" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "m").exists()
    assert main(["consensus-chunk", str(path), "--chunk", "2", "--chunks", "2", *OPTIONS,
                 "--out", str(tmp_path / "c2.npz")]) == 2
    assert "0…1" in capsys.readouterr().err
