# omics — the two commands that work on a fresh machine (Python 3.11 + pip, no conda):
#   make demo   set up .venv and run the whole analysis on the built-in demo cohort
#   make test   set up .venv and run the whole test suite
# Re-running is fast: .venv is rebuilt only when pyproject.toml or this Makefile changes.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.omics-installed
PIP    := $(BIN)/python -m pip --disable-pip-version-check -q
DEMO_CONFIG ?= snakemake/config/demo.yaml
DEMO_REPORT ?= results/demo/report.html
CORES  ?= 2
PYTEST_ARGS ?=

# Real MRI test cases with reference features (brain1, breast1, lung1 + baseline CSVs) come
# from the pyradiomics source distribution; fetched once at setup time, read offline by tests.
PYRADIOMICS_DATA := .cache/pyradiomics-data
PYRADIOMICS_STAMP := $(PYRADIOMICS_DATA)/baseline/baseline_glcm.csv

.PHONY: setup test-data system-deps demo test clean-demo clean help

help:
	@echo "make demo   - set up .venv and run the whole workflow on the demo cohort (results/demo)"
	@echo "make test   - set up .venv and run the test suite"

setup: $(STAMP)

$(STAMP): pyproject.toml Makefile
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "omics needs Python >= 3.11"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip
	# pyradiomics has no isolated build: its build needs numpy, versioneer and wheel first.
	$(PIP) install numpy versioneer wheel
	$(PIP) install --no-build-isolation pyradiomics
	# The local CPU build of torch; pinned so nothing pulls the CUDA build.
	$(PIP) install torch==2.13.0
	$(PIP) install -e ".[all,dev]"
	touch $(STAMP)

test-data: $(PYRADIOMICS_STAMP)

$(PYRADIOMICS_STAMP): | $(STAMP)
	$(BIN)/python tests/_scripts/imaging_fetch_pyradiomics_data.py --dest $(PYRADIOMICS_DATA)

# The real-SLURM workflow test starts its own one-node cluster from Debian's slurm-wlm and munge.
system-deps:
	@if ! command -v sbatch >/dev/null || [ ! -x /usr/sbin/slurmctld ] || [ ! -x /usr/sbin/munged ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q slurm-wlm munge; \
		else \
			echo "make test needs Debian's slurm-wlm and munge: sudo apt-get install -y slurm-wlm munge"; exit 2; \
		fi; \
	fi

demo: $(STAMP)
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/snakemake -s snakemake/Snakefile --configfile $(DEMO_CONFIG) \
		--profile snakemake/profiles/local --cores $(CORES)
	# The HTML report of that run: every table and figure by stage, with captions (Snakemake's --report).
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/snakemake -s snakemake/Snakefile --configfile $(DEMO_CONFIG) \
		--profile snakemake/profiles/local --report $(DEMO_REPORT)
	@echo "Demo results are in results/demo (tables/, figures/, logs/, provenance/); report: $(DEMO_REPORT)"

test: $(STAMP) $(PYRADIOMICS_STAMP) system-deps
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python -m pytest -n $(CORES) $(PYTEST_ARGS)

clean-demo:
	rm -rf results/demo demo_cohort .snakemake

clean: clean-demo
	rm -rf $(VENV)
