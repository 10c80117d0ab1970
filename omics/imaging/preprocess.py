"""MRI preprocessing before radiomics: resampling, N4 bias-field correction, histogram
matching to a cohort reference and z-scoring.

Each step is optional and recorded: :func:`preprocess_patient` returns the processed
images together with a list of the steps applied, their parameters and their duration, so
that what was done to every image can be written next to the features.

The order follows the reference study (Crombé & Lucchesi 2024): resample → N4 → histogram
matching (→ optional z-score, as in Zheng et al.). The tumour mask is drawn on the
contrast-enhanced T1 (``CET1``); all sequences of a patient and the mask are put on the grid
of the resampled ``CET1`` (linear interpolation for images, nearest neighbour for masks),
so one mask serves every sequence.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
import pandas as pd
import SimpleITK as sitk

from omics._result import Result
from omics.data.validate import InputError

_INTERPOLATORS = {
    "linear": sitk.sitkLinear,
    "nearest": sitk.sitkNearestNeighbor,
    "bspline": sitk.sitkBSpline,
}


@dataclass(frozen=True)
class PreprocessConfig:
    """Which preprocessing steps to apply, with their parameters.

    Attributes
    ----------
    spacing
        Target voxel spacing in mm (x, y, z); ``None`` skips resampling. The study used
        1 × 1 × 4 mm.
    interpolator
        Interpolator for images (``linear``, ``bspline`` or ``nearest``); masks always use
        nearest neighbour.
    n4
        Apply N4 bias-field correction.
    n4_shrink_factor
        Downsampling factor for fitting the bias field (the field is then evaluated at full
        resolution).
    n4_iterations
        Maximum iterations per fitting level (one entry per level).
    n4_control_points
        Number of B-spline control points per axis of the bias field.
    histogram_match
        Match every image to its sequence's cohort reference (see
        :func:`cohort_reference`); needs references.
    histogram_levels, match_points
        Histogram bins and quantile match points of ITK's histogram-matching filter.
    output_range
        Intensity range of the reference after rescaling; matched images lie within it.
        The study used −10,000 … 10,000.
    zscore
        Standardise intensities to mean 0, SD 1 (over the foreground, or the mask if
        ``zscore_in_mask``).
    """

    spacing: tuple[float, float, float] | None = (1.0, 1.0, 4.0)
    interpolator: str = "linear"
    n4: bool = True
    n4_shrink_factor: int = 4
    n4_iterations: tuple[int, ...] = (50, 50, 30, 20)
    n4_control_points: int = 4
    histogram_match: bool = True
    histogram_levels: int = 1024
    match_points: int = 7
    output_range: tuple[float, float] = (-10000.0, 10000.0)
    zscore: bool = False
    zscore_in_mask: bool = False

    def __post_init__(self):
        if self.interpolator not in _INTERPOLATORS:
            raise InputError(f"interpolator must be one of {sorted(_INTERPOLATORS)}, got {self.interpolator!r}")
        if self.spacing is not None and (len(self.spacing) != 3 or min(self.spacing) <= 0):
            raise InputError(f"spacing must be three positive numbers (mm), got {self.spacing}")
        if self.n4_shrink_factor < 1:
            raise InputError(f"n4_shrink_factor must be >= 1, got {self.n4_shrink_factor}")
        lo, hi = self.output_range
        if not lo < hi:
            raise InputError(f"output_range must be (low, high) with low < high, got {self.output_range}")

    def to_dict(self) -> dict:
        """Parameters as a plain dictionary (for provenance)."""
        return asdict(self)


@dataclass
class StepRecord:
    """One preprocessing step applied to one image."""

    sequence: str
    step: str
    parameters: dict = field(default_factory=dict)
    seconds: float = 0.0


@dataclass(repr=False)
class PreprocessResult(Result):
    """Output of :func:`preprocess_patient`.

    Attributes
    ----------
    images
        ``{sequence: image}`` on one common grid.
    masks
        ``{name: mask}`` (``mask``, and ``mask_repeat`` when given) on the same grid.
    steps
        What was applied, in order.

    ``to_frame()`` is the step record (:meth:`steps_frame`), ``summary`` one row per image
    (size and spacing), ``write(out)`` writes ``out/<patient>/<sequence>.nii.gz`` and the
    binary masks as ``omics preprocess`` does.
    """

    patient_id: str
    images: dict[str, sitk.Image]
    masks: dict[str, sitk.Image]
    steps: list[StepRecord]

    def steps_frame(self):
        """The steps as a DataFrame (patient, sequence, step, parameters, seconds)."""
        rows = [{"patient_id": self.patient_id, "sequence": s.sequence, "step": s.step,
                 "parameters": repr(s.parameters), "seconds": round(s.seconds, 3)} for s in self.steps]
        return pd.DataFrame(rows, columns=["patient_id", "sequence", "step", "parameters", "seconds"])

    def to_frame(self) -> pd.DataFrame:
        return self.steps_frame()

    @property
    def summary(self) -> pd.DataFrame:
        """One row per image and mask: ``patient_id, name, kind, size, spacing``."""
        rows = [{"patient_id": self.patient_id, "name": name, "kind": kind, "size": tuple(img.GetSize()),
                 "spacing": tuple(round(v, 6) for v in img.GetSpacing())}
                for kind, group in (("image", self.images), ("mask", self.masks)) for name, img in group.items()]
        return pd.DataFrame(rows, columns=["patient_id", "name", "kind", "size", "spacing"])

    def relative_path(self, out_dir, name: str) -> str:
        """``<patient>/<name>.nii.gz`` relative to ``out_dir``, made safe by
        :func:`omics.data.child_path` (no ID can write outside ``out_dir``)."""
        from omics.data.paths import child_path

        out_dir = Path(out_dir)
        return child_path(out_dir, self.patient_id, name, suffix=".nii.gz",
                          what="sequence name").relative_to(out_dir).as_posix()

    def manifest_rows(self, out_dir) -> pd.DataFrame:
        """Manifest rows (``patient_id, sequence, image, mask, repeat_mask``) of the written files,
        paths relative to ``out_dir``."""
        rows = [{"patient_id": self.patient_id, "sequence": seq, "image": self.relative_path(out_dir, seq),
                 "mask": self.relative_path(out_dir, "mask"),
                 "repeat_mask": self.relative_path(out_dir, "mask_repeat") if "mask_repeat" in self.masks else ""}
                for seq in self.images]
        return pd.DataFrame(rows, columns=["patient_id", "sequence", "image", "mask", "repeat_mask"])

    def write(self, out_dir) -> dict:
        """Write the masks (binary uint8) and the images under ``out_dir/<patient>/``."""
        from omics.imaging.io import write_image

        out_dir = Path(out_dir)
        paths = {}
        for name, m in self.masks.items():
            paths[name] = write_image(sitk.Cast(m, sitk.sitkUInt8), out_dir / self.relative_path(out_dir, name))
        for seq, img in self.images.items():
            paths[seq] = write_image(img, out_dir / self.relative_path(out_dir, seq))
        return paths

    def _short(self) -> str:
        seqs = ", ".join(f"{k} {v.GetSize()}" for k, v in self.images.items())
        return f"{self.patient_id}: {seqs}; steps {[s.step for s in self.steps]}"


@dataclass(repr=False)
class CohortPreprocessing(Result):
    """What :func:`preprocess_cohort` wrote: the new manifest and the step record.

    ``to_frame()`` is the manifest (paths relative to the output folder), ``summary`` the
    number of steps and seconds per patient and step, ``write(out)`` writes
    ``manifest.csv`` and ``steps.csv`` as ``omics preprocess`` does.
    """

    manifest: pd.DataFrame
    steps: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        return self.manifest.copy()

    @property
    def summary(self) -> pd.DataFrame:
        """Seconds spent per step (over images and patients) and how many images went through it."""
        return (self.steps.groupby("step", sort=False)
                .agg(n_images=("sequence", "size"), seconds=("seconds", "sum")).reset_index())

    def write(self, out_dir) -> dict:
        from omics.data.io import write_table

        out = Path(out_dir)
        return {"manifest": write_table(self.manifest, out / "manifest.csv", index=False),
                "steps": write_table(self.steps, out / "steps.csv", index=False)}

    def _short(self) -> str:
        return f"{self.manifest['patient_id'].nunique()} patients, {len(self.manifest)} images"


def resample(image: sitk.Image, *, spacing: Sequence[float] = (1.0, 1.0, 4.0),
             interpolator: str = "linear", default_value: float = 0.0) -> sitk.Image:
    """Resample an image to a new voxel spacing, keeping its physical extent.

    The output grid keeps the origin and direction; its size is
    ``round(size · old_spacing / new_spacing)`` per axis, so the field of view is preserved
    to within one voxel.

    Parameters
    ----------
    image
        Input image (not modified).
    spacing
        Target spacing in mm, (x, y, z).
    interpolator
        ``linear`` for intensity images, ``nearest`` for label masks, ``bspline``.
    default_value
        Value of voxels that map outside the input.

    Returns
    -------
    SimpleITK.Image
        Same pixel type as the input for ``nearest``; float32 otherwise.

    References
    ----------
    Zwanenburg A et al. The Image Biomarker Standardization Initiative. Radiology
    2020;295:328–338 (interpolation to a common grid).
    """
    if interpolator not in _INTERPOLATORS:
        raise InputError(f"interpolator must be one of {sorted(_INTERPOLATORS)}, got {interpolator!r}")
    spacing = tuple(float(s) for s in spacing)
    old_size, old_spacing = image.GetSize(), image.GetSpacing()
    new_size = [max(1, int(round(n * o / s))) for n, o, s in zip(old_size, old_spacing, spacing)]
    output_type = image.GetPixelID() if interpolator == "nearest" else sitk.sitkFloat32
    return sitk.Resample(image, new_size, sitk.Transform(), _INTERPOLATORS[interpolator],
                         image.GetOrigin(), spacing, image.GetDirection(), default_value, output_type)


def resample_to_reference(image: sitk.Image, reference: sitk.Image, *, interpolator: str = "linear",
                          default_value: float = 0.0) -> sitk.Image:
    """Resample ``image`` onto the grid of ``reference`` (physical space, identity transform)."""
    if interpolator not in _INTERPOLATORS:
        raise InputError(f"interpolator must be one of {sorted(_INTERPOLATORS)}, got {interpolator!r}")
    output_type = image.GetPixelID() if interpolator == "nearest" else sitk.sitkFloat32
    return sitk.Resample(image, reference, sitk.Transform(), _INTERPOLATORS[interpolator],
                         default_value, output_type)


def foreground_mask(image: sitk.Image) -> sitk.Image:
    """Otsu foreground (body) mask, used by N4 and z-scoring when no mask is given."""
    return sitk.OtsuThreshold(sitk.Cast(image, sitk.sitkFloat32), 0, 1, 200)


def n4_correct(image: sitk.Image, *, mask: sitk.Image | None = None, shrink_factor: int = 4,
               iterations: Sequence[int] = (50, 50, 30, 20), control_points: int = 4,
               return_field: bool = False):
    """N4 bias-field correction, fitted on a shrunk image and applied at full resolution.

    Parameters
    ----------
    image
        Intensity image (not modified); converted to float32.
    mask
        Region used to fit the field (non-zero voxels). ``None`` uses an Otsu foreground
        mask, the usual choice for MRI.
    shrink_factor
        Downsampling factor for the fit (N4's field is smooth; 2–4 is standard).
    iterations
        Maximum iterations per fitting level.
    control_points
        B-spline control points per axis.
    return_field
        Also return the estimated multiplicative bias field.

    Returns
    -------
    SimpleITK.Image or (SimpleITK.Image, SimpleITK.Image)
        The corrected image ``image / field`` (and the field).

    References
    ----------
    Tustison NJ et al. N4ITK: improved N3 bias correction. IEEE Trans Med Imaging
    2010;29:1310–1320.
    """
    image = sitk.Cast(image, sitk.sitkFloat32)
    mask = foreground_mask(image) if mask is None else sitk.Cast(mask > 0, sitk.sitkUInt8)
    if sitk.GetArrayFromImage(mask).max() == 0:
        raise InputError("N4: the fitting mask is empty")
    factor = [int(shrink_factor)] * image.GetDimension()
    small = sitk.Shrink(image, factor) if shrink_factor > 1 else image
    small_mask = sitk.Shrink(mask, factor) if shrink_factor > 1 else mask
    if sitk.GetArrayFromImage(small_mask).max() == 0:  # mask thinner than the shrink step
        small, small_mask = image, mask
    # N4 works on the log of the intensities: shift to strictly positive values.
    minimum = float(sitk.GetArrayFromImage(image).min())
    shift = 1.0 - minimum if minimum < 1.0 else 0.0
    corrector = sitk.N4BiasFieldCorrectionImageFilter()
    corrector.SetMaximumNumberOfIterations([int(i) for i in iterations])
    corrector.SetNumberOfControlPoints([int(control_points)] * image.GetDimension())
    corrector.Execute(small + shift, small_mask)
    log_field = corrector.GetLogBiasFieldAsImage(image)
    bias = sitk.Exp(log_field)
    corrected = sitk.Cast((image + shift) / bias - shift, sitk.sitkFloat32)
    return (corrected, bias) if return_field else corrected


def cohort_reference(images: Sequence[sitk.Image], *, masks: Sequence[sitk.Image | None] | None = None,
                     n_quantiles: int = 1024, output_range: tuple[float, float] | None = None) -> sitk.Image:
    """Average intensity histogram of a cohort, as a reference image for histogram matching.

    The reference is the mean quantile function of the images (over each image's foreground
    mask), i.e. the population-average histogram in the sense of Nyúl & Udupa; it is stored
    as a 1 × 1 × ``n_quantiles`` image so that ITK's histogram matching can use it. Fit it on
    the training patients of one sequence.

    Parameters
    ----------
    images
        One image per patient, same sequence.
    masks
        Optional regions (e.g. body masks); ``None`` uses Otsu foreground masks.
    n_quantiles
        Number of quantiles of the reference.
    output_range
        If given, the reference is linearly rescaled to this range (the study's
        −10,000 … 10,000).

    Returns
    -------
    SimpleITK.Image

    References
    ----------
    Nyúl LG, Udupa JK. On standardizing the MR image intensity scale. Magn Reson Med
    1999;42:1072–1081.
    """
    if len(images) == 0:
        raise InputError("cohort_reference: no images given")
    masks = list(masks) if masks is not None else [None] * len(images)
    probs = np.linspace(0.0, 1.0, n_quantiles)
    curves = []
    for img, msk in zip(images, masks):
        values = sitk.GetArrayFromImage(img).astype(float)
        region = sitk.GetArrayFromImage(foreground_mask(img) if msk is None else msk) > 0
        curves.append(np.quantile(values[region] if region.any() else values.ravel(), probs))
    curve = np.mean(curves, axis=0)
    if output_range is not None:
        curve = _rescale(curve, output_range)
    ref = sitk.GetImageFromArray(curve.astype(np.float32).reshape(n_quantiles, 1, 1))
    return ref


def _rescale(values: np.ndarray, output_range: tuple[float, float]) -> np.ndarray:
    lo, hi = output_range
    vmin, vmax = float(values.min()), float(values.max())
    if vmax == vmin:
        return np.full_like(values, (lo + hi) / 2.0, dtype=float)
    return lo + (values - vmin) * (hi - lo) / (vmax - vmin)


def histogram_match(image: sitk.Image, reference: sitk.Image, *, levels: int = 1024, match_points: int = 7,
                    output_range: tuple[float, float] | None = (-10000.0, 10000.0),
                    threshold_at_mean: bool = True) -> sitk.Image:
    """Match an image's histogram to a reference (ITK's piecewise-linear quantile matching).

    Parameters
    ----------
    image
        Image to standardise (not modified).
    reference
        Reference image, typically from :func:`cohort_reference`.
    levels, match_points
        Histogram bins and number of quantile match points.
    output_range
        The reference is rescaled to this range first, so the result lies within it
        (values are clipped to it). ``None`` keeps the reference's scale.
    threshold_at_mean
        Exclude voxels below the mean (background) when building the histograms.

    Returns
    -------
    SimpleITK.Image
        float32.

    References
    ----------
    Nyúl LG, Udupa JK, Zhang X. New variants of a method of MRI scale standardization.
    IEEE Trans Med Imaging 2000;19:143–150.
    """
    image = sitk.Cast(image, sitk.sitkFloat32)
    reference = sitk.Cast(reference, sitk.sitkFloat32)
    if output_range is not None:
        arr = _rescale(sitk.GetArrayFromImage(reference).astype(float), output_range)
        rescaled = sitk.GetImageFromArray(arr.astype(np.float32))
        rescaled.CopyInformation(reference)
        reference = rescaled
    matcher = sitk.HistogramMatchingImageFilter()
    matcher.SetNumberOfHistogramLevels(int(levels))
    matcher.SetNumberOfMatchPoints(int(match_points))
    matcher.SetThresholdAtMeanIntensity(bool(threshold_at_mean))
    matched = matcher.Execute(image, reference)
    if output_range is not None:
        matched = sitk.Clamp(matched, sitk.sitkFloat32, float(output_range[0]), float(output_range[1]))
    return matched


def zscore(image: sitk.Image, *, mask: sitk.Image | None = None) -> sitk.Image:
    """Standardise intensities: ``(x − mean) / SD`` with mean and SD over ``mask``
    (default: the Otsu foreground)."""
    image = sitk.Cast(image, sitk.sitkFloat32)
    values = sitk.GetArrayFromImage(image)
    region = sitk.GetArrayFromImage(foreground_mask(image) if mask is None else mask) > 0
    if not region.any():
        raise InputError("z-score: the normalisation region is empty")
    mean, sd = float(values[region].mean()), float(values[region].std())
    if sd == 0:
        raise InputError("z-score: the intensities are constant in the normalisation region")
    return (image - mean) / sd


def preprocess_patient(images: Mapping[str, sitk.Image], masks: Mapping[str, sitk.Image],
                       *, config: PreprocessConfig = PreprocessConfig(),
                       references: Mapping[str, sitk.Image] | None = None,
                       patient_id: str = "patient", grid_sequence: str = "CET1") -> PreprocessResult:
    """Preprocess all sequences of one patient and put them, with the masks, on one grid.

    Parameters
    ----------
    images
        ``{sequence: image}``, e.g. T1, T2, CET1 (not modified).
    masks
        ``{name: mask}`` drawn on ``grid_sequence`` (``mask``, optionally ``mask_repeat``).
    config
        Steps and parameters.
    references
        ``{sequence: reference}`` for histogram matching (required when
        ``config.histogram_match``).
    patient_id
        Used in messages and the step record.
    grid_sequence
        Sequence whose (resampled) grid all others and the masks are put on; the first
        sequence if absent.

    Returns
    -------
    PreprocessResult
    """
    if not images:
        raise InputError(f"patient {patient_id}: no images given")
    if config.histogram_match:
        missing = [s for s in images if references is None or s not in references]
        if missing:
            raise InputError(f"patient {patient_id}: histogram matching needs a cohort reference for "
                             f"sequence(s) {missing}; build them with cohort_reference() or disable "
                             "histogram matching")
    steps: list[StepRecord] = []
    grid_name = grid_sequence if grid_sequence in images else next(iter(images))
    grid = images[grid_name]
    if config.spacing is not None:
        t0 = time.perf_counter()
        grid = resample(grid, spacing=config.spacing, interpolator=config.interpolator)
        steps.append(StepRecord(grid_name, "resample", {"spacing": list(config.spacing),
                                                        "interpolator": config.interpolator},
                                time.perf_counter() - t0))
    out_images: dict[str, sitk.Image] = {}
    for seq, img in images.items():
        t0 = time.perf_counter()
        if seq == grid_name:
            out_images[seq] = sitk.Cast(grid, sitk.sitkFloat32)
        else:
            out_images[seq] = resample_to_reference(img, grid, interpolator=config.interpolator)
            steps.append(StepRecord(seq, "resample", {"onto": grid_name, "interpolator": config.interpolator},
                                    time.perf_counter() - t0))
    out_masks = {name: resample_to_reference(m, grid, interpolator="nearest") for name, m in masks.items()}
    for name in out_masks:
        steps.append(StepRecord(name, "resample", {"onto": grid_name, "interpolator": "nearest"}))
    for seq in list(out_images):
        out_images[seq] = _intensity_steps(out_images[seq], seq, config, references, out_masks, steps)
    return PreprocessResult(patient_id, out_images, out_masks, steps)


def _intensity_steps(image, seq, config, references, masks, steps):
    if config.n4:
        t0 = time.perf_counter()
        image = n4_correct(image, mask=None, shrink_factor=config.n4_shrink_factor, iterations=config.n4_iterations,
                           control_points=config.n4_control_points)
        steps.append(StepRecord(seq, "n4", {"shrink_factor": config.n4_shrink_factor,
                                            "iterations": list(config.n4_iterations),
                                            "control_points": config.n4_control_points,
                                            "fit_mask": "otsu foreground"}, time.perf_counter() - t0))
    if config.histogram_match:
        t0 = time.perf_counter()
        image = histogram_match(image, references[seq], levels=config.histogram_levels, match_points=config.match_points,
                                output_range=config.output_range)
        steps.append(StepRecord(seq, "histogram_match", {"levels": config.histogram_levels,
                                                         "match_points": config.match_points,
                                                         "output_range": list(config.output_range)},
                                time.perf_counter() - t0))
    if config.zscore:
        t0 = time.perf_counter()
        region = masks.get("mask") if config.zscore_in_mask else None
        image = zscore(image, mask=region)
        steps.append(StepRecord(seq, "zscore", {"region": "mask" if region is not None else "otsu foreground"},
                                time.perf_counter() - t0))
    return image


# --------------------------------------------------------------------------- cohort level
def build_references(patients, *, sequences: Sequence[str] | None = None, n_quantiles: int = 1024,
                     progress: bool = False) -> dict[str, sitk.Image]:
    """Per-sequence cohort references for histogram matching (see :func:`cohort_reference`).

    Parameters
    ----------
    patients
        :class:`~omics.imaging.io.PatientImages` of the patients to fit on (e.g. the
        training cohort only).
    sequences
        Sequences to build; default: every sequence found.
    n_quantiles
        Resolution of the reference histogram.

    Returns
    -------
    dict
        ``{sequence: reference image}``. The references are built from the input images'
        Otsu foregrounds; only the shape of the histogram matters since the reference is
        rescaled to the output range when matching.
    """
    from tqdm.auto import tqdm

    from omics.imaging.io import read_image

    found: dict[str, list[sitk.Image]] = {}
    for patient in tqdm(list(patients), desc="references", disable=not progress):
        for seq, path in patient.images.items():
            if sequences is None or seq in sequences:
                img = path if isinstance(path, sitk.Image) else read_image(path)
                found.setdefault(seq, []).append(sitk.Cast(img, sitk.sitkFloat32))
    if sequences is not None:
        absent = [s for s in sequences if s not in found]
        if absent:
            raise InputError(f"no image of sequence(s) {absent} to build a histogram reference from")
    return {seq: cohort_reference(imgs, n_quantiles=n_quantiles) for seq, imgs in found.items()}


def check_patient_inputs(patient, *, grid_sequence: str = "CET1", label: int | None = None
                         ) -> tuple[dict[str, sitk.Image], dict[str, sitk.Image]]:
    """Read one patient's images and masks and validate the masks.

    Every file is read (so a missing, truncated or corrupt one is an error naming it) and
    every mask must be non-empty, hold one label (or ``label``), and share the geometry of
    the ``grid_sequence`` image it was drawn on. Run it over a cohort before writing
    anything, so a bad patient never leaves a half-written output folder.

    Returns
    -------
    (images, masks) : tuple of dict
        ``{sequence: image}`` and ``{"mask": binary, "mask_repeat": binary}`` (uint8 0/1),
        the repeat mask only when there is one.
    """
    from omics.imaging.io import read_image
    from omics.imaging.masks import validate_mask

    pid = patient.patient_id
    reserved = sorted({"mask", "mask_repeat"} & set(patient.images))
    if reserved:
        raise InputError(f"patient {pid}: a sequence may not be called {reserved[0]!r} (the mask's file name)")
    images = {seq: p if isinstance(p, sitk.Image) else read_image(p) for seq, p in patient.images.items()}
    masks = {"mask": patient.mask}
    if patient.repeat_mask is not None:
        masks["mask_repeat"] = patient.repeat_mask
    drawn_on = images.get(grid_sequence)  # the masks are drawn on CET1: same geometry required
    return images, {name: validate_mask(m if isinstance(m, sitk.Image) else read_image(m), image=drawn_on, patient=pid,
                                        label=label, name=name)
                    for name, m in masks.items()}


def preprocess_files(patient, out_dir, *, config: PreprocessConfig = PreprocessConfig(),
                     references: Mapping[str, sitk.Image] | None = None, grid_sequence: str = "CET1",
                     label: int | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Preprocess one patient's files and write them under ``out_dir/<patient>/``.

    Writes ``<sequence>.nii.gz``, ``mask.nii.gz`` (and ``mask_repeat.nii.gz``) on one grid;
    masks are written binary (0/1). The masks are validated first (see
    :func:`check_patient_inputs`), naming the patient. Folder and file names come from the
    patient ID and sequence names through :func:`omics.data.child_path`, so no ID (``../x``,
    an absolute path) can write outside ``out_dir``.

    Returns
    -------
    (manifest rows, steps) : tuple of DataFrames
        Manifest rows with paths relative to ``out_dir`` and the step record.
    """
    out_dir = Path(out_dir)
    images, masks = check_patient_inputs(patient, grid_sequence=grid_sequence, label=label)
    result = preprocess_patient(images, masks, config=config, references=references,
                                patient_id=patient.patient_id, grid_sequence=grid_sequence)
    result.write(out_dir)
    return result.manifest_rows(out_dir), result.steps_frame()


def preprocess_cohort(patients, out_dir, *, config: PreprocessConfig = PreprocessConfig(),
                      references: Mapping[str, sitk.Image] | None = None, grid_sequence: str = "CET1",
                      label: int | None = None) -> CohortPreprocessing:
    """Preprocess every patient into ``out_dir/<patient>/`` (see :func:`preprocess_files`).

    Every patient's files and masks are read and checked (:func:`check_patient_inputs`)
    before anything is written, so a bad patient never leaves a half-written folder.
    Histogram matching (``config.histogram_match``) needs ``references`` for every
    sequence. ``write(out_dir)`` on the result adds ``manifest.csv`` and ``steps.csv``.
    """
    patients = list(patients)
    if config.histogram_match:
        if references is None:
            raise InputError("histogram matching needs references (see build_references), or switch it off")
        absent = sorted({s for p in patients for s in p.images} - set(references))
        if absent:
            raise InputError(f"no histogram reference for sequence(s) {absent}")
    for patient in patients:
        check_patient_inputs(patient, grid_sequence=grid_sequence, label=label)
    rows, steps = [], []
    for patient in patients:
        manifest_rows, patient_steps = preprocess_files(patient, out_dir, config=config, references=references,
                                                        grid_sequence=grid_sequence, label=label)
        rows.append(manifest_rows)
        steps.append(patient_steps)
    manifest = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(
        columns=["patient_id", "sequence", "image", "mask", "repeat_mask"])
    step_table = pd.concat(steps, ignore_index=True) if steps else pd.DataFrame(
        columns=["patient_id", "sequence", "step", "parameters", "seconds"])
    return CohortPreprocessing(manifest, step_table)


def patients_table(patients) -> pd.DataFrame:
    """One row per patient of a manifest: ``patient_id, has_repeat, n_sequences``."""
    patients = list(patients)
    return pd.DataFrame({"patient_id": [p.patient_id for p in patients],
                         "has_repeat": [int(p.repeat_mask is not None) for p in patients],
                         "n_sequences": [len(p.images) for p in patients]})


def reference_path(folder, sequence: str) -> Path:
    """``FOLDER/reference_<sequence>.nii.gz``, the sequence name made safe for a file name."""
    from omics.data.paths import child_path

    return child_path(folder, f"reference_{sequence}", suffix=".nii.gz", what="sequence name")


def write_references(references: Mapping[str, sitk.Image], folder) -> dict:
    """Write ``{sequence: reference}`` as ``FOLDER/reference_<sequence>.nii.gz``."""
    from omics.imaging.io import write_image

    return {seq: write_image(ref, reference_path(folder, seq)) for seq, ref in references.items()}


def read_references(folder, sequences: Sequence[str]) -> dict[str, sitk.Image]:
    """The histogram references of ``sequences`` written by :func:`write_references`."""
    from omics.imaging.io import read_image

    return {seq: read_image(reference_path(folder, seq)) for seq in sorted(set(sequences))}
