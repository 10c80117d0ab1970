#!/usr/bin/env bash
# Run every benchmark of DESIGN §5 with its anchor and print the ratios.
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
