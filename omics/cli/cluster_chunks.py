"""``omics consensus-chunk`` and ``omics consensus-merge``: ``omics consensus`` split over jobs.

``consensus-chunk`` counts chunk I of N of the resamples into one ``.npz``; ``consensus-merge``
sums the chunks and writes exactly what ``omics consensus`` writes with the same options
(see :mod:`omics.cluster.chunks`).
"""

from __future__ import annotations

from omics.cli._common import add_command, int_range
from omics.cli.cluster import _add_clustering_options, _add_patient_options, _drop_constant, _features
from omics.cluster._options import LINKAGES


def run_chunk(args) -> int:
    from omics.cluster import chunk_resamples, consensus_counts

    features = _features(args.features, args)
    if args.drop_constant:
        features, _ = _drop_constant(features, args.features)
    chunk = chunk_resamples(args.reps, args.chunk, args.chunks)
    counts = consensus_counts(features, k=args.k, reps=args.reps, resamples=chunk, p_item=args.p_item,
                              p_feature=args.p_feature, distance=args.distance, linkage=args.linkage,
                              scale=args.scale, seed=args.seed, n_jobs=args.n_jobs,
                              progress=args.progress, source=args.features)
    path = counts.save(args.out)
    print(f"{counts!r} -> {path}")
    return 0


def run_merge(args) -> int:
    from omics.cluster import merge_consensus
    from omics.data.paths import safe_name
    from omics.data.provenance import write_provenance

    result = merge_consensus(args.chunks, final_linkage=args.final_linkage,
                             pac_window=tuple(args.pac_window), min_size=args.min_size)
    out = result.write(args.out)
    if not args.no_figures:
        from omics.plotting.cluster import save_consensus_figures

        prefix = f"{safe_name(args.name, what='--name')}_" if args.name else ""
        save_consensus_figures(result, args.figures or out / "figures", prefix=prefix)
    params = {key: value for key, value in vars(args).items() if key not in ("handler", "command")}
    params.update({key: value for key, value in result.params.items() if key != "seed"},
                  suggested_k=result.suggested_k, suggested_k_rule=result.suggested_k_rule,
                  n_patients=len(result.patients), n_chunks=len(args.chunks))
    write_provenance(out, "consensus", params, seed=result.params["seed"], inputs=list(args.chunks))
    print(f"{len(result.patients)} patients, {result.params['reps']} resamples from {len(args.chunks)} "
          f"chunk(s); suggested K = {result.suggested_k} ({result.suggested_k_rule}); outputs in {out}")
    return 0


def register(subparsers) -> None:
    p = add_command(subparsers, "consensus-chunk", run_chunk,
                    help="count one chunk of the resamples of `omics consensus` (one .npz per job)")
    p.add_argument("features", help="patients × features table (first column: patient ID)")
    p.add_argument("--chunk", type=int, required=True, help="which chunk, 0-based (0 … CHUNKS-1)")
    p.add_argument("--chunks", type=int, required=True, help="number of chunks the resamples are cut into")
    p.add_argument("--k", type=int_range, default=list(range(2, 7)), help="numbers of clusters, e.g. 2-6")
    p.add_argument("--reps", type=int, default=1000, help="number of resamples of the whole run")
    p.add_argument("--p-item", type=float, default=0.8, help="share of patients per resample")
    p.add_argument("--p-feature", type=float, default=1.0, help="share of features per resample")
    _add_clustering_options(p, "linkage of the tree grown on each resample")
    _add_patient_options(p)
    p.add_argument("--drop-constant", action="store_true",
                   help="drop zero-variance features instead of refusing them")
    p.add_argument("--seed", type=int, default=0, help="seed of the resampling (the same for every chunk)")
    p.add_argument("--n-jobs", type=int, default=1, help="worker processes (results do not depend on it)")
    p.add_argument("--progress", action="store_true", help="show a progress bar")
    p.add_argument("--out", required=True, help="output .npz file of counts")

    p = add_command(subparsers, "consensus-merge", run_merge,
                    help="merge the chunks of `omics consensus-chunk` into the outputs of `omics consensus`")
    p.add_argument("chunks", nargs="+", help=".npz files of `omics consensus-chunk`, covering all resamples")
    p.add_argument("--final-linkage", choices=LINKAGES, default=None,
                   help="linkage of the final tree on 1 - consensus (default: the chunks' --linkage)")
    p.add_argument("--pac-window", type=float, nargs=2, default=[0.1, 0.9], metavar=("X1", "X2"),
                   help="consensus window of the PAC")
    p.add_argument("--min-size", type=int, default=None,
                   help="smallest cluster a suggested K may hold (default: max(3, 5%% of patients))")
    p.add_argument("--name", default="", help="prefix of the figure files (e.g. the modality)")
    p.add_argument("--figures", default=None, help="folder of the figures (default: OUT/figures)")
    p.add_argument("--no-figures", action="store_true", help="write no figures")
    p.add_argument("--out", required=True, help="output folder")
