"""Benchmark: consensus clustering (DESIGN §5) against PyPI ``consensusclustering`` and R
ConsensusClusterPlus.

    .venv/bin/python benchmarks/bench_cluster.py            # everything (R takes minutes)
    .venv/bin/python benchmarks/bench_cluster.py --no-r     # without R
    .venv/bin/python benchmarks/bench_cluster.py --quick    # 1,000 resamples, smoke run

Workloads: 225 patients × 152 features and 110 × 5,000 genes (synthetic, 3 and 2 planted
groups), 10,000 resamples, p_item 0.6, Pearson distance, average linkage, K = 2..10.
The PyPI package refits per K and keeps every connectivity matrix, so it is timed on a few
resamples and extrapolated per resample·K (its documented cost is linear in both).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd


def synthetic(n: int, p: int, k: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    groups = rng.integers(0, k, n)
    centres = rng.normal(scale=0.6, size=(k, p))
    values = centres[groups] + rng.normal(size=(n, p))
    return pd.DataFrame(values, index=[f"P{i:03d}" for i in range(n)], columns=[f"f{j}" for j in range(p)])


def time_ours(X: pd.DataFrame, reps: int, ks, n_jobs: int) -> tuple[float, object]:
    from omics.cluster import consensus_cluster

    start = time.perf_counter()
    result = consensus_cluster(X, k=ks, reps=reps, p_item=0.6, distance="pearson", linkage="average",
                               scale="center-scale", seed=1, n_jobs=n_jobs)
    return time.perf_counter() - start, result


def time_pypi(X: pd.DataFrame, reps: int, ks) -> float:
    """Seconds per resample·K of consensusclustering + sklearn average-linkage Pearson."""
    from consensusclustering import ConsensusClustering
    from sklearn.cluster import AgglomerativeClustering

    values = ((X - X.mean()) / X.std(ddof=1)).to_numpy()
    model = ConsensusClustering(AgglomerativeClustering(metric="correlation", linkage="average"),
                                min_clusters=min(ks), max_clusters=max(ks), n_resamples=reps,
                                resample_frac=0.6, rng=1)
    start = time.perf_counter()
    model.fit(values, n_jobs=0)
    return (time.perf_counter() - start) / (reps * len(ks))


R_SCRIPT = r"""
suppressPackageStartupMessages(library(ConsensusClusterPlus))
args <- commandArgs(trailingOnly = TRUE)
x <- as.matrix(read.csv(args[1], row.names = 1))
d <- t(scale(x))
t <- system.time(res <- suppressMessages(ConsensusClusterPlus(d, maxK = as.integer(args[2]),
  reps = as.integer(args[3]), pItem = 0.6, pFeature = 1, clusterAlg = "hc", innerLinkage = "average",
  finalLinkage = "average", distance = "pearson", seed = 1, plot = NULL)))
cat(t[["elapsed"]], "\n")
"""


def time_r(X: pd.DataFrame, reps: int, max_k: int) -> float | None:
    if shutil.which("Rscript") is None:
        return None
    with tempfile.TemporaryDirectory() as folder:
        data, script = Path(folder) / "x.csv", Path(folder) / "ccp.R"
        X.to_csv(data)
        script.write_text(R_SCRIPT)
        env = dict(os.environ, R_DEFAULT_DEVICE="pdf")
        run = subprocess.run(["Rscript", str(script), str(data), str(max_k), str(reps)], capture_output=True,
                             text=True, cwd=folder, env=env)
        if run.returncode != 0:
            print(run.stderr[-2000:], file=sys.stderr)
            return None
        return float(run.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reps", type=int, default=10_000)
    parser.add_argument("--quick", action="store_true", help="1,000 resamples, no R, few PyPI resamples")
    parser.add_argument("--no-r", action="store_true")
    parser.add_argument("--r-max-k", type=int, default=10)
    parser.add_argument("--r-reps", type=int, default=None, help="resamples for R (default: --reps)")
    parser.add_argument("--pypi-reps", type=int, default=10)
    args = parser.parse_args(argv)
    reps = 1000 if args.quick else args.reps
    ks = list(range(2, 11))
    print(f"{platform.node()} · {platform.processor() or platform.machine()} · {os.cpu_count()} CPUs · "
          f"load {os.getloadavg()[0]:.2f} · {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    hrf = synthetic(225, 152, 3, seed=0)
    rna = synthetic(110, 5000, 2, seed=1)

    rows = []
    t_ours2, result = time_ours(hrf, reps, ks, n_jobs=2)
    t_ours1, _ = time_ours(hrf, reps, ks, n_jobs=1)
    rows.append(("hRF 225×152, K 2-10", f"ours n_jobs=2", t_ours2))
    rows.append(("hRF 225×152, K 2-10", f"ours n_jobs=1", t_ours1))
    print(f"ours: {reps} resamples, K 2..10: {t_ours2:.2f} s (2 jobs), {t_ours1:.2f} s (1 job); "
          f"suggested K {result.suggested_k}")
    t_rna, _ = time_ours(rna, reps, ks, n_jobs=2)
    rows.append(("RNA 110×5000, K 2-10", "ours n_jobs=2", t_rna))
    print(f"ours RNA 110 × 5000: {t_rna:.2f} s (2 jobs)")

    pypi_reps = 3 if args.quick else args.pypi_reps
    per = time_pypi(hrf, pypi_reps, ks)
    t_pypi = per * reps * len(ks)
    rows.append(("hRF 225×152, K 2-10", f"consensusclustering (extrapolated from {pypi_reps} resamples)", t_pypi))
    print(f"consensusclustering: {per:.3f} s per resample·K → {t_pypi:.0f} s extrapolated; "
          f"ratio {t_pypi / t_ours2:.0f}×")

    if not (args.no_r or args.quick):
        r_reps = args.r_reps or reps
        t_r = time_r(hrf, r_reps, args.r_max_k)
        if t_r is not None:
            scaled = t_r * reps / r_reps
            label = f"R ConsensusClusterPlus maxK {args.r_max_k}" + (
                f" (extrapolated from {r_reps} resamples)" if r_reps != reps else "")
            rows.append(("hRF 225×152", label, scaled))
            ours_same_k = t_ours2
            if args.r_max_k != 10:
                ours_same_k, _ = time_ours(hrf, reps, list(range(2, args.r_max_k + 1)), n_jobs=2)
                rows.append((f"hRF 225×152, K 2-{args.r_max_k}", "ours n_jobs=2", ours_same_k))
            print(f"R ConsensusClusterPlus (maxK {args.r_max_k}): {scaled:.1f} s; ratio "
                  f"{scaled / ours_same_k:.1f}× (ours, same K range, 2 jobs)")
    table = pd.DataFrame(rows, columns=["workload", "implementation", "seconds"])
    print(table.to_string(index=False, float_format=lambda v: f"{v:.2f}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
