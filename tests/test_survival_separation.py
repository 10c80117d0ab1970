"""Complete separation inside bootstrap/CV fits must not crash the C-index engine.

Regression: a group whose patients all have events first made the Newton–Raphson
information matrix non-finite once the coefficient diverged, and the pseudo-inverse raised
"Eigenvalues did not converge" (seen on a 30-patient workflow run).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from omics.survival import compare_cindex, cv_cindex
from omics.survival._efron import fit_batch


def _separated(n=40, seed=0):
    rng = np.random.default_rng(seed)
    group = np.repeat(["A", "B"], n // 2)
    other = rng.choice(["x", "y"], n)
    time = np.where(group == "A", rng.uniform(1, 10, n), rng.uniform(20, 60, n))
    event = np.where(group == "A", 1, rng.random(n) < 0.2).astype(int)
    return pd.DataFrame({"g": group, "o": other, "time": time.round(2), "event": event})


def test_fit_batch_stops_a_diverging_fit_without_error():
    x = np.array([[1.0]] * 10 + [[0.0]] * 10)[None]
    time = np.arange(1, 21, dtype=float)[None]
    event = np.ones((1, 20))
    event[0, 10:] = 0          # every event in group 1, earlier than every group-0 time
    fit = fit_batch(x, time, event)
    assert np.isfinite(fit.coef).all() and fit.coef[0, 0] > 3


def test_small_workflow_case_with_sparse_interaction_cells():
    """The 30-patient, 5-event case of the failing run (sparse hRF × RNA cells)."""
    data = pd.read_csv(Path(__file__).parent / "data" / "survival" / "separation_case.csv", index_col=0)
    result = compare_cindex(data, "rna * hrf", "rna + hrf", "mfs_time", "mfs_event", n_boot=50, seed=7)
    assert np.isfinite(result.deltas).all()
    assert -1 <= result.delta <= 1


def test_cv_and_bootstrap_survive_separation():
    data = _separated()
    cv = cv_cindex(data, "g * o", "time", "event", folds=5, n_boot=30, seed=1)
    c = cv.estimates.c_index.iloc[0]
    assert 0.5 < c <= 1.0 and np.isfinite(cv.estimates[["lower", "upper"]].to_numpy()).all()
    cmp = compare_cindex(data, "g * o", "o", "time", "event", n_boot=30, seed=1)
    assert cmp.delta > 0.2
