"""Benjamini–Hochberg against R's p.adjust, and its invariants."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from omics.stats import bh_adjust, significance_stars

DATA = Path(__file__).parent / "data" / "stats"


def test_bh_matches_r_p_adjust():
    ref = pd.read_csv(DATA / "bh_reference.csv")
    got = bh_adjust(ref.p.to_numpy())
    np.testing.assert_allclose(got, ref.bh.to_numpy(), rtol=1e-12, equal_nan=True)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=1, max_size=60))
def test_bh_invariants(p):
    p = np.array(p)
    q = bh_adjust(p)
    assert np.all(q >= p - 1e-15) and np.all(q <= 1)
    order = np.argsort(p, kind="stable")
    assert np.all(np.diff(q[order]) >= -1e-15), "monotone in p"
    perm = np.random.default_rng(0).permutation(len(p))
    np.testing.assert_allclose(bh_adjust(p[perm]), q[perm])


def test_stars_follow_the_study():
    assert [significance_stars(p) for p in (0.2, 0.04, 0.004, 0.0009, np.nan)] == ["", "*", "**", "***", ""]
