"""Benchmark: the heavy steps at cohort scale, one job vs chunked, with peak memory (issue 14).

    .venv/bin/python benchmarks/bench_scale.py                 # 500, 2,000, 5,000 patients; RNA 1,000 × 20,000
    .venv/bin/python benchmarks/bench_scale.py --quick         # 500 and 1,000 patients; RNA 200 × 5,000

Consensus clustering (500 features, 3 planted groups, K 2–10, p_item 0.6, Pearson, average
linkage, centre-scaled): every configuration runs in a fresh child process, so its peak
resident memory (``ru_maxrss``) is its own. Per size it measures

* one job: ``consensus_cluster`` on R resamples — time = setup + R × per-resample + merge;
* chunked: 2 chunk processes at once (``consensus_counts``, R/2 resamples each, as two SLURM
  jobs would) and one merge (``merge_consensus`` of the two ``.npz`` files), checked equal to
  the one-job labels;

and extrapolates to 10,000 resamples: ``setup + 10,000 × per-resample + merge`` (one job), and
for N chunk jobs ``setup + 10,000 / N × per-resample`` per chunk plus the merge. R is scaled
down (stated in the output) because the per-resample cost is constant in R.

voom + limma (``omics.rnaseq.voom`` + ``lm_fit`` + ``omics.expression.ebayes``) on samples ×
genes NB counts, and the size of the voom matrix as CSV vs Parquet.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
K = range(2, 11)
OPTIONS = dict(k=K, p_item=0.6, distance="pearson", linkage="average", scale="center-scale", seed=1)
PROJECT = dict(patients=5000, reps=10_000, nodes=8)


def synthetic(n: int, p: int = 500, groups: int = 3, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=0.6, size=(groups, p))
    truth = rng.integers(groups, size=n)
    values = centres[truth] + rng.normal(size=(n, p))
    return pd.DataFrame(values, index=[f"P{i:05d}" for i in range(n)], columns=[f"f{j}" for j in range(p)])


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ------------------------------------------------------------------------- child processes

def child_one_job(n: int, reps: int) -> dict:
    from omics.cluster import consensus_counts, merge_consensus

    X = synthetic(n)
    t0 = time.perf_counter()
    setup_only = consensus_counts(X, reps=reps, resamples=(0, 1), **OPTIONS)  # setup + 1 resample
    t1 = time.perf_counter()
    counts = consensus_counts(X, reps=reps, **OPTIONS)
    t2 = time.perf_counter()
    result = merge_consensus([counts])
    t3 = time.perf_counter()
    del setup_only
    return {"setup_plus_one_s": t1 - t0, "counts_s": t2 - t1, "merge_s": t3 - t2,
            "labels": result.labels["k3"].tolist(), "peak_mb": peak_mb()}


def child_baseline(n: int) -> dict:
    import omics.cluster.chunks  # noqa: F401  (the imports every run pays)

    synthetic(n)
    return {"peak_mb": peak_mb()}


def child_chunk(n: int, reps: int, chunk: int, chunks: int, out: str) -> dict:
    from omics.cluster import chunk_resamples, consensus_counts

    X = synthetic(n)
    t0 = time.perf_counter()
    counts = consensus_counts(X, reps=reps, resamples=chunk_resamples(reps, chunk, chunks), **OPTIONS)
    counts.save(out)
    return {"chunk_s": time.perf_counter() - t0, "bytes": os.path.getsize(out), "peak_mb": peak_mb()}


def child_merge(paths: list[str]) -> dict:
    from omics.cluster import merge_consensus

    t0 = time.perf_counter()
    result = merge_consensus(paths)
    return {"merge_s": time.perf_counter() - t0, "labels": result.labels["k3"].tolist(), "peak_mb": peak_mb()}


def child_rna(n_samples: int, n_genes: int, out_dir: str) -> dict:
    sys.path.insert(0, str(HERE))
    from bench_rnaseq import simulate_counts

    from omics.expression import ebayes
    from omics.rnaseq import lm_fit, voom

    counts, design = simulate_counts(n_samples, n_genes)
    t0 = time.perf_counter()
    v = voom(counts, design=design)
    t1 = time.perf_counter()
    fit = lm_fit(v.E, design=design, weights=v.weights)
    eb = ebayes(fit)
    t2 = time.perf_counter()
    del eb
    csv, parquet = Path(out_dir) / "voom.csv", Path(out_dir) / "voom.parquet"
    v.E.to_csv(csv)
    t3 = time.perf_counter()
    v.E.to_parquet(parquet)
    t4 = time.perf_counter()
    return {"voom_s": t1 - t0, "lmfit_ebayes_s": t2 - t1, "csv_mb": csv.stat().st_size / 2**20,
            "csv_write_s": t3 - t2, "parquet_mb": parquet.stat().st_size / 2**20,
            "parquet_write_s": t4 - t3, "peak_mb": peak_mb()}


def spawn(*args) -> subprocess.Popen:
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    return subprocess.Popen([sys.executable, __file__, "--child", json.dumps(args)],
                            stdout=subprocess.PIPE, text=True, env=env)


def collect(process: subprocess.Popen) -> dict:
    out, _ = process.communicate()
    if process.returncode:
        raise RuntimeError(f"benchmark child failed ({process.returncode})")
    return json.loads(out.strip().splitlines()[-1])


# ------------------------------------------------------------------------- driver

def consensus_row(n: int, reps: int, tmp: Path) -> dict:
    baseline = collect(spawn("baseline", n))["peak_mb"]
    one = collect(spawn("one_job", n, reps))
    per_resample = one["counts_s"] / reps
    setup = max(one["setup_plus_one_s"] - per_resample, 0.0)
    paths = [str(tmp / f"n{n}_chunk{i}.npz") for i in range(2)]
    started = time.perf_counter()
    chunks = [collect(p) for p in [spawn("chunk", n, reps, i, 2, paths[i]) for i in range(2)]]
    chunk_wall = time.perf_counter() - started
    merge = collect(spawn("merge", paths))
    assert merge["labels"] == one["labels"], "chunked labels differ from the one-job labels"
    merge_s = merge["merge_s"]
    chunk_s = max(c["chunk_s"] for c in chunks)
    pairs = n * (n - 1) / 2
    return {"patients": n, "reps_measured": reps, "setup_s": setup, "per_resample_s": per_resample,
            "merge_s": merge_s, "one_job_s": one["counts_s"] + one["merge_s"],
            "two_chunks_s": chunk_s, "two_chunks_wall_s": chunk_wall,
            "per_resample_2workers_s": max(chunk_s - setup, 1e-9) / (reps / 2),
            "baseline_mb": baseline, "one_job_peak_mb": one["peak_mb"],
            "chunk_peak_mb": max(c["peak_mb"] for c in chunks), "chunk_file_mb": chunks[0]["bytes"] / 2**20,
            "merge_peak_mb": merge["peak_mb"],
            "one_job_10k_h": (setup + 10_000 * per_resample + merge_s) / 3600,
            "bytes_per_pair_one_job": (one["peak_mb"] - baseline) * 2**20 / pairs,
            "bytes_per_pair_chunk": (max(c["peak_mb"] for c in chunks) - baseline) * 2**20 / pairs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        name, *rest = json.loads(args.child)
        print(json.dumps(globals()[f"child_{name}"](*rest)))
        return
    sizes = [(500, 40), (1000, 20)] if args.quick else [(500, 256), (2000, 256), (5000, 256)]
    rna = (200, 5000) if args.quick else (1000, 20_000)
    print(f"# bench_scale {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {platform.node()}, "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; numpy {np.__version__}; "
          "children single-threaded BLAS")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n, reps in sizes:
            row = consensus_row(n, reps, Path(tmp))
            rows.append(row)
            print(json.dumps(row), flush=True)
        table = pd.DataFrame(rows).set_index("patients")
        print("\n## consensus clustering, 500 features, K 2–10 (resamples measured → 10,000 extrapolated)")
        print(table.round(3).to_string())
        big = table.iloc[-1]
        n_big = int(table.index[-1])
        scale = (PROJECT["patients"] / n_big) ** 2.9 if n_big != PROJECT["patients"] else 1.0
        # 2 chunk jobs per 2-core node, per-resample cost as measured with 2 chunks at once
        jobs = 2 * PROJECT["nodes"]
        per_chunk_h = (big.setup_s + PROJECT["reps"] / jobs * big.per_resample_2workers_s * scale) / 3600
        merge_h = big.merge_s * (PROJECT["patients"] / n_big) ** 2 / 3600
        print(f"\n## projection: {PROJECT['patients']} patients × {PROJECT['reps']} resamples on "
              f"{PROJECT['nodes']} nodes of 2 cores ({jobs} chunk jobs, 1 CPU each)")
        print(f"one job, 1 CPU: {(big.setup_s + PROJECT['reps'] * big.per_resample_s * scale + big.merge_s) / 3600:.2f} h; "
              f"each chunk job: {per_chunk_h:.2f} h, peak {big.chunk_peak_mb / 1024:.2f} GiB; merge: "
              f"{merge_h * 60:.1f} min, peak {big.merge_peak_mb / 1024:.2f} GiB; chunked total ≈ "
              f"{per_chunk_h + merge_h:.2f} h" + ("" if scale == 1 else f" (scaled from {n_big} patients by n^2.9)"))
        rna_row = collect(spawn("rna", *rna, tmp))
        print(f"\n## voom + lm_fit + ebayes, {rna[0]} samples × {rna[1]} genes")
        print(json.dumps({k: round(v, 2) for k, v in rna_row.items()}))


if __name__ == "__main__":
    main()
