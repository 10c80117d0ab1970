"""The cohort container: a :class:`mudata.MuData` keyed by patient ID.

One AnnData per modality (``rna`` counts, feature tables such as ``hrf``), plus a
``clinical`` modality with no variables that carries every patient, so that the MuData's
observations are all patients; the clinical columns are the MuData's global ``.obs``.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import anndata as ad
import mudata as md
import numpy as np
import pandas as pd

from omics.data.io import atomic_path
from omics.data.validate import InputError, OverlapWarning, check_overlap

CLINICAL = "clinical"

def _modality(table: pd.DataFrame, layer: str | None = None) -> ad.AnnData:
    obs = pd.DataFrame(index=table.index.astype(str))
    var = pd.DataFrame(index=table.columns.astype(str))
    values = table.to_numpy(dtype=np.float32 if layer == "counts" else float)
    adata = ad.AnnData(values, obs=obs, var=var)
    if layer:
        adata.layers[layer] = values.copy()
    return adata


def build_cohort(clinical: pd.DataFrame, *, counts: pd.DataFrame | None = None,
                 features: dict[str, pd.DataFrame] | None = None,
                 strict: bool = False) -> md.MuData:
    """Assemble a cohort from a clinical table and per-modality tables.

    Parameters
    ----------
    clinical
        One row per patient, indexed by patient ID.
    counts
        Raw RNA-seq counts, samples × genes (see :func:`omics.data.read_counts`); stored as
        modality ``rna`` with the counts in ``X`` and in ``layers["counts"]``.
    features
        ``{modality name: samples × features table}`` (e.g. ``{"hrf": handcrafted}``).
    strict
        Refuse modality samples that have no clinical row (default: also refuse — every
        sample must have a clinical row; patients without a modality are fine and reported).

    Returns
    -------
    mudata.MuData
        Observations = all clinical patients; ``.uns["overlap"]`` says who has what.
    """
    modalities = {CLINICAL: ad.AnnData(np.zeros((len(clinical), 0), dtype=np.float32),
                                       obs=pd.DataFrame(index=clinical.index.astype(str)))}
    tables = dict(features or {})
    if counts is not None:
        tables = {"rna": counts, **tables}
    overlap = {}
    for name, table in tables.items():
        if name == CLINICAL:
            raise InputError("'clinical' is reserved for the clinical table")
        ov = check_overlap(clinical.index, table.index, "clinical table", f"modality {name!r}",
                           require_all_right=True, warn=False)
        if ov.only_left:  # normal (e.g. RNA for a subset) but said, never silent
            warnings.warn(str(ov), OverlapWarning, stacklevel=2)
        overlap[name] = {"n_patients": len(ov.shared), "n_clinical_without": len(ov.only_left)}
        modalities[name] = _modality(table, layer="counts" if name == "rna" else None)
    # the clinical columns are set explicitly below; the option is set for this block only
    # (a library must not change the user's MuData settings)
    with md.set_options(pull_on_update=False):
        mdata = md.MuData(modalities)
        ordered = clinical.copy()
        ordered.index = ordered.index.astype(str)
        ordered = ordered.reindex(mdata.obs_names)
        for column in ordered.columns:
            mdata.obs[column] = ordered[column].to_numpy()
    mdata.uns["overlap"] = overlap
    return mdata


def clinical_of(mdata: md.MuData) -> pd.DataFrame:
    """The clinical table (global ``.obs`` without MuData's per-modality columns)."""
    prefixes = tuple(f"{m}:" for m in mdata.mod)
    cols = [c for c in mdata.obs.columns if not c.startswith(prefixes)]
    return mdata.obs[cols].copy()


def modality_table(mdata: md.MuData, name: str, *, layer: str | None = None) -> pd.DataFrame:
    """A modality as a samples × variables DataFrame (``layer`` e.g. ``"counts"``)."""
    if name not in mdata.mod:
        raise InputError(f"the cohort has no modality {name!r}; it has {sorted(mdata.mod)}")
    adata = mdata.mod[name]
    values = adata.layers[layer] if layer else adata.X
    values = values.toarray() if hasattr(values, "toarray") else np.asarray(values)
    return pd.DataFrame(values, index=adata.obs_names.copy(), columns=adata.var_names.copy())


def write_cohort(mdata: md.MuData, path: str | os.PathLike) -> Path:
    """Write the cohort to ``.h5mu`` atomically."""
    path = Path(path)
    if path.suffix != ".h5mu":
        raise InputError(f"{path}: a cohort file must end in .h5mu")
    with atomic_path(path) as tmp:
        mdata.write(tmp)
    return path


def read_cohort(path: str | os.PathLike) -> md.MuData:
    """Read a cohort written by :func:`write_cohort`."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    try:
        return md.read_h5mu(path)
    except (OSError, KeyError) as exc:
        raise InputError(f"{path}: not a readable .h5mu cohort ({exc})") from exc


def describe_cohort(mdata: md.MuData) -> str:
    """A short human-readable summary (used by ``omics info``)."""
    clinical = clinical_of(mdata)
    lines = [f"cohort: {mdata.n_obs} patients, {len(clinical.columns)} clinical columns"]
    for name, adata in mdata.mod.items():
        if name == CLINICAL:
            continue
        lines.append(f"  {name}: {adata.n_obs} patients × {adata.n_vars} variables")
    for time, event in (("mfs_time", "mfs_event"), ("os_time", "os_event")):
        if time in clinical and event in clinical:
            e = pd.to_numeric(clinical[event], errors="coerce")
            lines.append(f"  {event}: {int(e.sum())} events / {int(e.notna().sum())} patients "
                         f"({100 * e.mean():.1f} %), median follow-up "
                         f"{pd.to_numeric(clinical[time]).median():.1f}")
    return "\n".join(lines)
