#!/usr/bin/env bash
# Run every benchmark of DESIGN §5 (and of issues 9, 11, 14) with its anchor and print the ratios.
#   bash benchmarks/run_all.sh            # full workloads (R anchors where R is installed)
#   bash benchmarks/run_all.sh --quick    # smoke run
# Record what you measured (date, machine, load) in benchmarks/RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
quick=${1:-}
have_r=$(command -v Rscript >/dev/null && echo yes || echo no)

echo "== consensus clustering (anchors: PyPI consensusclustering, R ConsensusClusterPlus)"
if [ "$quick" = "--quick" ]; then $PY benchmarks/bench_cluster.py --quick
elif [ "$have_r" = yes ]; then $PY benchmarks/bench_cluster.py
else $PY benchmarks/bench_cluster.py --no-r; fi

echo "== bootstrap ΔC of cross-validated C-index (anchor: naive lifelines loop)"
$PY benchmarks/bench_cindex.py $([ "$quick" = "--quick" ] && echo "--n-boot 100 --naive-reps 5")

echo "== voom + lm_fit (anchor: R limma)"
$PY benchmarks/bench_rnaseq.py $([ "$have_r" = yes ] && [ "$quick" != "--quick" ] && echo "--with-r")

echo "== voom + limma eBayes, PAM + 10-fold CV (anchor: R limma)"
$PY benchmarks/bench_expression.py

echo "== imaging: N4 per volume, extraction throughput with 1 and 2 jobs (anchor: serial pyradiomics)"
$PY benchmarks/bench_imaging.py --n-patients $([ "$quick" = "--quick" ] && echo 4 || echo 24)

echo "== response prediction: DeLong paired test at n = 10,000 (anchor: R pROC roc.test), S0 factorial grid"
have_proc=$([ "$have_r" = yes ] && Rscript -e 'suppressPackageStartupMessages(library(pROC))' >/dev/null 2>&1 && echo yes || echo no)
$PY benchmarks/bench_predict.py $([ "$have_proc" = yes ] || echo "--no-r") $([ "$quick" = "--quick" ] && echo "--quick")

echo "== scale: consensus one job vs chunked at 500-5,000 patients, voom + limma at 1,000 × 20,000 (peak memory)"
$PY benchmarks/bench_scale.py $([ "$quick" = "--quick" ] && echo "--quick")

echo "== deep radiomics: CAE/HSCAE training throughput, study protocol projected (needs the deep extra)"
if $PY -c 'import torch, torchsurv' 2>/dev/null; then
  if [ "$quick" = "--quick" ]; then $PY benchmarks/bench_deep.py --patients 40 --size 64 --measure-epochs 1
  else $PY benchmarks/bench_deep.py --threads 2 --measure-epochs 1; fi
else echo "skipped: torch/torchsurv not installed (pip install -e '.[deep]')"; fi
