"""Issue 10: the ``omics`` command starts without loading the heavy libraries."""

import json
import subprocess
import sys

HEAVY = ("anndata", "mudata", "matplotlib", "torch", "sklearn", "statsmodels", "lifelines", "gseapy",
         "pydeseq2", "SimpleITK", "radiomics", "scipy.stats")


def loaded_after(code: str) -> list[str]:
    probe = code + f"\nimport json, sys\nprint(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_omics_help_loads_no_heavy_library():
    # what `omics --help` and `omics COMMAND --help` do: build the whole parser
    assert loaded_after("import omics.cli\nomics.cli.build_parser()") == []


def test_stage_packages_import_lazily():
    assert loaded_after("import omics.cluster, omics.survival, omics.expression, omics.stats") == []



def test_lazy_names_still_import():
    from omics.cluster import consensus_cluster
    from omics.expression import NearestShrunkenCentroids, pam_signature
    from omics.stats import association_table
    from omics.survival import cox_table
    assert all(callable(f) for f in (consensus_cluster, pam_signature, association_table, cox_table))
    assert NearestShrunkenCentroids.__module__ == "omics.expression.pam"
