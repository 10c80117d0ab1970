"""The tutorial notebooks (notebooks/*.ipynb) run top to bottom on this checkout.

Each notebook is copied to a temporary folder and executed there with nbclient, on a kernel
spec that runs this test's Python (so the kernel imports the same ``omics``). The test fails
on any cell error and checks that the notebook's key results and figures were produced, and
that it wrote nothing into its working folder (notebooks write only into ``tempfile`` folders).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"

# notebook → (texts that must appear in its outputs, minimum number of figures)
EXPECTED = {
    "01_quickstart.ipynb": (["handcrafted radiomic features", "pac", "A_hRF×A_RNA", "log-rank:", "hr_lower",
                             "significant genes", "p_adj", "voom_weights", "rna_group"], 5),
    "02_reference_study.ipynb": (["Training", "kept with ICC", "d-RFs:", "logrank_p", "multi_hr", "c_index",
                                  "HSCAE + RNA", "DEGs", "DEMO_", "PAM signature"], 10),
    "03_your_own_data.ipynb": (["3 cases ×", "glcm_Contrast", "ILLUSTRATIVE_PROLIFERATION", "A_array",
                                "significant genes", "nes", "odds_ratio"], 5),
    "04_response_prediction.ipynb": (["external:Paris", "AUC", "paired DeLong", "intercept", "multi_or"], 4),
}


def _execute_module():
    spec = importlib.util.spec_from_file_location("omics_notebooks_execute", NOTEBOOKS / "execute.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_notebook_is_tested():
    assert sorted(p.name for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")) == sorted(EXPECTED)


def _outputs(nb) -> tuple[str, int, list[str]]:
    texts, figures, errors = [], 0, []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for out in cell.get("outputs", []):
            if out.output_type == "error":
                errors.append(f"{out.ename}: {out.evalue}")
            elif out.output_type == "stream":
                texts.append(out.text)
            else:
                data = out.get("data", {})
                figures += "image/png" in data
                texts.extend(str(data[k]) for k in ("text/plain", "text/html") if k in data)
    return "\n".join(texts), figures, errors


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_notebook_runs(name, tmp_path, monkeypatch):
    execute = _execute_module()
    monkeypatch.setenv("OMICS_PYRADIOMICS_DATA",
                       os.environ.get("OMICS_PYRADIOMICS_DATA", str(ROOT / ".cache" / "pyradiomics-data")))
    work = tmp_path / "work"
    work.mkdir()
    copy = tmp_path / name
    shutil.copy(NOTEBOOKS / name, copy)
    with execute.kernel_for_this_python() as kernel:
        nb, _ = execute.execute(copy, cwd=work, kernel=kernel, timeout=300)
    text, figures, errors = _outputs(nb)
    assert not errors, errors
    wanted, min_figures = EXPECTED[name]
    missing = [w for w in wanted if w not in text]
    assert not missing, f"{name}: outputs lack {missing}"
    assert figures >= min_figures, f"{name}: {figures} figures, expected at least {min_figures}"
    assert list(work.iterdir()) == [], f"{name} wrote into its working folder: {list(work.iterdir())}"
