"""CLI smoke tests for the foundation commands, through the installed entry point."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd


def omics(*args):
    return subprocess.run([sys.executable, "-m", "omics.cli", *map(str, args)], capture_output=True, text=True)


def test_help_lists_commands():
    result = omics("--help")
    assert result.returncode == 0
    for command in ("demo", "validate", "info"):
        assert command in result.stdout


def test_demo_validate_info(tmp_path):
    out = tmp_path / "demo"
    result = omics("demo", "--out", out, "--n-patients", 25, "--n-test", 5, "--n-rna", 12, "--n-genes", 1000,
                   "--n-repeat", 2, "--no-images", "--seed", 1)
    assert result.returncode == 0, result.stderr
    assert "25 patients" in result.stdout
    result = omics("validate", "--clinical", out / "clinical.csv", "--time", "mfs_time", "--event", "mfs_event",
                   "--counts", out / "counts.csv", "--gmt", out / "genesets.gmt")
    assert result.returncode == 0, result.stderr
    assert "read as genes x samples: 12 samples × 1000 genes" in result.stdout
    assert "12 patients in both clinical and counts; 13 only in clinical" in result.stdout
    result = omics("info", out)
    assert result.returncode == 0 and "rna: 12 patients × 1000 variables" in result.stdout


def test_bad_input_exits_2_with_one_line(tmp_path):
    bad = tmp_path / "clinical.csv"
    # a negative time (time 0 is valid, as in R's survival)
    pd.DataFrame({"patient_id": ["P1", "P2"], "t": [-1.0, 3.0], "e": [1, 0]}).to_csv(bad, index=False)
    result = omics("validate", "--clinical", bad, "--time", "t", "--event", "e")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "must be >= 0" in result.stderr and "P1" in result.stderr
    missing = omics("validate", "--clinical", tmp_path / "nope.csv")
    assert missing.returncode == 2 and "no such file" in missing.stderr
