"""Benchmark: response prediction (issue 11).

1. The S0 factorial grid on the demo response cohort (176 patients, 80 features):
   2 harmonisations × 2 selectors (ReliefF, t-test) × 2 classifiers (linear SVM, MLP) ×
   2 designs (external Lyon → Nantes/Paris, Lyon+Nantes → Paris) = 16 cells, each with a
   5-fold inner CV; wall time with ``--jobs`` workers (2 cores here). Prints the external
   AUCs (the planted ComBat lesson) next to the time.
2. DeLong on 10,000 patients: AUC, variance, covariance and the paired test of two
   correlated scores with ``omics.predict.compare_auc``, against R pROC's
   ``roc.test(method = "delong")`` on the same data, timed in the same run (R's time
   includes building the two ROC objects, as a user would call it; R start-up excluded).

Run:  .venv/bin/python benchmarks/bench_predict.py [--jobs 2] [--no-r] [--quick]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import tempfile
import time
import warnings

import numpy as np
import pandas as pd


def bench_grid(jobs: int, quick: bool) -> None:
    from omics.data import demo_response_cohort
    from omics.predict import run_grid
    d = demo_response_cohort(seed=0, images=False)
    c = d.clinical
    kw = dict(batch=c.fat_suppression, groups=c.centre, harmonizations=("none", "combat"),
              selectors=("relieff", "ttest"), classifiers=("svm", "mlp"),
              designs=("external:Lyon", "external:Lyon+Nantes"), inner_cv=None if quick else 5, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        grid = run_grid(d.features, c.response, n_jobs=jobs, **kw)
        wall = time.perf_counter() - t0
    s = grid.summary
    s = s[s["set"].str.startswith("external")]
    table = s.pivot_table(index=["harmonization", "selector", "classifier"], columns=["design", "set"], values="auc")
    print(f"S0 grid: {len(grid.evaluations)} cells, inner CV {'off' if quick else '5-fold'}, "
          f"{jobs} job(s): {wall:.1f} s wall")
    print(table.round(3).to_string())


R_SCRIPT = r"""
suppressPackageStartupMessages(library(pROC))
d <- read.csv(commandArgs(TRUE)[1])
t0 <- proc.time()[["elapsed"]]
r1 <- roc(d$y, d$s1, direction = "<", levels = c(0, 1), quiet = TRUE)
r2 <- roc(d$y, d$s2, direction = "<", levels = c(0, 1), quiet = TRUE)
t <- roc.test(r1, r2, method = "delong", paired = TRUE)
el <- proc.time()[["elapsed"]] - t0
cat(sprintf("%.17g %.17g %.6f\n", t$statistic, t$p.value, el))
"""


def bench_delong(n: int, use_r: bool) -> None:
    from omics.predict import compare_auc
    rng = np.random.default_rng(0)
    y = (rng.random(n) < 0.4).astype(int)
    s1 = rng.normal(size=n) + 0.8 * y
    s2 = 0.6 * s1 + rng.normal(0, 0.8, n) + 0.4 * y
    compare_auc(y[:100], s1[:100], s2[:100])                        # warm-up (imports)
    reps = 20
    t0 = time.perf_counter()
    for _ in range(reps):
        test = compare_auc(y, s1, s2)
    ours = (time.perf_counter() - t0) / reps
    print(f"DeLong paired test, n = {n}: omics {ours * 1000:.1f} ms (mean of {reps}); "
          f"Z = {test.z:.6f}, P = {test.p_value:.3g}")
    if not use_r or shutil.which("Rscript") is None:
        print("R pROC: not run (no Rscript or --no-r)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        data, script = os.path.join(tmp, "d.csv"), os.path.join(tmp, "b.R")
        pd.DataFrame({"y": y, "s1": s1, "s2": s2}).to_csv(data, index=False, float_format="%.17g")
        with open(script, "w") as fh:
            fh.write(R_SCRIPT)
        out = subprocess.run(["Rscript", script, data], capture_output=True, text=True, check=True).stdout.split()
    z_r, p_r, t_r = map(float, out)
    print(f"R pROC roc.test(delong): {t_r * 1000:.1f} ms; Z = {z_r:.6f}; |ΔZ| = {abs(z_r - test.z):.2e}; "
          f"ratio R / omics = {t_r / ours:.1f}×")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--no-r", action="store_true")
    parser.add_argument("--quick", action="store_true", help="grid without inner CV")
    args = parser.parse_args()
    print(f"machine: {platform.node()}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}, "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    bench_delong(args.n, not args.no_r)
    bench_grid(args.jobs, args.quick)


if __name__ == "__main__":
    main()
