"""``omics demo``, ``omics validate``, ``omics info``: the cohort's inputs."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

from omics.cli._common import add_command
from omics.data.errors import InputError


def _demo(args) -> int:
    from omics.data import demo_cohort

    demo = demo_cohort(out=args.out, n_patients=args.n_patients, n_test=args.n_test, n_rna=args.n_rna,
                       n_genes=args.n_genes, n_repeat=args.n_repeat, full_size=args.full_size,
                       images=not args.no_images, seed=args.seed)
    print(demo)
    return 0


def _validate(args) -> int:
    """Read every given input with its validation; print what was found."""
    from omics.data import (OverlapWarning, check_image_geometry, check_overlap, read_clinical,
                            read_counts, read_features, read_gmt, read_manifest)

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    report, clinical = [], None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OverlapWarning)  # overlaps are printed in the report
        if args.clinical:
            clinical = read_clinical(args.clinical, id_column=args.id_column, time=args.time,
                                     event=args.event, allow_missing_survival=args.allow_missing_survival)
            report.append(f"clinical: {len(clinical)} patients × {clinical.shape[1]} columns")
        ids = clinical.index if clinical is not None else None
        if args.counts:
            counts = read_counts(args.counts, orientation=args.orientation, sample_ids=ids)
            report.append(f"counts: read as {counts.attrs['orientation']}: {counts.shape[0]} samples × "
                          f"{counts.shape[1]} genes ({counts.attrs['orientation_reason']})")
            if ids is not None:
                report.append(f"  {check_overlap(ids, counts.index, 'clinical', 'counts', require_all_right=True)}")
        for path in args.features or []:
            features = read_features(path)
            report.append(f"features {path}: {features.shape[0]} patients × {features.shape[1]} features")
            if ids is not None:
                report.append(f"  {check_overlap(ids, features.index, 'clinical', Path(path).name)}")
        if args.gmt:
            sets = read_gmt(args.gmt)
            report.append(f"gene sets: {len(sets)} sets, sizes {min(map(len, sets.values()))}–"
                          f"{max(map(len, sets.values()))}")
        if args.manifest:
            manifest = read_manifest(args.manifest)
            if args.check_geometry:
                check_image_geometry(manifest)
            report.append(f"manifest: {manifest.patient_id.nunique()} patients, sequences "
                          f"{sorted(manifest.sequence.unique())}, {int((manifest.repeat_mask != '').sum())} "
                          "rows with a repeat mask" + (", geometry checked" if args.check_geometry else ""))
            if ids is not None:
                report.append(f"  {check_overlap(ids, manifest.patient_id.unique(), 'clinical', 'manifest')}")
    if not report:
        raise InputError("nothing to validate: give at least one of --clinical, --counts, --features, "
                         "--gmt, --manifest")
    print("\n".join(report))
    print("OK")
    return 0


def _info(args) -> int:
    from omics.data import describe_cohort, read_cohort

    import h5py

    path = Path(args.cohort)
    if path.is_dir():
        path = path / "cohort.h5mu"
    if path.is_file() and not h5py.is_hdf5(path):
        raise InputError(f"{path}: not an .h5mu cohort (not an HDF5 file); give the file written by "
                         "`omics demo` or omics.data.write_cohort")
    print(describe_cohort(read_cohort(path)))
    return 0


def register(sub) -> None:
    p = add_command(sub, "demo", _demo, "build the demo cohort (tables, images, counts, truth)",
                    "Write the synthetic demo cohort with a known truth (latent imaging and RNA "
                    "groups, planted pathways, true hazard ratios) into --out.")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--n-patients", type=int, default=225)
    p.add_argument("--n-test", type=int, default=25, help="patients in the testing cohort")
    p.add_argument("--n-rna", type=int, default=110, help="patients with RNA-seq")
    p.add_argument("--n-genes", type=int, default=5000)
    p.add_argument("--n-repeat", type=int, default=30, help="patients with a repeat segmentation")
    p.add_argument("--full-size", action="store_true", help="192×192×32 volumes instead of 64×64×16")
    p.add_argument("--no-images", action="store_true", help="skip the MRI volumes")
    p.add_argument("--seed", type=int, default=0)

    p = add_command(sub, "validate", _validate, "check a cohort's input files",
                    "Read and validate input files (IDs, survival columns, counts, features, gene "
                    "sets, image manifest) and report overlaps. Exits 2 with the reason on bad input.")
    p.add_argument("--clinical", help="clinical table (CSV/TSV/Excel/parquet)")
    p.add_argument("--id-column", default="patient_id")
    p.add_argument("--time", help="survival time column (checked >= 0)")
    p.add_argument("--event", help="survival event column (checked 0/1)")
    p.add_argument("--allow-missing-survival", action="store_true")
    p.add_argument("--counts", help="raw RNA-seq count matrix")
    p.add_argument("--orientation", default="auto",
                   help="orientation of --counts: 'auto' (match the clinical IDs, else the longer side is "
                        "genes; the guess is stated on stderr), 'samples-by-genes' or 'genes-by-samples'")
    p.add_argument("--features", nargs="*", help="feature table(s), patients × features")
    p.add_argument("--gmt", help="gene sets (GMT)")
    p.add_argument("--manifest", help="image manifest (patient_id, sequence, image, mask[, repeat_mask])")
    p.add_argument("--check-geometry", action="store_true",
                   help="also compare each image's geometry with its mask(s)")

    p = add_command(sub, "info", _info, "summarise a cohort (.h5mu or a folder holding cohort.h5mu)")
    p.add_argument("cohort")
