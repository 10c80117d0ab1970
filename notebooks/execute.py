"""Re-execute the tutorial notebooks and save them with their outputs, in place.

Usage (from the repository root)::

    .venv/bin/python notebooks/execute.py                 # every notebook
    .venv/bin/python notebooks/execute.py 02_reference_study.ipynb

The kernel is this Python (``sys.executable``) through a temporary kernel spec, with the
repository root first on ``PYTHONPATH`` so that the checkout's ``omics`` is the one run. Cells
run from a temporary folder. Every notebook seeds its analyses, so re-executing gives the same
numbers; execution timestamps are not recorded, which keeps re-execution diffs small.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
KERNEL = "omics-notebooks"


@contextlib.contextmanager
def kernel_for_this_python(extra_path: Path | None = None):
    """A kernel spec named ``omics-notebooks`` that runs ``sys.executable``, visible through JUPYTER_PATH."""
    with tempfile.TemporaryDirectory(prefix="omics_kernel_") as folder:
        spec = Path(folder) / "kernels" / KERNEL
        spec.mkdir(parents=True)
        env = {"MPLBACKEND": "module://matplotlib_inline.backend_inline", "TQDM_DISABLE": "1",
               "PYTHONHASHSEED": "0"}
        if extra_path is not None:
            env["PYTHONPATH"] = os.pathsep.join([str(extra_path), *filter(None, [os.environ.get("PYTHONPATH")])])
        (spec / "kernel.json").write_text(json.dumps({
            "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "Python (omics)", "language": "python", "env": env}))
        old = os.environ.get("JUPYTER_PATH")
        os.environ["JUPYTER_PATH"] = os.pathsep.join([folder, *filter(None, [old])])
        try:
            yield KERNEL
        finally:
            if old is None:
                os.environ.pop("JUPYTER_PATH", None)
            else:
                os.environ["JUPYTER_PATH"] = old


def execute(path: Path, *, cwd: Path, kernel: str, timeout: int = 600):
    """Execute one notebook (in memory) from ``cwd``; returns (notebook, seconds)."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, kernel_name=kernel, timeout=timeout, resources={"metadata": {"path": str(cwd)}},
                            record_timing=False)
    start = time.perf_counter()
    client.execute()
    return nb, time.perf_counter() - start


def main(names: list[str]) -> int:
    import nbformat

    paths = [HERE / n for n in names] if names else sorted(HERE.glob("[0-9][0-9]_*.ipynb"))
    with kernel_for_this_python(ROOT) as kernel, tempfile.TemporaryDirectory(prefix="omics_nb_") as cwd:
        os.environ.setdefault("OMICS_PYRADIOMICS_DATA", str(ROOT / ".cache" / "pyradiomics-data"))
        for path in paths:
            nb, seconds = execute(path, cwd=Path(cwd), kernel=kernel)
            nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                         "language": "python"}
            nbformat.write(nb, path)
            print(f"{path.name}: {seconds:.0f} s, {path.stat().st_size / 1024:.0f} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
