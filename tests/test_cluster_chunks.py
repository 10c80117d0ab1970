"""Chunked consensus clustering: counting chunks of resamples and merging them gives exactly the
one-job result, for any chunking and n_jobs; chunk files round-trip; bad merges are refused."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from omics.cluster import (ConsensusCounts, chunk_resamples, consensus_cluster, consensus_counts,
                           merge_consensus)
from omics.data.validate import InputError

REPS = 300  # more than one block of 256 resamples, so block boundaries fall inside chunks
OPTIONS = dict(k=range(2, 6), reps=REPS, p_item=0.7, distance="pearson", linkage="average",
               scale="center-scale", seed=11)


def blobs(sizes=(12, 9, 7), n_features=10, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=2.0, size=(len(sizes), n_features))
    truth = rng.permutation(np.repeat(np.arange(len(sizes)), sizes))
    values = centres[truth] + rng.normal(size=(len(truth), n_features))
    ids = [f"pt-{i}" for i in rng.permutation(len(truth))]  # input order != sorted-ID order
    return pd.DataFrame(values, index=ids, columns=[f"g{j}" for j in range(n_features)])


@pytest.fixture(scope="module")
def X():
    return blobs()


@pytest.fixture(scope="module")
def one_job(X):
    return consensus_cluster(X, **OPTIONS)


def assert_same_result(expected, got):
    assert got.ks == expected.ks and got.suggested_k == expected.suggested_k
    assert got.cosampled.dtype == np.uint16
    np.testing.assert_array_equal(got.cosampled, expected.cosampled)
    for k in expected.ks:
        np.testing.assert_array_equal(got.consensus[k], expected.consensus[k])  # bit-identical
        np.testing.assert_array_equal(got.trees[k], expected.trees[k])
    for view in ("labels", "summary", "cdf", "item", "cluster"):
        pd.testing.assert_frame_equal(got.to_frame(view), expected.to_frame(view))
    assert got.params == expected.params


def test_chunk_resamples_cover_all_once():
    for reps, chunks in [(10, 1), (10, 3), (10, 10), (7, 2)]:
        parts = [chunk_resamples(reps, i, chunks) for i in range(chunks)]
        assert [r for part in parts for r in part] == list(range(reps))
        assert max(map(len, parts)) - min(map(len, parts)) <= 1
    with pytest.raises(InputError, match="0…2"):
        chunk_resamples(10, 3, 3)
    with pytest.raises(InputError, match="at most 5"):
        chunk_resamples(5, 0, 6)


@pytest.mark.parametrize("bounds", [
    [0, REPS],                       # one chunk
    [0, 150, REPS],                  # two
    [0, 7, 263, REPS],               # three, uneven, crossing the 256-resample block
])
def test_chunked_equals_one_job(X, one_job, bounds):
    counts = [consensus_counts(X, resamples=(a, b), **OPTIONS) for a, b in zip(bounds, bounds[1:])]
    assert sum(len(c.resamples) for c in counts) == REPS
    assert_same_result(one_job, merge_consensus(counts[::-1]))  # order of the chunks is free


def test_one_resample_chunks_give_the_same(X):
    options = dict(OPTIONS, reps=12)
    expected = consensus_cluster(X, **options)
    singles = [consensus_counts(X, resamples=range(r, r + 1), **options) for r in range(12)]
    assert all(c.cosampled.max() <= 1 for c in singles)
    assert_same_result(expected, merge_consensus(singles))


def test_chunks_counted_by_worker_processes_give_the_same(X, one_job):
    halves = [consensus_counts(X, resamples=chunk_resamples(REPS, i, 2), n_jobs=2, **OPTIONS)
              for i in range(2)]
    assert_same_result(one_job, merge_consensus(halves))


def test_feature_resampling_chunks_equal_one_job(X):
    options = dict(OPTIONS, reps=40, p_feature=0.8)
    expected = consensus_cluster(X, **options)
    counts = [consensus_counts(X, resamples=chunk_resamples(40, i, 3), **options) for i in range(3)]
    assert_same_result(expected, merge_consensus(counts))


def test_counts_are_the_one_job_counts(X, one_job):
    whole = consensus_counts(X, **OPTIONS)
    assert whole.cosampled.dtype == np.uint16 and whole.coclustered.dtype == np.uint16
    np.testing.assert_array_equal(whole.cosampled, one_job.cosampled)
    for j, k in enumerate(one_job.ks):
        with np.errstate(invalid="ignore"):
            ratio = whole.coclustered[j] / whole.cosampled
        np.testing.assert_array_equal(np.nan_to_num(ratio), one_job.consensus[k])
    # each resample holds floor(n p_item) patients, so the diagonal sums to that many per resample
    assert int(np.trace(whole.cosampled)) == REPS * int(len(X) * 0.7)
    frame = whole.to_frame()
    assert len(frame) == len(X) * (len(X) - 1) // 2
    assert (frame["coclustered_k5"] <= frame["coclustered_k2"]).all()  # nested cuts
    assert list(whole.summary.index) == [2, 3, 4, 5]


def test_npz_round_trip_and_merge_from_files(X, one_job, tmp_path):
    counts = [consensus_counts(X, resamples=chunk_resamples(REPS, i, 2), **OPTIONS) for i in range(2)]
    paths = [c.save(tmp_path / f"chunk{i}.npz") for i, c in enumerate(counts)]
    back = ConsensusCounts.load(paths[1])
    assert list(back.patients) == list(X.index) and back.resamples == counts[1].resamples
    assert back.cosampled.dtype == np.uint16
    np.testing.assert_array_equal(back.coclustered, counts[1].coclustered)
    assert back.params == counts[1].params and back.input_digest == counts[1].input_digest
    assert "150…299 of 300" in repr(back)
    assert_same_result(one_job, merge_consensus(paths))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["chunk0.npz", "chunk1.npz"]  # no temp files


def test_bad_merges_are_refused(X, tmp_path):
    options = dict(OPTIONS, reps=20)
    a, b, c = (consensus_counts(X, resamples=chunk_resamples(20, i, 3), **options) for i in range(3))
    with pytest.raises(InputError, match="7…13 of 20 are in no chunk"):
        merge_consensus([a, c])
    with pytest.raises(InputError, match="already in another chunk"):
        merge_consensus([a, b, b, c])
    other_seed = consensus_counts(X, resamples=b.resamples, **dict(options, seed=12))
    with pytest.raises(InputError, match="settings differ.*seed"):
        merge_consensus([a, other_seed, c])
    shifted = consensus_counts(X + np.linspace(0, 1, X.shape[1]), resamples=b.resamples, **options)
    with pytest.raises(InputError, match="different feature values"):
        merge_consensus([a, shifted, c])
    with pytest.raises(InputError, match="give a seed"):
        consensus_counts(X, resamples=(0, 5), **dict(options, seed=None))
    with pytest.raises(InputError, match="within 0…20"):
        consensus_counts(X, resamples=(15, 25), **options)
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    with pytest.raises(InputError, match="junk.npz: not a consensus chunk file"):
        merge_consensus([tmp_path / "junk.npz"])
