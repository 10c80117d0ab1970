"""``omics deep slices|train|extract|cam``: the deep-radiomics stage.

Thin wrappers over :mod:`omics.deep` (torch is imported only when a command runs). Every
command writes into ``--out DIR`` (atomically) with a ``provenance.json``.

* ``slices``: mid-tumour slices of a manifest → ``slices.npz`` + ``slices.csv``.
* ``train``: ``--repeat R`` runs one CV repeat (→ ``repeat_R.json``; one Snakemake job each);
  ``--final --cv repeat_*.json`` trains the final model for the epochs the repeats chose;
  without either, runs ``--repeats`` CV repeats and the final model in one process.
* ``extract``: applies a saved model to slices → ``<model>_features.csv`` (patients × d-RFs,
  first column ``patient_id``), the reconstruction QC, and with ``--clinical`` the groups
  (training clustered, others assigned to the nearest centroid).
* ``cam``: Grad-CAM maps and overlay figures.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from omics.cli._common import add_command, text_list


def _clinical(path: str, columns: list[str]):
    from omics.data.io import read_table
    from omics.data.validate import InputError

    table = read_table(path, index_col=0, dtype={0: str})
    table.index = table.index.astype(str)
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise InputError(f"{path}: no column(s) {', '.join(missing)} (has {', '.join(map(str, table.columns[:8]))}…)")
    return table


def _training_slices(args):
    """Training-cohort slices and survival table from --slices/--clinical."""
    from omics.deep import read_slices, training_set

    survival = [args.time, args.event] if args.model == "hscae" else None
    clinical = _clinical(args.clinical, [args.cohort_column] + (survival or []))
    return training_set(read_slices(args.slices), clinical, cohort_column=args.cohort_column,
                        training=args.training, survival=survival, source=args.clinical)


def _config(args):
    from omics.deep import TrainConfig

    return TrainConfig(model=args.model, latent=args.latent, base_channels=args.base_channels, depth=args.depth,
                       max_epochs=args.max_epochs, patience=args.patience, batch_size=args.batch_size,
                       learning_rate=args.learning_rate, cox_weight=args.cox_weight, ties=args.ties,
                       holdout=args.holdout, augment=not args.no_augment, stop_on=args.stop_on, seed=args.seed,
                       device=args.device)


def run_slices(args) -> int:
    from omics.data.provenance import write_provenance
    from omics.deep import extract_slices

    params = dict(sequences=text_list(args.sequences), size=args.size, context=args.context,
                  margin=args.margin, field_mm=args.field_mm, method=args.method)
    slices = extract_slices(args.manifest, progress=args.progress, **params)
    slices.write(args.out)
    write_provenance(args.out, "deep slices", {"manifest": args.manifest, **params})
    print(f"{slices!r} → {args.out}")
    return 0


def _write_final(model, slices, repeats, args, out: Path):
    import pandas as pd

    from omics.deep import CVRepeats, reconstruction_qc
    from omics.plotting.deep import learning_curves, reconstructions

    model.write(out)
    qc = reconstruction_qc(model, slices, pd.Series(args.training, index=slices.patients), repeats=repeats)
    qc.write(out, suffix="_training")
    if repeats:
        cv = CVRepeats(list(repeats))
        cv.write(out)
        _save_png(learning_curves(cv.to_frame()), out / "cv_learning_curves.png")
    first = slices.subset(slices.patients[:6])
    _save_png(reconstructions(first, model.reconstruct(first)), out / "reconstructions.png")


def run_train(args) -> int:
    import torch

    from omics.data.provenance import write_provenance
    from omics.data.validate import InputError
    from omics.deep import cv_repeat, read_repeats, select_epochs, train_final

    torch.set_num_threads(args.threads)
    slices, survival = _training_slices(args)
    config = _config(args)
    out = Path(args.out)
    if args.repeat is not None:
        result = cv_repeat(slices, survival=survival, repeat=args.repeat, config=config, progress=args.progress)
        result.write(out)
        print(repr(result))
        return 0
    if args.final:
        repeats = read_repeats(args.cv)
        other = [r.repeat for r in repeats if r.config.get("model") != args.model]
        if other:
            raise InputError(f"--cv: repeat(s) {other} were run for another model than {args.model}; "
                             "give the repeats of this model")
    else:
        repeats = [cv_repeat(slices, survival=survival, repeat=r, config=config, progress=args.progress)
                   for r in range(args.repeats)]
        for r in repeats:
            r.write(out / "cv")
    epochs = args.epochs or select_epochs(repeats)
    model = train_final(slices, survival=survival, epochs=epochs, config=config, progress=args.progress)
    _write_final(model, slices, repeats, args, out)
    write_provenance(out, f"deep train {args.model}", {**config.to_dict(), "epochs": epochs,
                                                      "cv_repeats": len(repeats)}, seed=args.seed)
    print(f"{model!r} → {out}")
    return 0


def run_extract(args) -> int:
    from omics.data.io import atomic_path, write_table
    from omics.data.provenance import write_provenance
    from omics.deep import deep_groups, latent_anndata, load_model, read_repeats, read_slices, reconstruction_qc

    model = load_model(args.model)
    slices = read_slices(args.slices)
    features = model.encode(slices)
    out = Path(args.out)
    name = model.model
    write_table(features, out / f"{name}_features.csv")
    with atomic_path(out / f"{name}_features.h5ad") as tmp:
        latent_anndata(features, modality=name, card=model.card).write_h5ad(tmp)
    if args.clinical:
        clinical = _clinical(args.clinical, [args.cohort_column])
        cohort = clinical[args.cohort_column].astype(str)
        repeats = read_repeats(args.cv) if args.cv else ()
        reconstruction_qc(model, slices, cohort, repeats=repeats).write(out, prefix=f"{name}_")
        groups = deep_groups(features, cohort, training=args.training, k=args.k, name=name.upper())
        groups.write(out, name=f"{name}_groups")
        print(repr(groups))
    write_provenance(out, f"deep extract {name}", {"model": args.model, "slices": args.slices,
                                                  "model_card": model.card})
    print(f"{name}: {features.shape[0]} patients × {features.shape[1]} d-RFs → {out}")
    return 0


def _save_png(fig, path: Path) -> None:
    from omics.data.io import atomic_path

    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=120, format="png")


def run_cam(args) -> int:
    from omics.data.io import read_table
    from omics.data.paths import child_path
    from omics.data.provenance import write_provenance
    from omics.deep import cam_maps, group_classifier, load_model, read_slices
    from omics.plotting.deep import cam_grid, cam_overlay

    model = load_model(args.model)
    slices = read_slices(args.slices)
    groups = None
    classifier = None
    if args.groups:
        groups = read_table(args.groups, index_col=0, dtype={0: str})
        groups.index = groups.index.astype(str)
        if model.model == "cae":
            features = read_table(args.features, index_col=0, dtype={0: str})
            features.index = features.index.astype(str)
            classifier = group_classifier(features, groups)
    cams = cam_maps(model, slices, classifier=classifier)
    out = Path(args.out)
    cams.write(out, model=model.model)
    labels = groups["group"].reindex(slices.patients) if groups is not None else None
    _save_png(cam_grid(slices, cams, groups=labels, per_group=args.per_group), out / f"{model.model}_cam_grid.png")
    if args.per_patient:
        for i, pid in enumerate(slices.patients):
            _save_png(cam_overlay(slices.images[i, 0], cams.maps[i], title=str(pid)),
                      child_path(out, f"{model.model}_patients", pid, suffix=".png", what="patient ID"))
    write_provenance(out, f"deep cam {model.model}", {"model": args.model, "target": cams.target})
    print(f"{cams!r} → {out}")
    return 0


def run_choose(args) -> int:
    from omics.data.io import read_table
    from omics.data.provenance import write_provenance
    from omics.data.validate import InputError
    from omics.deep.choose import choose_grouping

    data = _clinical(args.clinical, [args.time, args.event])
    for path in args.groups:
        table = read_table(path, index_col=0, dtype={0: str})
        table.index = table.index.astype(str)
        data = data.join(table.drop(columns=[c for c in table.columns if c in data.columns]), how="left")
    for path, name in (item.split("=", 1)[::-1] if "=" in item else (item, None) for item in args.deep_groups):
        table = read_table(path, index_col=0, dtype={0: str})
        table.index = table.index.astype(str)
        data[name or Path(path).stem.replace("_groups", "")] = table["group"].reindex(data.index)
    reference = {}
    for item in args.reference:
        if "=" not in item:
            raise InputError(f"--reference expects COLUMN=LEVEL, got {item!r}")
        column, level = item.split("=", 1)
        reference[column] = level
    choice = choose_grouping(data, text_list(args.groupings), time=args.time, event=args.event,
                             covariates=text_list(args.covariates), rna=args.rna, reference=reference or None,
                             folds=args.folds, n_boot=args.n_boot, seed=args.seed)
    choice.write(args.out)
    write_provenance(args.out, "deep choose", {"groupings": args.groupings, "covariates": args.covariates,
                                               "rna": args.rna, "n_boot": args.n_boot}, seed=args.seed)
    print(repr(choice))
    return 0


def _add_training_options(p) -> None:
    p.add_argument("--slices", required=True, help="slice cache folder (omics deep slices)")
    p.add_argument("--clinical", required=True, help="clinical CSV (patient_id first) with the cohort column")
    p.add_argument("--model", choices=("cae", "hscae"), default="cae")
    p.add_argument("--cohort-column", default="cohort")
    p.add_argument("--training", default="training", help="value of --cohort-column marking training patients")
    p.add_argument("--time", default="mfs_time", help="HSCAE: survival time column")
    p.add_argument("--event", default="mfs_event", help="HSCAE: event column (0/1)")
    p.add_argument("--latent", type=int, default=1024, help="latent size = number of d-RFs")
    p.add_argument("--base-channels", type=int, default=16)
    p.add_argument("--depth", type=int, default=4, help="stride-2 convolution blocks")
    p.add_argument("--max-epochs", type=int, default=100)
    p.add_argument("--patience", type=int, default=10)
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--learning-rate", type=float, default=1e-3)
    p.add_argument("--cox-weight", type=float, default=0.01, help="λ of MSE + λ·Cox (HSCAE)")
    p.add_argument("--ties", choices=("efron", "breslow"), default="efron")
    p.add_argument("--holdout", type=float, default=0.1, help="share held out per CV repeat")
    p.add_argument("--stop-on", choices=("mse", "loss"), default="mse")
    p.add_argument("--no-augment", action="store_true")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    p.add_argument("--progress", action="store_true", help="progress bars")


def run_deep(args) -> int:
    args.deep_parser.print_help()
    return 2


def register(subparsers) -> None:
    parser = add_command(subparsers, "deep", run_deep, "deep radiomics: slices, CAE/HSCAE training, d-RFs, CAM maps")
    sub = parser.add_subparsers(dest="deep_command", metavar="STEP")
    parser.set_defaults(deep_parser=parser)

    p = add_command(sub, "slices", run_slices, "mid-tumour slices of a manifest → slices.npz")
    p.add_argument("manifest", help="imaging manifest (patient_id, sequence, image, mask)")
    p.add_argument("--sequences", default="CET1", help="comma-separated sequences (channels); first sets the mid slice")
    p.add_argument("--size", type=int, default=128, help="output side in pixels")
    p.add_argument("--context", type=int, default=0, help="2.5-D: neighbour slices on each side as channels")
    p.add_argument("--margin", type=float, default=0.1, help="field = tumour box enlarged by this share per side")
    p.add_argument("--field-mm", type=float, default=None, help="fixed field of view (mm) instead of the tumour box")
    p.add_argument("--method", choices=("middle", "largest"), default="middle")
    p.add_argument("--progress", action="store_true")
    p.add_argument("--out", required=True)

    p = add_command(sub, "train", run_train, "CV repeats and/or the final CAE/HSCAE")
    _add_training_options(p)
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--repeat", type=int, help="run only CV repeat R (0-based) → OUT/repeat_R.json")
    mode.add_argument("--final", action="store_true", help="train the final model from --cv results")
    p.add_argument("--cv", nargs="+", default=[], help="CV repeat JSON files (with --final)")
    p.add_argument("--repeats", type=int, default=100, help="CV repeats when run in one process")
    p.add_argument("--epochs", type=int, default=None, help="final epochs (default: chosen by the CV)")
    p.add_argument("--out", required=True)

    p = add_command(sub, "extract", run_extract, "apply a saved model: d-RFs, reconstruction QC, groups")
    p.add_argument("--model", required=True, help="saved model folder (model.pt + model.json)")
    p.add_argument("--slices", required=True)
    p.add_argument("--clinical", help="clinical CSV with the cohort column: adds QC and groups")
    p.add_argument("--cohort-column", default="cohort")
    p.add_argument("--training", default="training")
    p.add_argument("--cv", nargs="*", default=[], help="CV repeat JSON files (held-out rows of the QC)")
    p.add_argument("--k", type=int, default=2, help="number of d-RF groups")
    p.add_argument("--out", required=True)

    p = add_command(sub, "cam", run_cam, "Grad-CAM maps and overlay figures")
    p.add_argument("--model", required=True)
    p.add_argument("--slices", required=True)
    p.add_argument("--groups", help="<model>_groups.csv from omics deep extract (needed for a CAE)")
    p.add_argument("--features", help="<model>_features.csv (CAE: centroids of the groups)")
    p.add_argument("--per-group", type=int, default=4, help="example patients per group in the grid")
    p.add_argument("--per-patient", action="store_true", help="also one overlay PNG per patient")
    p.add_argument("--out", required=True)
    p = add_command(sub, "choose", run_choose,
                    "choose the imaging grouping (stepwise Cox AIC) and compare C-indices with RNA")
    p.add_argument("--clinical", required=True, help="clinical CSV (patient_id first) with survival and covariates")
    p.add_argument("--groups", nargs="*", default=[], help="group tables joined on patient_id (e.g. cluster/groups.csv)")
    p.add_argument("--deep-groups", nargs="*", default=[], metavar="[NAME=]FILE",
                   help="omics deep extract <model>_groups.csv files; column NAME (default: the model)")
    p.add_argument("--groupings", required=True, help="imaging grouping columns, comma-separated (e.g. hrf,cae,hscae)")
    p.add_argument("--covariates", default="", help="adjustment covariates, comma-separated (always kept)")
    p.add_argument("--rna", default=None, help="RNA grouping column for the C-index comparison")
    p.add_argument("--reference", action="append", default=[], metavar="COLUMN=LEVEL")
    p.add_argument("--time", default="mfs_time")
    p.add_argument("--event", default="mfs_event")
    p.add_argument("--folds", type=int, default=5)
    p.add_argument("--n-boot", type=int, default=1000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", required=True)
    for action in list(sub.choices.values()):
        action.formatter_class = argparse.ArgumentDefaultsHelpFormatter
