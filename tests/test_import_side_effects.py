"""Importing omics changes nothing in the user's session: no matplotlib backend switch, no
MuData option flipped (issue 12: inline figures must keep showing in Jupyter)."""

import subprocess
import sys

SCRIPT = r"""
import importlib, pkgutil
import matplotlib
matplotlib.use("svg")
from mudata._core.config import OPTIONS
before = dict(OPTIONS)
import omics
names = [m.name for m in pkgutil.walk_packages(omics.__path__, "omics.")]
for name in names:
    if name.startswith("omics.cli.") or ".tests" in name:
        continue
    importlib.import_module(name)
from omics.data import build_cohort  # the cohort builder sets a MuData option for its own block only
import pandas as pd
clinical = pd.DataFrame({"age": [50, 60]}, index=pd.Index(["P1", "P2"], name="patient_id"))
build_cohort(clinical, features={"rad": pd.DataFrame({"f": [1.0, 2.0]}, index=["P1", "P2"])})
assert matplotlib.get_backend() == "svg", matplotlib.get_backend()
assert dict(OPTIONS) == before, (before, dict(OPTIONS))
print(len(names))
"""


def test_importing_every_module_changes_no_global_setting():
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert int(result.stdout.split()[-1]) > 50      # it really walked the package
