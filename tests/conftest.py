"""Shared fixtures: small demo cohorts (built once per test session)."""

from __future__ import annotations

import os

import matplotlib
import pytest

matplotlib.use("Agg")
os.environ.setdefault("TQDM_DISABLE", "1")


@pytest.fixture(scope="session")
def demo():
    """The default-size demo cohort (225 patients, 110 with RNA), in memory, no images."""
    from omics.data import demo_cohort

    return demo_cohort(seed=0)


@pytest.fixture(scope="session")
def small_demo_dir(tmp_path_factory):
    """A small demo cohort written to disk, with images (40 patients, 30 with RNA)."""
    from omics.data import demo_cohort

    out = tmp_path_factory.mktemp("small_demo")
    demo_cohort(out=out, n_patients=40, n_test=8, n_rna=30, n_genes=1500, n_repeat=8, seed=3)
    return out
