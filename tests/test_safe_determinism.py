"""Every stage is deterministic by seed (issue 13): the same command twice writes the same bytes.

Tiny synthetic inputs; each command runs twice into two folders and every output file
(tables, figures) must be byte-identical, ``provenance*.json`` aside (it records times).
Imaging has its own test (``test_imaging_determinism.py``).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from omics.cli import main

N = 24
IDS = [f"P{i:03d}" for i in range(N)]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("inputs")
    rng = np.random.default_rng(11)
    group = np.array(["A"] * (N // 2) + ["B"] * (N // 2))
    clinical = pd.DataFrame({"patient_id": IDS, "time": rng.exponential(40, N).round(1) + 1,
                             "event": rng.integers(0, 2, N), "grp": group, "age": rng.normal(60, 8, N).round(1),
                             "batch": np.tile(["b1", "b2"], N // 2), "sex": rng.choice(["F", "M"], N)})
    clinical.to_csv(folder / "clinical.csv", index=False)
    genes = [f"G{j}" for j in range(300)]
    mu = rng.gamma(2, 40, 300)
    counts = rng.poisson(mu[:, None] * np.where(np.arange(300)[:, None] < 30, 1 + 2 * (group == "A"), 1))
    pd.DataFrame(counts, index=pd.Index(genes, name="gene"), columns=IDS).to_csv(folder / "counts.csv")
    features = pd.DataFrame(rng.normal(size=(N, 8)) + (group == "A")[:, None] * 1.5,
                            index=pd.Index(IDS, name="patient_id"), columns=[f"f{j}" for j in range(8)])
    features.to_csv(folder / "features.csv")
    expression = pd.DataFrame(rng.normal(5, 1, (N, 60)) + (group == "A")[:, None] * np.r_[np.ones(10), np.zeros(50)],
                              index=pd.Index(IDS, name="patient_id"), columns=genes[:60])
    expression.to_csv(folder / "expression.csv")
    pd.DataFrame({"patient_id": IDS, "g": np.where(group == "A", "A", "Others")}).to_csv(folder / "groups.csv",
                                                                                       index=False)
    sets = "".join(f"S{k}\td\t" + "\t".join(genes[k * 15:(k + 1) * 15 + 5]) + "\n" for k in range(4))
    (folder / "sets.gmt").write_text(sets)
    return folder


def _commands(i: Path) -> dict[str, list[str]]:
    c = str(i / "clinical.csv")
    surv = ["--clinical", c, "--time", "time", "--event", "event"]
    return {
        "voom": ["voom", str(i / "counts.csv"), "--clinical", c, "--batch", "batch", "--n-top", "50"],
        "consensus": ["consensus", str(i / "features.csv"), "--k", "2-3", "--reps", "30", "--seed", "3"],
        "km": ["km", *surv, "--by", "grp"],
        "cox": ["cox", *surv, "--by", "grp", "--covariates", "age"],
        "cindex": ["cindex", *surv, "--model", "g=grp", "--model", "ga=grp + age", "--compare", "ga:g",
                   "--folds", "3", "--n-boot", "20", "--seed", "5"],
        "associate": ["associate", "--clinical", c, "--by", "grp", "--variables", "age,sex"],
        "dge": ["dge", "--expression", str(i / "expression.csv"), "--groups", str(i / "groups.csv"),
                "--group-column", "g"],
        "pam": ["pam", "--expression", str(i / "expression.csv"), "--groups", str(i / "groups.csv"),
                "--group-column", "g", "--n-folds", "3", "--n-threshold", "8", "--seed", "2"],
        "harmonize": ["harmonize", str(i / "features.csv"), "--clinical", c, "--batch", "batch"],
    }


def _digests(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and not p.name.startswith("provenance")}


@pytest.mark.parametrize("stage", list(_commands(Path("."))))
def test_stage_twice_gives_identical_bytes(stage, inputs, tmp_path):
    argv = _commands(inputs)[stage]
    for run in ("one", "two"):
        assert main([*argv, "--out", str(tmp_path / run)]) == 0, stage
    first, second = _digests(tmp_path / "one"), _digests(tmp_path / "two")
    assert first and any(name.endswith(".csv") for name in first)
    assert first == second


def test_gsea_twice_gives_identical_bytes(inputs, tmp_path):
    assert main(["dge", "--expression", str(inputs / "expression.csv"), "--groups", str(inputs / "groups.csv"),
                 "--group-column", "g", "--out", str(tmp_path / "dge")]) == 0
    argv = ["gsea", "--dge", str(tmp_path / "dge" / "dge_ttest.csv"), "--genesets", str(inputs / "sets.gmt"),
            "--permutations", "50", "--seed", "4", "--min-size", "5"]
    for run in ("one", "two"):
        assert main([*argv, "--out", str(tmp_path / run)]) == 0
    assert _digests(tmp_path / "one") == _digests(tmp_path / "two")
