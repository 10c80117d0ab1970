"""``omics consensus``, ``omics hierarchical``, ``omics assign`` and ``omics hybrid``.

Thin wrappers over :mod:`omics.cluster`; every command writes into ``--out DIR`` (atomically)
with a ``provenance.json``. Matrices are read through :mod:`omics.cli._matrix` (orientation
stated and checked). Stage code (pandas, scipy…) is imported inside the handlers, so that
``omics --help`` starts fast.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

from omics.cli._common import add_command, int_range
from omics.cli._matrix import add_orientation_option, read_patient_matrix
from omics.cluster._options import DISTANCES, LINKAGES, SCALINGS


def _features(path: str, args, patients=None):
    """Patients × features through the one matrix reader (orientation stated on stderr)."""
    if patients is None and getattr(args, "clinical", None):
        from omics.data.readers import read_clinical
        patients = read_clinical(args.clinical, id_column=args.id_column).index
    return read_patient_matrix(path, args.orientation, patients=patients)


def _labels(path: str, column: str | None, source: str):
    from omics.data.readers import group_labels, read_groups
    return group_labels(read_groups(path), column, f"{path} (--{source}-column)")


def _add_patient_options(parser) -> None:
    add_orientation_option(parser)
    parser.add_argument("--clinical", default=None,
                        help="clinical table: its patient IDs settle the orientation and bound the patient axis")
    parser.add_argument("--id-column", default="patient_id", help="patient ID column of --clinical")


def _add_clustering_options(parser, linkage_help: str) -> None:
    parser.add_argument("--distance", choices=DISTANCES, default="pearson", help="distance between patients")
    parser.add_argument("--linkage", choices=LINKAGES, default="average", help=linkage_help)
    parser.add_argument("--scale", choices=SCALINGS, default="none",
                        help="feature scaling over patients before clustering")


def _drop_constant(features, path: str):
    """Drop zero-variance features (:func:`omics.cluster.drop_constant_features`), saying which
    (for --drop-constant)."""
    from omics.cluster import drop_constant_features

    features, constant = drop_constant_features(features)
    if constant:
        print(f"{path}: dropped {len(constant)} constant feature(s): {', '.join(constant)}")
    return features, constant



def write_consensus(result, args) -> Path:
    """Tables (``result.write``) and, unless ``--no-figures``, the figures of one consensus
    run under ``--out``; shared by ``omics consensus`` and ``omics consensus-merge``."""
    from omics.data.paths import safe_name

    out = Path(args.out)
    result.write(out)
    if not args.no_figures:
        from omics.plotting.cluster import save_consensus_figures

        prefix = f"{safe_name(args.name, what='--name')}_" if args.name else ""
        save_consensus_figures(result, args.figures or out / "figures", prefix=prefix)
    return out

def run_consensus(args) -> int:
    from omics.cluster import consensus_cluster
    from omics.data.provenance import write_provenance

    features = _features(args.features, args)
    dropped = []
    if args.drop_constant:
        features, dropped = _drop_constant(features, args.features)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)
        result = consensus_cluster(features, k=args.k, reps=args.reps, p_item=args.p_item,
                                   p_feature=args.p_feature, distance=args.distance, linkage=args.linkage,
                                   final_linkage=args.final_linkage, scale=args.scale, seed=args.seed,
                                   n_jobs=args.n_jobs, pac_window=tuple(args.pac_window),
                                   progress=args.progress, source=args.features, min_size=args.min_size)
    for w in caught:
        print(f"warning: {w.message}", file=sys.stderr)
    out = write_consensus(result, args)
    params = {key: value for key, value in vars(args).items() if key not in ("handler", "command")}
    params.update(suggested_k=result.suggested_k, suggested_k_rule=result.suggested_k_rule,
                  seed_entropy=result.params["seed_entropy"], n_patients=len(result.patients),
                  n_features=result.params["n_features"], dropped_constant_features=dropped)
    write_provenance(out, "consensus", params, seed=args.seed, inputs=[args.features])
    print(f"{len(result.patients)} patients × {result.params['n_features']} features; "
          f"suggested K = {result.suggested_k} ({result.suggested_k_rule}); outputs in {out}")
    return 0


def run_hierarchical(args) -> int:
    from omics.cluster import hierarchical_cluster
    from omics.data.provenance import write_provenance

    features = _features(args.features, args)
    result = hierarchical_cluster(features, k=args.k, distance=args.distance, linkage=args.linkage,
                                  scale=args.scale, source=args.features)
    out = Path(args.out)
    result.write(out)
    params = {key: value for key, value in vars(args).items() if key not in ("handler", "command")}
    write_provenance(out, "hierarchical", params, inputs=[args.features])
    print(repr(result))
    return 0


def run_assign(args) -> int:
    from omics.cluster import assign_centroids
    from omics.data.provenance import write_provenance
    from omics.data.validate import InputError

    labels = _labels(args.labels, args.column, "labels").dropna()
    train = _features(args.train, args, patients=labels.index)
    unlabelled = train.index.difference(labels.index)
    if len(unlabelled):
        raise InputError(f"{args.train}: {len(unlabelled)} training patient(s) have no label in "
                         f"{args.labels}: {', '.join(unlabelled[:5])}")
    new = _features(args.new, args, patients=None if args.clinical else train.index.append(labels.index))
    result = assign_centroids(train, labels.loc[train.index], new, distance=args.distance, scale=args.scale)
    out = Path(args.out)
    result.write(out)
    params = {key: value for key, value in vars(args).items() if key not in ("handler", "command")}
    write_provenance(out, "assign", params, inputs=[args.train, args.labels, args.new])
    print(f"assigned {len(result.clusters)} patients: " +
          ", ".join(f"{c} {n}" for c, n in result.clusters.value_counts().sort_index().items()))
    return 0


def run_hybrid(args) -> int:
    from omics.cluster import hybrid_groups, partition_agreement
    from omics.data.io import write_table
    from omics.data.provenance import write_provenance

    a = _labels(args.a, args.a_column, "a")
    b = _labels(args.b, args.b_column, "b")
    groups = hybrid_groups(a, b, names=(args.a_name, args.b_name), level=args.level)
    agreement = partition_agreement(a, b)
    out = Path(args.out)
    write_table(groups, out / "groups.csv")
    agreement.write(out)
    params = {key: value for key, value in vars(args).items() if key not in ("handler", "command")}
    write_provenance(out, "hybrid", params, inputs=[args.a, args.b])
    print(repr(agreement))
    return 0


def add_resampling_options(parser) -> None:
    """Options of the resampling that `omics consensus` and every `consensus-chunk` share:
    features, K, resamples, shares, distance/linkage/scaling, patient axis, seed, jobs."""
    parser.add_argument("features", help="patients × features table (first column: patient ID)")
    parser.add_argument("--k", type=int_range, default=list(range(2, 7)), help="numbers of clusters, e.g. 2-6")
    parser.add_argument("--reps", type=int, default=1000, help="number of resamples (of the whole run)")
    parser.add_argument("--p-item", type=float, default=0.8, help="share of patients per resample")
    parser.add_argument("--p-feature", type=float, default=1.0, help="share of features per resample")
    _add_clustering_options(parser, "linkage of the tree grown on each resample")
    _add_patient_options(parser)
    parser.add_argument("--drop-constant", action="store_true",
                        help="drop zero-variance features (listed in the output) instead of refusing them")
    parser.add_argument("--seed", type=int, default=0, help="seed of the resampling (the same for every chunk)")
    parser.add_argument("--n-jobs", type=int, default=1, help="worker processes (results do not depend on it)")
    parser.add_argument("--progress", action="store_true", help="show a progress bar")


def add_finishing_options(parser) -> None:
    """Options of the consensus statistics and labels (`omics consensus`, `consensus-merge`)."""
    parser.add_argument("--final-linkage", choices=LINKAGES, default=None,
                        help="linkage of the final tree on 1 - consensus (default: the resampling linkage)")
    parser.add_argument("--pac-window", type=float, nargs=2, default=[0.1, 0.9], metavar=("X1", "X2"),
                        help="consensus window of the PAC")
    parser.add_argument("--min-size", type=int, default=None,
                        help="smallest cluster a suggested K may hold (default: max(3, 5%% of patients))")
    parser.add_argument("--name", default="", help="prefix of the figure files (e.g. the modality)")
    parser.add_argument("--figures", default=None, help="folder of the figures (default: OUT/figures)")
    parser.add_argument("--no-figures", action="store_true", help="write no figures")


def register(subparsers) -> None:
    p = add_command(subparsers, "consensus", run_consensus,
                    help="consensus clustering of patients (ConsensusClusterPlus semantics)")
    add_resampling_options(p)
    add_finishing_options(p)
    p.add_argument("--out", required=True, help="output folder")

    p = add_command(subparsers, "hierarchical", run_hierarchical,
                    help="plain hierarchical clustering of patients (e.g. deep features)")
    p.add_argument("features", help="patients × features table (first column: patient ID)")
    p.add_argument("--k", type=int_range, default=[2], help="numbers of clusters, e.g. 2 or 2-4")
    _add_clustering_options(p, "linkage")
    _add_patient_options(p)
    p.add_argument("--out", required=True, help="output folder")

    p = add_command(subparsers, "assign", run_assign,
                    help="assign new patients to the nearest training-cluster centroid")
    p.add_argument("--train", required=True, help="training patients × features table")
    p.add_argument("--labels", required=True, help="training labels table (e.g. labels.csv of `omics consensus`)")
    p.add_argument("--column", default=None, help="label column (e.g. k3); needed if the table has several")
    p.add_argument("--new", required=True, help="new patients × features table")
    p.add_argument("--distance", choices=DISTANCES, default="pearson", help="distance to the centroids")
    p.add_argument("--scale", choices=SCALINGS, default="none",
                   help="feature scaling learnt on the training patients")
    _add_patient_options(p)
    p.add_argument("--out", required=True, help="output folder")

    p = add_command(subparsers, "hybrid", run_hybrid,
                    help="cross two groupings into hybrid groups (groups.csv) and measure their agreement")
    p.add_argument("--a", required=True, help="first label table (e.g. hRF labels.csv)")
    p.add_argument("--a-column", default=None, help="label column of --a (e.g. k3)")
    p.add_argument("--a-name", default="hRF", help="modality name appended to the labels of --a")
    p.add_argument("--b", required=True, help="second label table (e.g. RNA labels.csv)")
    p.add_argument("--b-column", default=None, help="label column of --b (e.g. k2)")
    p.add_argument("--b-name", default="RNA", help="modality name appended to the labels of --b")
    p.add_argument("--level", default=None,
                   help="hybrid level kept in hybrid_binary (default: A_<a-name>×A_<b-name>)")
    p.add_argument("--out", required=True, help="output folder (gets groups.csv)")
