"""Handcrafted radiomic features with pyradiomics, for several sequences and ROIs per
patient, in parallel over patients.

Feature names are ``<sequence>__<roi>__<family>_<feature>``, e.g.
``CET1__tumour__glcm_Contrast`` or ``T2__peri2mm__firstorder_Entropy``; for filtered images
the image type prefixes the family (``T2__tumour__wavelet-LLH-glcm_Contrast``). pyradiomics'
``diagnostics_*`` entries (versions, settings, image and mask summaries) are kept in a
separate long table, never mixed with the features. A patient whose extraction fails is
reported with the reason; the others are kept.

Parameter presets ship as YAML in ``omics/imaging/presets/`` (:func:`list_presets`):
``study`` (the reference study: 256 fixed bins, GLCM distances 1/2/4, shape from CET1),
``ibsi_fixed_bin_width`` and ``filtered`` (LoG + wavelet). A preset has an ``omics``
section (``shape_sequences``, ``ring_distances_mm``) and a ``pyradiomics`` section (a
pyradiomics parameter dictionary); a plain pyradiomics parameter file is accepted too.
"""

from __future__ import annotations

import copy
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd
import SimpleITK as sitk
import yaml

from omics._result import Result
from omics.data.validate import InputError, check_unique_ids
from omics.imaging.io import MANIFEST_COLUMNS, PatientImages, manifest_patients, read_image, read_patient_images, same_geometry  # noqa: F401
from omics.imaging.masks import roi_masks, validate_mask

PRESET_DIR = Path(__file__).parent / "presets"


# --------------------------------------------------------------------------- presets
def list_presets() -> list[str]:
    """Names of the shipped presets."""
    return sorted(p.stem for p in PRESET_DIR.glob("*.yaml"))


@dataclass
class Preset:
    """A radiomics parameter set: pyradiomics parameters plus omics options.

    Attributes
    ----------
    name
        Preset name or file.
    pyradiomics
        pyradiomics parameter dictionary (``imageType``, ``featureClass``, ``setting``).
    shape_sequences
        Sequences on which shape features are computed (``None``: all).
    ring_distances_mm
        Peritumoral ring widths (mm) extracted besides the tumour.
    """

    name: str
    pyradiomics: dict
    shape_sequences: list[str] | None = None
    ring_distances_mm: list[float] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"name": self.name, "pyradiomics": self.pyradiomics,
                "shape_sequences": self.shape_sequences, "ring_distances_mm": self.ring_distances_mm}


def load_preset(preset: str | os.PathLike | Mapping) -> Preset:
    """Load a shipped preset by name, a YAML file, or a dictionary.

    Parameters
    ----------
    preset
        ``study``, ``ibsi_fixed_bin_width``, ``filtered``, a path to a YAML file (an omics
        preset or a plain pyradiomics parameter file), or an equivalent dictionary.

    Returns
    -------
    Preset

    References
    ----------
    van Griethuysen JJM et al. Computational radiomics system to decode the radiographic
    phenotype. Cancer Res 2017;77:e104–e107.
    """
    if isinstance(preset, Mapping):
        content, name = copy.deepcopy(dict(preset)), "custom"
    else:
        path = Path(preset)
        if not path.suffix and (PRESET_DIR / f"{preset}.yaml").is_file():
            path = PRESET_DIR / f"{preset}.yaml"
        if not path.is_file():
            raise InputError(f"radiomics preset {preset!r} is neither a shipped preset ({', '.join(list_presets())}) "
                             "nor an existing YAML file")
        try:
            with open(path, encoding="utf-8") as fh:
                content = yaml.safe_load(fh) or {}
        except (yaml.YAMLError, UnicodeDecodeError) as exc:  # safe_load refuses Python tags: say so, briefly
            reason = " ".join(str(exc).split())[:200]
            raise InputError(f"{path}: not a valid radiomics preset YAML ({reason})") from exc
        name = path.stem
    if not isinstance(content, Mapping):
        raise InputError(f"preset {preset!r}: expected a mapping of pyradiomics sections, got "
                         f"{type(content).__name__}")
    if "pyradiomics" in content:
        options = content.get("omics") or {}
        params = content["pyradiomics"]
    else:
        options, params = {}, content
    if not isinstance(params, Mapping) or not isinstance(options, Mapping):
        raise InputError(f"preset {preset!r}: the 'pyradiomics' and 'omics' sections must be mappings")
    unknown = set(params) - {"imageType", "featureClass", "setting", "voxelSetting"}
    if unknown:
        raise InputError(f"preset {name}: unknown pyradiomics section(s) {sorted(unknown)}")
    shape = options.get("shape_sequences")
    try:
        rings = [float(d) for d in (options.get("ring_distances_mm") or [])]
    except (TypeError, ValueError) as exc:
        raise InputError(f"preset {name}: ring_distances_mm must be a list of numbers (mm)") from exc
    return Preset(name, params, list(shape) if shape is not None else None, rings)


def _extractor(params: dict, with_shape: bool):
    from radiomics import featureextractor

    params = copy.deepcopy(params)
    classes = dict(params.get("featureClass") or {})
    if not with_shape:
        classes.pop("shape", None)
        classes.pop("shape2D", None)
    params["featureClass"] = classes
    logging.getLogger("radiomics").setLevel(logging.ERROR)
    return featureextractor.RadiomicsFeatureExtractor(params)


# --------------------------------------------------------------------------- naming
def feature_name(sequence: str, roi: str, pyradiomics_key: str) -> str:
    """``<sequence>__<roi>__<family>_<feature>`` from a pyradiomics key
    (``original_glcm_Contrast`` → ``glcm_Contrast``; ``wavelet-LLH_glcm_Contrast`` →
    ``wavelet-LLH-glcm_Contrast``)."""
    image_type, family, feature = pyradiomics_key.split("_", 2)
    if image_type != "original":
        family = f"{image_type}-{family}"
    return f"{sequence}__{roi}__{family}_{feature}"


def split_feature_name(name: str) -> tuple[str, str, str, str]:
    """Inverse of :func:`feature_name`: ``(sequence, roi, family, feature)``."""
    parts = name.split("__")
    if len(parts) != 3:
        raise InputError(f"feature name {name!r} is not of the form <sequence>__<roi>__<family>_<feature>")
    family, _, feature = parts[2].partition("_")
    return parts[0], parts[1], family, feature


def _as_image(obj, pixel_type=None) -> sitk.Image:
    if isinstance(obj, sitk.Image):
        return obj
    return read_image(obj, pixel_type=pixel_type)


# --------------------------------------------------------------------------- extraction
DIAGNOSTIC_COLUMNS = ["patient_id", "mask", "sequence", "roi", "key", "value"]
FAILURE_COLUMNS = ["patient_id", "mask", "reason"]


@dataclass(repr=False)
class PatientFeatures(Result):
    """Features of one patient for one mask (``mask`` or ``mask_repeat``).

    ``to_frame()`` is a one-row patients × features table (index ``patient_id``),
    ``write(out)`` writes ``features.csv`` and ``diagnostics.csv``.
    """

    patient_id: str
    features: dict[str, float]
    diagnostics: list[dict]

    def to_frame(self) -> pd.DataFrame:
        frame = pd.DataFrame([self.features], index=pd.Index([self.patient_id], name="patient_id"))
        return frame

    def diagnostics_frame(self) -> pd.DataFrame:
        """pyradiomics' ``diagnostics_*`` entries: ``patient_id, mask, sequence, roi, key, value``."""
        return pd.DataFrame(self.diagnostics, columns=DIAGNOSTIC_COLUMNS)

    @property
    def summary(self) -> pd.DataFrame:
        """Feature counts per sequence and ROI."""
        parts = [split_feature_name(n) for n in self.features]
        frame = pd.DataFrame(parts, columns=["sequence", "roi", "family", "feature"])
        return (frame.groupby(["sequence", "roi"], sort=False).size().rename("n_features").reset_index())

    def write(self, out_dir) -> dict:
        """Write ``features.csv`` (one row) and ``diagnostics.csv`` under ``out_dir``."""
        from omics.data.io import write_table

        out = Path(out_dir)
        return {"features": write_table(self.to_frame(), out / "features.csv"),
                "diagnostics": write_table(self.diagnostics_frame(), out / "diagnostics.csv", index=False)}

    def _short(self) -> str:
        return f"{self.patient_id}: {len(self.features)} features"


def extract_patient(patient: PatientImages, *, preset: Preset | str | Mapping = "study",
                    which_mask: str = "mask", ring_distances_mm: Sequence[float] | None = None,
                    exclude: Any = None, label: int | None = None) -> PatientFeatures:
    """Extract all features of one patient: every sequence × every ROI.

    Parameters
    ----------
    patient
        Images and masks (paths or SimpleITK images); images and masks must share one grid
        (run :func:`omics.imaging.preprocess.preprocess_patient` first).
    preset
        Parameter preset (see :func:`load_preset`).
    which_mask
        ``mask`` or ``mask_repeat``.
    ring_distances_mm
        Ring widths; ``None`` takes the preset's.
    exclude
        Optional exclusion mask for the rings.
    label
        Mask label of the tumour. ``None`` (default) requires a mask with exactly one
        non-zero label and refuses one with several, naming them: a multi-label mask is
        never silently cut to one label. (pyradiomics' ``setting.label`` does not choose it:
        the ROIs handed to pyradiomics are binary.)

    Returns
    -------
    PatientFeatures

    Raises
    ------
    InputError
        Invalid mask (empty, several labels, geometry mismatch), naming the patient.
    """
    preset = preset if isinstance(preset, Preset) else load_preset(preset)
    rings = preset.ring_distances_mm if ring_distances_mm is None else list(ring_distances_mm)
    mask_obj = patient.mask if which_mask == "mask" else patient.repeat_mask
    if mask_obj is None:
        raise InputError(f"patient {patient.patient_id}: no {which_mask}")
    raw_mask = _as_image(mask_obj)
    images = {seq: _as_image(img) for seq, img in patient.images.items()}
    first = next(iter(images.values()))
    binary = validate_mask(raw_mask, image=first, patient=patient.patient_id, label=label, name=which_mask)
    excl = _as_image(exclude) if exclude is not None else None
    rois = roi_masks(binary, distances_mm=rings, exclude=excl)
    extractors = {True: None, False: None}
    features: dict[str, float] = {}
    diagnostics: list[dict] = []
    for seq, image in images.items():
        if not _same_grid(image, binary):
            validate_mask(raw_mask, image=image, patient=patient.patient_id, label=label, name=which_mask)
        with_shape = preset.shape_sequences is None or seq in preset.shape_sequences
        if extractors[with_shape] is None:
            extractors[with_shape] = _extractor(preset.pyradiomics, with_shape)
        for roi, roi_mask in rois.items():
            try:
                result = extractors[with_shape].execute(image, roi_mask, label=1)
            except Exception as exc:  # pyradiomics raises bare ValueError/RuntimeError/…
                raise RuntimeError(f"{seq}/{roi}: {type(exc).__name__}: {str(exc).strip()}") from exc
            for key, value in result.items():
                if key.startswith("diagnostics_"):
                    diagnostics.append({"patient_id": patient.patient_id, "mask": which_mask, "sequence": seq,
                                        "roi": roi, "key": key, "value": _diag_value(value)})
                else:
                    features[feature_name(seq, roi, key)] = float(np.asarray(value))
    return PatientFeatures(patient.patient_id, features, diagnostics)


def _same_grid(a: sitk.Image, b: sitk.Image) -> bool:
    return same_geometry(a, b)


def _diag_value(value) -> str:
    if isinstance(value, np.ndarray):
        return repr(value.tolist())
    return str(value)


@dataclass(repr=False)
class ExtractionResult(Result):
    """Features of a cohort.

    Attributes
    ----------
    features
        Patients × features (first segmentation), index ``patient_id``.
    features_repeat
        Patients × features from the repeat segmentations (patients that have one).
    diagnostics
        Long table ``patient_id, mask, sequence, roi, key, value`` of pyradiomics'
        ``diagnostics_*`` entries.
    failures
        ``patient_id, mask, reason`` of the extractions that failed.
    preset
        The preset used.

    ``to_frame()`` is ``features``; ``write(out)`` writes ``features.csv``,
    ``features_repeat.csv``, ``diagnostics.csv`` and ``failures.csv`` as ``omics extract`` does.
    """

    features: pd.DataFrame
    features_repeat: pd.DataFrame
    diagnostics: pd.DataFrame
    failures: pd.DataFrame
    preset: Preset

    def to_frame(self) -> pd.DataFrame:
        return self.features.copy()

    @property
    def summary(self) -> pd.DataFrame:
        """One row: patients, features, repeat segmentations, failures and the preset."""
        return pd.DataFrame([{"n_patients": self.features.shape[0], "n_features": self.features.shape[1],
                              "n_repeat": self.features_repeat.shape[0], "n_failures": len(self.failures),
                              "preset": self.preset.name}])

    def check(self, *, allow_failures: bool = False) -> "ExtractionResult":
        """Refuse a result in which every patient failed (``InputError`` quoting the first
        reasons), unless ``allow_failures``; returns ``self``."""
        if self.features.empty and not allow_failures:
            reasons = "; ".join(f"{r.patient_id}: {r.reason}" for r in self.failures.head(3).itertuples())
            raise InputError(f"extraction failed for every patient ({reasons})")
        return self

    def write(self, out_dir) -> dict:
        """Write the four tables of ``omics extract`` under ``out_dir``."""
        from omics.data.io import write_table

        out = Path(out_dir)
        return {"features": write_table(self.features, out / "features.csv"),
                "features_repeat": write_table(self.features_repeat, out / "features_repeat.csv"),
                "diagnostics": write_table(self.diagnostics, out / "diagnostics.csv", index=False),
                "failures": write_table(self.failures, out / "failures.csv", index=False)}

    def _short(self) -> str:
        return (f"{self.features.shape[0]} patients × {self.features.shape[1]} features; "
                f"{self.features_repeat.shape[0]} with a repeat segmentation; "
                f"{len(self.failures)} failure(s); preset {self.preset.name}")


def _extract_one(patient: PatientImages, preset: Preset, which_mask: str, rings, exclude, label=None):
    try:
        return extract_patient(patient, preset=preset, which_mask=which_mask, ring_distances_mm=rings, exclude=exclude, label=label), None
    except Exception as exc:  # reported per patient, the cohort goes on
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return None, {"patient_id": patient.patient_id, "mask": which_mask, "reason": reason}


def extract_cohort(patients: Sequence[PatientImages] | str | os.PathLike, *, preset: Preset | str | Mapping = "study",
                   n_jobs: int = 1, progress: bool = True, ring_distances_mm: Sequence[float] | None = None,
                   repeat: bool = True, label: int | None = None) -> ExtractionResult:
    """Extract features for every patient (and every repeat segmentation), in parallel.

    Parameters
    ----------
    patients
        :class:`PatientImages` list or a manifest path (see :func:`read_patient_images`).
    preset
        Parameter preset (see :func:`load_preset`).
    n_jobs
        Parallel worker processes (joblib); results do not depend on it.
    progress
        Show a progress bar (tqdm).
    ring_distances_mm
        Peritumoral ring widths; ``None`` takes the preset's.
    repeat
        Also extract on the repeat masks (for the ICC).
    label
        Tumour label in the masks; ``None`` requires single-label masks (see
        :func:`extract_patient`).

    Returns
    -------
    ExtractionResult
        A failing patient is listed in ``failures`` with the reason and missing from the
        feature tables; the other patients are kept.

    References
    ----------
    van Griethuysen JJM et al. Cancer Res 2017;77:e104–e107 (pyradiomics).
    """
    from joblib import Parallel, delayed
    from tqdm.auto import tqdm

    if isinstance(patients, (str, os.PathLike)):
        patients = read_patient_images(patients)
    patients = list(patients)
    check_unique_ids([p.patient_id for p in patients], "patients to extract")
    preset = preset if isinstance(preset, Preset) else load_preset(preset)
    tasks = [(p, "mask") for p in patients]
    if repeat:
        tasks += [(p, "mask_repeat") for p in patients if p.repeat_mask is not None]
    jobs = (delayed(_extract_one)(p, preset, which, ring_distances_mm, None, label) for p, which in tasks)
    runner = Parallel(n_jobs=n_jobs, return_as="generator")
    outputs = list(tqdm(runner(jobs), total=len(tasks), desc="radiomics", unit="extraction",
                        disable=not progress or os.environ.get("CI") is not None))
    return _collect(tasks, outputs, preset)


def _collect(tasks, outputs, preset) -> ExtractionResult:
    rows = {"mask": {}, "mask_repeat": {}}
    diagnostics, failures = [], []
    for (patient, which), (result, failure) in zip(tasks, outputs):
        if failure is not None:
            failures.append(failure)
            continue
        rows[which][patient.patient_id] = result.features
        diagnostics.extend(result.diagnostics)

    def frame(d):
        df = pd.DataFrame.from_dict(d, orient="index")
        df.index.name = "patient_id"
        return df

    features, repeated = frame(rows["mask"]), frame(rows["mask_repeat"])
    if len(repeated):
        repeated = repeated.reindex(columns=features.columns if len(features) else repeated.columns)
    diag = pd.DataFrame(diagnostics, columns=DIAGNOSTIC_COLUMNS)
    fail = pd.DataFrame(failures, columns=FAILURE_COLUMNS)
    return ExtractionResult(features, repeated, diag, fail, preset)
