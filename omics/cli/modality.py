"""``omics cluster-input`` and ``omics groups``: modalities as data.

``cluster-input`` turns one modality of a given kind (counts, expression, features,
handcrafted, cae, hscae) into the patients × features matrix that ``omics consensus`` takes;
``groups`` gathers every modality's cluster labels and the hybrids of chosen pairs into one
groups table. Thin wrappers over :func:`omics.cluster.cluster_input` and
:func:`omics.cluster.group_modalities`.
"""

from __future__ import annotations

from pathlib import Path

from omics.cli._common import add_command, text_list
from omics.cluster.inputs import FEATURE_KINDS, KINDS

# pandas and the stage code are imported inside the functions: `omics --help` stays fast

ORIENTATIONS = {"auto": "auto", "genes-by-samples": "genes x samples", "samples-by-genes": "samples x genes"}


def _clinical_values(clinical, columns, path, what):
    from omics.data.validate import InputError
    missing = [c for c in columns if c not in clinical.columns]
    if missing:
        raise InputError(f"{path}: no column {missing[0]!r} ({what}); columns: "
                         f"{', '.join(map(str, clinical.columns[:15]))}")
    return clinical[columns]


def run_cluster_input(args) -> int:
    from omics.cluster.inputs import cluster_input
    from omics.data.provenance import write_provenance
    from omics.data.readers import read_clinical, read_matrix
    from omics.data.validate import InputError, check_overlap
    clinical = read_clinical(args.clinical, id_column=args.id_column) if args.clinical else None
    orientation = args.orientation or ("samples-by-genes" if args.kind in FEATURE_KINDS else "auto")
    data = read_matrix(args.data, orientation=ORIENTATIONS[orientation],
                       sample_ids=None if clinical is None else clinical.index)
    print(f"{args.data}: read as {data.attrs['orientation']} ({data.shape[0]} patients × {data.shape[1]} "
          f"features; --orientation {orientation})")
    batch = covariates = group = None
    if clinical is not None:
        overlap = check_overlap(clinical.index, data.index, str(args.clinical), str(args.data))
        shared = set(overlap.shared)
        data = data.loc[[i for i in data.index if i in shared]]
        if args.batch:
            batch = _clinical_values(clinical, [args.batch], args.clinical, "--batch")[args.batch]
        if text_list(args.covariates):
            covariates = _clinical_values(clinical, text_list(args.covariates), args.clinical, "--covariates")
        if args.group:
            group = _clinical_values(clinical, [args.group], args.clinical, "--group")[args.group]
    elif args.batch or args.group or args.covariates:
        raise InputError("--batch/--group/--covariates need --clinical")
    result = cluster_input(data, kind=args.kind, batch=batch, covariates=covariates, group=group,
                           batch_method=args.batch_method, n_top=args.n_top or None,
                           variability=args.variability, min_count=args.min_count,
                           min_total_count=args.min_total_count, source=str(args.data))
    written = result.write(args.out, format=args.format)
    params = {k: v for k, v in vars(args).items() if k != "handler"}
    params["steps"] = result.steps
    write_provenance(Path(args.out), "cluster-input", params,
                     inputs=[str(p) for p in (args.data, args.clinical) if p])
    print(repr(result))
    print("outputs: " + ", ".join(str(p) for p in written.values()))
    return 0


def _suggested_column(labels_path: str, name: str) -> str:
    """``k<K>`` for the K that ``omics consensus`` suggested (its provenance.json beside the labels)."""
    import json

    from omics.data.validate import InputError
    record = Path(labels_path).with_name("provenance.json")
    try:
        params = json.loads(record.read_text())["parameters"]
        k, rule = int(params["suggested_k"]), params.get("suggested_k_rule", "")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError(f"--modality {name} ... auto: no suggested K in {record} ({exc}); "
                         "give the column (e.g. k3) instead") from exc
    print(f"{name}: K = {k}, suggested by omics consensus ({rule})")
    return f"k{k}"


def run_groups(args) -> int:
    from omics.cluster.inputs import group_modalities
    from omics.data.provenance import write_provenance
    from omics.data.readers import group_labels, read_groups
    from omics.data.validate import InputError
    labels = {}
    for name, path, column in args.modality:
        if name in labels:
            raise InputError(f"--modality {name!r} given twice")
        if column == "auto":
            column = _suggested_column(path, name)
        labels[name] = group_labels(read_groups(path), column or None, f"{path} (--modality {name})")
    hybrids = [tuple(pair) for pair in args.hybrid]
    levels = {(a, b): level for a, b, level in args.level}
    unknown = [pair for pair in levels if pair not in hybrids]
    if unknown:
        raise InputError(f"--level {unknown[0][0]} {unknown[0][1]}: that pair is not a --hybrid")
    result = group_modalities(labels, hybrids=hybrids, levels=levels)
    out = Path(args.out)
    result.write(out)
    params = {k: v for k, v in vars(args).items() if k != "handler"}
    write_provenance(out, "groups", params, inputs=[path for _, path, _ in args.modality])
    print(f"groups of {', '.join(labels)}" + (f"; hybrids {', '.join(f'{a}×{b}' for a, b in hybrids)}"
                                              if hybrids else "") + f" -> {out / 'groups.csv'}")
    return 0


def register(subparsers) -> None:
    p = add_command(subparsers, "cluster-input", run_cluster_input,
                    "one modality's data -> the patients × features matrix for `omics consensus` "
                    "(kinds: counts, expression, features, handcrafted, cae, hscae)")
    p.add_argument("data", help="the modality's table: counts, expression or features")
    p.add_argument("--kind", required=True, choices=KINDS,
                   help="counts: filterByExpr/TMM/batch/voom; expression: already normalised (log2), "
                        "optional ComBat, variable genes; features/handcrafted/cae/hscae: a ready table")
    p.add_argument("--clinical", default=None, help="clinical table (patient IDs; batch/group columns)")
    p.add_argument("--id-column", default="patient_id")
    p.add_argument("--orientation", choices=sorted(ORIENTATIONS), default=None,
                   help="orientation of DATA (default: auto for counts/expression, samples-by-genes otherwise)")
    p.add_argument("--batch", default=None, help="clinical column with the batch (counts, expression)")
    p.add_argument("--batch-method", choices=["combat-seq", "combat", "none"], default="combat-seq",
                   help="counts: ComBat-seq on counts, or batch in the voom design + ComBat for clustering")
    p.add_argument("--group", default=None, help="counts: clinical column with a biological group to protect")
    p.add_argument("--covariates", default=None, help="expression: clinical columns ComBat protects, comma-separated")
    p.add_argument("--n-top", type=int, default=2000, help="most variable genes kept (0 = all)")
    p.add_argument("--variability", choices=["variance", "sd", "mad"], default="variance")
    p.add_argument("--min-count", type=float, default=10, help="counts: filterByExpr min.count")
    p.add_argument("--min-total-count", type=float, default=15, help="counts: filterByExpr min.total.count")
    p.add_argument("--format", choices=["parquet", "csv"], default="parquet",
                   help="format of the matrices (steps.csv is always CSV)")
    p.add_argument("--out", required=True, help="output folder")

    p = add_command(subparsers, "groups", run_groups,
                    "gather the modalities' cluster labels (A_<name>) and the hybrids of pairs into groups.csv")
    p.add_argument("--modality", nargs=3, action="append", required=True, metavar=("NAME", "LABELS", "COLUMN"),
                   help="a modality's name, its labels table (labels.csv of `omics consensus`) and "
                        "the column (e.g. k3; 'auto' = the K suggested by omics consensus; '' if it has one); repeatable")
    p.add_argument("--hybrid", nargs=2, action="append", default=[], metavar=("A", "B"),
                   help="cross modalities A and B into hybrid groups; repeatable")
    p.add_argument("--level", nargs=3, action="append", default=[], metavar=("A", "B", "LEVEL"),
                   help="hybrid level of A×B kept in its binarised column (default A_<A>×A_<B>)")
    p.add_argument("--out", required=True, help="output folder (gets groups.csv, agreement.csv)")
