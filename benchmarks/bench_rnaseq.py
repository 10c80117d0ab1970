"""Benchmark: voom + weighted lm_fit on 110 samples × 20,000 genes (DESIGN §5: ≤ 5 s,
anchor R limma voom + lmFit). Also times TMM, filterByExpr and ComBat on log-CPM.

Run from the repository root:

    .venv/bin/python benchmarks/bench_rnaseq.py            # Python only
    .venv/bin/python benchmarks/bench_rnaseq.py --with-r   # also R limma (needs Rscript)

Prints the timings and the ratio R / Python.
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

TARGET_S = 5.0


def simulate_counts(n_samples: int = 110, n_genes: int = 20_000, seed: int = 0):
    """NB counts with a two-group design and a batch shift, samples × genes."""
    rng = np.random.default_rng(seed)
    base = np.exp(rng.normal(3.0, 2.0, n_genes))
    group = np.repeat([0, 1], [n_samples // 2, n_samples - n_samples // 2])
    fold = np.where(rng.random(n_genes) < 0.1, np.exp(rng.normal(0, 1, n_genes)), 1.0)
    lib = rng.uniform(0.5, 1.5, n_samples)
    mu = base[None, :] * lib[:, None] * np.where(group[:, None] == 1, fold[None, :], 1.0)
    disp = 0.1 + 1.0 / np.sqrt(base)
    size = 1.0 / disp
    counts = rng.negative_binomial(size[None, :], size[None, :] / (size[None, :] + mu))
    samples = [f"S{i:03d}" for i in range(n_samples)]
    genes = [f"G{j:05d}" for j in range(n_genes)]
    design = pd.DataFrame({"Intercept": 1.0, "group": group.astype(float)}, index=samples)
    return pd.DataFrame(counts, index=samples, columns=genes), design


def time_python(counts: pd.DataFrame, design: pd.DataFrame, repeats: int = 3) -> dict:
    from omics.rnaseq import calc_norm_factors, lm_fit, voom
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        nf = calc_norm_factors(counts)
        v = voom(counts, design=design, norm_factors=nf)
        lm_fit(v.E, design=design, weights=v.weights)
        times.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    v = voom(counts, design=design)
    t_voom = time.perf_counter() - t0
    t0 = time.perf_counter()
    lm_fit(v.E, design=design, weights=v.weights)
    t_fit = time.perf_counter() - t0
    return {"tmm_voom_lmfit_best": min(times), "tmm_voom_lmfit_all": times,
            "voom": t_voom, "lm_fit_weighted": t_fit}


R_SCRIPT = r"""
suppressPackageStartupMessages({library(limma); library(edgeR)})
args <- commandArgs(trailingOnly = TRUE)
counts <- t(as.matrix(read.csv(args[1], row.names = 1, check.names = FALSE)))
design <- as.matrix(read.csv(args[2], row.names = 1))
best <- Inf
for (i in 1:3) {
  t <- system.time({
    y <- calcNormFactors(DGEList(counts))
    v <- voom(y, design)
    fit <- lmFit(v, design)
  })[["elapsed"]]
  best <- min(best, t)
}
t_eb <- system.time(eBayes(fit))[["elapsed"]]
cat(best, t_eb, "\n")
"""


def time_r(counts: pd.DataFrame, design: pd.DataFrame) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        c, d, s = Path(tmp) / "counts.csv", Path(tmp) / "design.csv", Path(tmp) / "bench.R"
        counts.to_csv(c)
        design.to_csv(d)
        s.write_text(R_SCRIPT)
        out = subprocess.run(["Rscript", str(s), str(c), str(d)], capture_output=True, text=True, check=True)
        best, eb = map(float, out.stdout.split())
    return best, eb


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--with-r", action="store_true", help="also time R limma (Rscript)")
    parser.add_argument("--genes", type=int, default=20_000)
    parser.add_argument("--samples", type=int, default=110)
    parser.add_argument("--extra", action="store_true",
                        help="also time ComBat (log-CPM) and ComBat-seq on 110 × 5,000 with 2 batches")
    args = parser.parse_args()
    counts, design = simulate_counts(args.samples, args.genes)
    py = time_python(counts, design)
    print(f"{args.samples} samples × {args.genes} genes")
    print(f"python TMM + voom + weighted lm_fit: best {py['tmm_voom_lmfit_best']:.2f} s "
          f"(runs {', '.join(f'{t:.2f}' for t in py['tmm_voom_lmfit_all'])}); "
          f"voom alone {py['voom']:.2f} s, weighted lm_fit alone {py['lm_fit_weighted']:.2f} s")
    print(f"target (DESIGN §5): <= {TARGET_S:.1f} s -> "
          f"{'met' if py['tmm_voom_lmfit_best'] <= TARGET_S else 'NOT met'}")
    if args.with_r:
        r_best, r_eb = time_r(counts, design)
        print(f"R calcNormFactors + voom + lmFit: best {r_best:.2f} s (eBayes adds {r_eb:.2f} s)")
        print(f"ratio R / python: {r_best / py['tmm_voom_lmfit_best']:.2f}x")
    if args.extra:
        time_batch_correction()


def time_batch_correction() -> None:
    """Informational timings of the batch corrections (no DESIGN target)."""
    from omics.harmonize import combat
    from omics.rnaseq import combat_seq, filter_by_expr, voom
    counts, design = simulate_counts(110, 5_000, seed=1)
    batch = pd.Series(np.where(np.arange(110) % 2 == 0, "B1", "B2"), index=counts.index)
    counts = counts.loc[:, filter_by_expr(counts).to_numpy()]
    e = voom(counts, design=design).E
    for label, parametric in (("parametric", True), ("non-parametric", False)):
        t0 = time.perf_counter()
        combat(e, batch, parametric=parametric)
        print(f"ComBat {label} on 110 × {e.shape[1]} log-CPM: {time.perf_counter() - t0:.2f} s")
    t0 = time.perf_counter()
    combat_seq(counts, batch)
    print(f"ComBat-seq on 110 × {counts.shape[1]} counts: {time.perf_counter() - t0:.2f} s")


if __name__ == "__main__":
    main()
