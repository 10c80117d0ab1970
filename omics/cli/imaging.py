"""``omics preprocess``, ``omics extract``, ``omics icc``, ``omics rings``, ``omics midslice``:
the imaging stage's commands (thin wrappers of :mod:`omics.imaging`)."""

from __future__ import annotations

import sys
from pathlib import Path

from omics.cli._common import add_command, float_list, int_list
from omics.data.errors import InputError


def _patients_arg(text: str | None, file: str | None = None) -> list[str] | None:
    """IDs from --patients (comma-separated) or --patients-file (a table with patient_id, kept as text)."""
    if file:
        from omics.data.io import read_table
        table = read_table(file, dtype=str, keep_default_na=False)
        if "patient_id" not in table.columns:
            raise InputError(f"{file}: --patients-file needs a patient_id column")
        return list(table["patient_id"])
    return [p for p in text.split(",") if p] if text else None


def _select(patients, wanted, source):
    if wanted is None:
        return patients
    known = {p.patient_id for p in patients}
    unknown = [w for w in wanted if w not in known]
    if unknown:
        raise InputError(f"{source}: patient(s) not in the manifest: {', '.join(unknown[:5])}")
    return [p for p in patients if p.patient_id in set(wanted)]


def _fit_patients(args, patients):
    """Patients selected by --fit-on COLUMN=VALUE in the clinical table."""
    if not args.fit_on:
        return patients
    if not args.clinical:
        raise InputError("--fit-on needs --clinical")
    from omics.data.readers import read_clinical
    from omics.data.validate import select_patients

    clinical = read_clinical(args.clinical, id_column=None)  # first column: the patient ID
    chosen = set(select_patients(clinical, args.fit_on, str(args.clinical)))
    selected = [p for p in patients if p.patient_id in chosen]
    if not selected:
        raise InputError(f"--fit-on {args.fit_on}: no patient of the manifest matches")
    return selected


# --------------------------------------------------------------------------- preprocess
def _preprocess(args) -> int:
    from omics.data.io import write_table
    from omics.data.provenance import write_provenance
    from omics.imaging.io import read_patient_images
    from omics.imaging.preprocess import (PreprocessConfig, build_references, patients_table, preprocess_cohort,
                                          read_references, write_references)

    out = Path(args.out)
    patients = read_patient_images(args.manifest)
    if len(args.output_range) != 2:
        raise InputError("--output-range takes two numbers, e.g. --output-range=-10000,10000")
    config = PreprocessConfig(
        spacing=None if args.no_resample else tuple(args.spacing), interpolator=args.interpolator,
        n4=not args.no_n4, n4_shrink_factor=args.shrink_factor, n4_iterations=tuple(args.n4_iterations),
        histogram_match=not args.no_histogram_match, output_range=tuple(args.output_range),
        zscore=args.zscore, zscore_in_mask=args.zscore_in_mask)
    params = {"config": config.to_dict(), "patients": args.patients, "fit_on": args.fit_on}
    if args.build_references:
        fit = _fit_patients(args, patients)
        refs = build_references(fit, progress=True)
        write_references(refs, out)
        write_table(patients_table(patients), out / "patients.csv", index=False)
        write_provenance(out, "preprocess.references", {**params, "n_patients": len(fit)}, inputs=[args.manifest])
        print(f"wrote histogram references for {', '.join(refs)} ({len(fit)} patients) to {out}")
        return 0
    patients = _select(patients, _patients_arg(args.patients, args.patients_file), args.manifest)
    refs = None
    if config.histogram_match:
        if not args.references:
            raise InputError("histogram matching needs --references DIR (made by `omics preprocess MANIFEST "
                             "--build-references --out DIR`), or pass --no-histogram-match")
        refs = read_references(args.references, [s for p in patients for s in p.images])
    result = preprocess_cohort(patients, out, config=config, references=refs, label=args.label)
    result.write(out)
    write_provenance(out, "preprocess", params, inputs=[args.manifest])
    print(f"preprocessed {len(patients)} patient(s) into {out}")
    return 0


# --------------------------------------------------------------------------- extract
def _extract(args) -> int:
    from omics.data.provenance import write_provenance
    from omics.imaging.extract import extract_cohort, load_preset
    from omics.imaging.io import read_patient_images

    out = Path(args.out)
    patients = []
    for manifest in args.manifest:
        patients += read_patient_images(manifest)
    patients = _select(patients, _patients_arg(args.patients), ", ".join(args.manifest))
    preset = load_preset(args.preset)
    result = extract_cohort(patients, preset=preset, n_jobs=args.n_jobs, progress=not args.quiet,
                            ring_distances_mm=args.rings, repeat=not args.no_repeat, label=args.label)
    result.check(allow_failures=args.allow_failures).write(out)
    write_provenance(out, "extract", {"preset": preset.to_dict(), "rings_mm": args.rings, "n_jobs": args.n_jobs,
                                      "n_patients": len(patients), "n_failed": len(result.failures)},
                     inputs=list(args.manifest))
    for row in result.failures.itertuples():
        print(f"omics extract: patient {row.patient_id} ({row.mask}) failed: {row.reason}", file=sys.stderr)
    print(f"{result!r} -> {out}")
    return 0


# --------------------------------------------------------------------------- icc
def _read_many(paths: list[str]) -> pd.DataFrame:
    import pandas as pd

    from omics.data.io import read_table

    frames = []
    for path in paths:
        if not Path(path).is_file():
            raise FileNotFoundError(f"{path}: no such file")
        if len(Path(path).read_text().strip().splitlines()) < 2:  # header only: a patient without rows
            continue
        table = read_table(path, index_col=0)
        table.index = table.index.astype(str)
        frames.append(table)
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame()
    merged = pd.concat(frames, axis=0)
    dup = merged.index[merged.index.duplicated()].unique()
    if len(dup):
        raise InputError(f"patient(s) present in several feature files: {', '.join(map(str, dup[:5]))}")
    merged.index.name = "patient_id"
    return merged


def _read_failures(paths: list[str]) -> pd.DataFrame | None:
    """The failures.csv files of `omics extract`, gathered (None when none are given)."""
    import pandas as pd

    if not paths:
        return None
    for path in paths:
        if not Path(path).is_file():
            raise FileNotFoundError(f"{path}: no such file")
    frames = [pd.read_csv(f, dtype=str, keep_default_na=False) for f in paths if Path(f).stat().st_size > 0]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["patient_id", "mask", "reason"])


def _icc(args) -> int:
    from omics.data.io import read_table, write_table
    from omics.data.provenance import write_provenance
    from omics.imaging.icc import apply_icc_filter, feature_icc

    out = Path(args.out)
    features = _read_many(args.features)
    if features.empty:
        raise InputError("no patient in the --features file(s)")
    if args.icc_table:
        table = read_table(args.icc_table)
        selected = apply_icc_filter(features, table)
        write_table(selected, out / "handcrafted_features.csv")
        write_provenance(out, "icc.apply", {"icc_table": args.icc_table}, inputs=args.features + [args.icc_table])
        print(f"kept {selected.shape[1]} ICC-retained features for {selected.shape[0]} patients -> {out}")
        return 0
    if not args.repeat:
        raise InputError("give --repeat FILE(S) (features of the repeat segmentations) or --icc-table")
    repeat = _read_many(args.repeat)
    failures = _read_failures(args.failures)  # read every input before writing anything
    result = feature_icc(features, repeat, icc_type=args.icc_type, threshold=args.threshold)
    not_finite = result.not_finite
    if not_finite:
        print(f"omics icc: {len(not_finite)} feature(s) pass the ICC threshold but have NaN/inf values for some "
              f"patients and are left out: {', '.join(not_finite[:5])}", file=sys.stderr)
    result.write(out, features=features)
    write_provenance(out, "icc", {"icc_type": result.icc_type, "threshold": result.threshold,
                                  "n_patients_icc": len(result.patients)}, inputs=args.features + args.repeat)
    if failures is not None:
        write_table(failures, out / "extraction_failures.csv", index=False)
        if len(failures):
            print(f"omics icc: {len(failures)} extraction(s) failed, patients left out: "
                  f"{', '.join(failures['patient_id'].astype(str).unique()[:10])}", file=sys.stderr)
    if args.figures:
        from omics.data.io import atomic_path
        from omics.plotting.imaging import plot_icc_distribution

        fig = plot_icc_distribution(result)
        with atomic_path(Path(args.figures) / "icc_distribution.png") as tmp:
            fig.savefig(tmp, dpi=120, bbox_inches="tight", format="png")
    print(f"{result!r} -> {out}")
    return 0


# --------------------------------------------------------------------------- rings / midslice
def _rings(args) -> int:
    from omics.data.io import write_table
    from omics.data.provenance import write_provenance
    from omics.imaging.io import read_image, write_image
    from omics.imaging.masks import roi_masks, roi_volumes, validate_mask

    out = Path(args.out)
    mask = validate_mask(read_image(args.mask), image=None, patient=args.patient, label=args.label,
                         name=f"mask {args.mask}")
    exclude = read_image(args.exclude) if args.exclude else None
    rois = roi_masks(mask, distances_mm=args.distances, exclude=exclude)
    volumes = roi_volumes(rois)
    for name, roi in rois.items():
        write_image(roi, out / f"{name}.nii.gz")
    write_table(volumes, out / "volumes.csv", index=False)
    write_provenance(out, "rings", {"distances_mm": args.distances}, inputs=[args.mask])
    print(f"wrote {len(rois)} ROI masks to {out}")
    return 0


def _midslice(args) -> int:
    from omics.data.provenance import write_provenance
    from omics.imaging.io import read_image
    from omics.imaging.masks import mid_slice

    out = Path(args.out)
    image, mask = read_image(args.image), read_image(args.mask)
    sl = mid_slice(image, mask, method=args.method, crop=args.crop, margin=args.margin, patient=args.patient)
    sl.write(out)
    write_provenance(out, "midslice", {"method": args.method, "crop": args.crop, "margin": args.margin},
                     inputs=[args.image, args.mask])
    print(f"slice {sl.index} -> {out}")
    return 0


def register(subparsers) -> None:
    p = add_command(subparsers, "preprocess", _preprocess,
                    help="resample, N4-correct and histogram-match the images of a manifest",
                    description="Resample every sequence (and the masks, nearest neighbour) onto the grid of the "
                                "resampled CET1, N4-correct, histogram-match to per-sequence cohort references and "
                                "optionally z-score. First build the references with --build-references. "
                                "Writes DIR/<patient>/<sequence>.nii.gz, mask.nii.gz, DIR/manifest.csv, "
                                "DIR/steps.csv and provenance.json.")
    p.add_argument("manifest", help="manifest CSV: patient_id, sequence, image, mask, repeat_mask")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--patients", help="comma-separated patient IDs (default: all)")
    p.add_argument("--patients-file", help="table with a patient_id column: the patients to preprocess "
                   "(for IDs that should not go on a command line)")
    p.add_argument("--build-references", action="store_true",
                   help="only build the per-sequence histogram references (DIR/reference_<seq>.nii.gz)")
    p.add_argument("--clinical", help="clinical table, for --fit-on")
    p.add_argument("--fit-on", help="build references on these patients only, e.g. cohort=training")
    p.add_argument("--references", help="folder holding reference_<sequence>.nii.gz")
    p.add_argument("--spacing", type=float_list, default=[1.0, 1.0, 4.0], help="target spacing x,y,z in mm")
    p.add_argument("--no-resample", action="store_true", help="keep the CET1 grid's spacing")
    p.add_argument("--interpolator", default="linear", choices=["linear", "bspline", "nearest"],
                   help="image interpolator (masks: nearest)")
    p.add_argument("--no-n4", action="store_true", help="skip N4 bias-field correction")
    p.add_argument("--shrink-factor", type=int, default=4, help="N4 shrink factor")
    p.add_argument("--n4-iterations", type=int_list, default=[50, 50, 30, 20], help="N4 iterations per level")
    p.add_argument("--no-histogram-match", action="store_true", help="skip histogram matching")
    p.add_argument("--output-range", type=float_list, default=[-10000.0, 10000.0],
                   help="intensity range after histogram matching (write --output-range=-10000,10000)")
    p.add_argument("--zscore", action="store_true", help="z-score every image (after matching)")
    p.add_argument("--zscore-in-mask", action="store_true", help="z-score statistics from the tumour mask")
    p.add_argument("--label", type=int, default=None,
                   help="tumour label in the mask(s); default: a mask must hold exactly one non-zero label "
                        "(a mask with several labels is refused, naming them)")

    p = add_command(subparsers, "extract", _extract, help="extract handcrafted radiomic features (pyradiomics)",
                    description="Extract features for every patient, sequence and ROI of one or more manifests, "
                                "in parallel over patients. Writes features.csv, features_repeat.csv (repeat "
                                "segmentations), diagnostics.csv, failures.csv and provenance.json.")
    p.add_argument("manifest", nargs="+", help="manifest CSV(s), e.g. written by `omics preprocess`")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--preset", default="study",
                   help="study | ibsi_fixed_bin_width | filtered | path to a YAML parameter file")
    p.add_argument("--rings", type=float_list, default=None, help="peritumoral ring widths in mm, e.g. 2,4,6 "
                                                               "(default: the preset's)")
    p.add_argument("--patients", help="comma-separated patient IDs (default: all)")
    p.add_argument("--no-repeat", action="store_true", help="skip the repeat masks")
    p.add_argument("--label", type=int, default=None,
                   help="tumour label in the mask(s); default: a mask must hold exactly one non-zero label "
                        "(a mask with several labels is refused, naming them)")
    p.add_argument("--n-jobs", type=int, default=1, help="parallel worker processes")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--allow-failures", action="store_true",
                   help="exit 0 even if every patient failed (failures.csv says why); for per-patient workflow jobs")

    p = add_command(subparsers, "icc", _icc, help="ICC of features over repeat segmentations and the ICC filter",
                    description="Compute ICC(1,1)/(2,1)/(3,1) (Shrout & Fleiss 1979) per feature between "
                                "--features and --repeat, keep features with ICC >= threshold: writes icc.csv, "
                                "retained_counts.csv and handcrafted_features.csv. With --icc-table, only apply a "
                                "previous selection to --features.")
    p.add_argument("--features", nargs="+", required=True, help="feature table(s) (patients × features)")
    p.add_argument("--repeat", nargs="*", default=[], help="feature table(s) of the repeat segmentations")
    p.add_argument("--icc-table", help="apply the 'retained' column of this icc.csv instead of computing")
    p.add_argument("--icc-type", default="ICC2", help="ICC1, ICC2 or ICC3")
    p.add_argument("--threshold", type=float, default=0.90, help="minimum ICC to keep a feature")
    p.add_argument("--figures", help="folder for icc_distribution.png")
    p.add_argument("--failures", nargs="*", default=[],
                   help="failures.csv files of `omics extract`, gathered into extraction_failures.csv")
    p.add_argument("--out", required=True, help="output folder")

    p = add_command(subparsers, "rings", _rings, help="peritumoral ring and tumour+ring masks",
                    description="Dilate a tumour mask by physical distances (mm, spacing-aware) and write "
                                "tumour, peri<d>mm and tumour_peri<d>mm masks with their volumes.")
    p.add_argument("mask", help="tumour mask (NIfTI/NRRD)")
    p.add_argument("--distances", type=float_list, default=[2.0, 4.0, 6.0], help="ring widths in mm")
    p.add_argument("--exclude", help="mask of voxels excluded from the rings")
    p.add_argument("--label", type=int, default=None,
                   help="tumour label in the mask(s); default: a mask must hold exactly one non-zero label "
                        "(a mask with several labels is refused, naming them)")
    p.add_argument("--patient", help="patient ID (for messages)")
    p.add_argument("--out", required=True, help="output folder")

    p = add_command(subparsers, "midslice", _midslice, help="mid-tumour (or largest) slice, background removed",
                    description="Write the tumour's mid slice (or largest-area slice) with the background set "
                                "to 0, as 2-D NIfTI, plus its mask and index.")
    p.add_argument("image", help="image (e.g. preprocessed CET1)")
    p.add_argument("mask", help="tumour mask on the same grid")
    p.add_argument("--method", default="middle", choices=["middle", "largest"])
    p.add_argument("--crop", action="store_true", help="crop to the tumour's bounding box")
    p.add_argument("--margin", type=int, default=0, help="margin (pixels) around the crop")
    p.add_argument("--patient", help="patient ID (for messages)")
    p.add_argument("--out", required=True, help="output folder")
