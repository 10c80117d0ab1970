"""Provenance: what produced an output folder (package versions, parameters, seeds)."""

from __future__ import annotations

import datetime as _dt
import importlib.metadata
import json
import platform
import sys
from pathlib import Path
from typing import Any, Mapping

from omics.data.io import write_text

#: Packages whose versions change results; recorded when installed.
TRACKED_PACKAGES = (
    "omics", "numpy", "scipy", "pandas", "anndata", "mudata", "scikit-learn", "statsmodels",
    "SimpleITK", "pyradiomics", "lifelines", "gseapy", "pydeseq2", "torch", "snakemake",
    "matplotlib",
)


def package_versions(*, packages: tuple[str, ...] = TRACKED_PACKAGES) -> dict[str, str]:
    """Return ``{package: version}`` for the tracked packages that are installed."""
    versions = {}
    for name in packages:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return versions


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, range)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return str(value)


def provenance_record(step: str, params: Mapping[str, Any] | None, *,
                      seed: int | None = None, inputs: list[str] | None = None) -> dict:
    """Build the provenance dictionary of one step (``params``: the step's parameters, or None)."""
    return {
        "step": step,
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "seed": seed,
        "parameters": _jsonable(dict(params or {})),
        "inputs": [str(p) for p in (inputs or [])],
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "command": " ".join(sys.argv),
        "packages": package_versions(),
    }


def write_provenance(out_dir: str | Path, step: str, params: Mapping[str, Any] | None, *,
                     seed: int | None = None, inputs: list[str] | None = None,
                     filename: str = "provenance.json") -> Path:
    """Write ``provenance.json`` (atomically) into ``out_dir`` and return its path.

    ``params`` (the step's parameters, or None) is required so that no step forgets them.
    """
    record = provenance_record(step, params, seed=seed, inputs=inputs)
    return write_text(json.dumps(record, indent=2) + "\n", Path(out_dir) / filename)
