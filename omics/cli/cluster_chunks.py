"""``omics consensus-chunk`` and ``omics consensus-merge``: ``omics consensus`` split over jobs.

``consensus-chunk`` counts chunk I of N of the resamples into one ``.npz``; ``consensus-merge``
sums the chunks and writes exactly what ``omics consensus`` writes with the same options
(see :mod:`omics.cluster.chunks`).
"""

from __future__ import annotations

from omics.cli._common import add_command
from omics.cli.cluster import _drop_constant, _features, add_finishing_options, add_resampling_options


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
    from omics.cli.cluster import write_consensus
    from omics.cluster import merge_consensus
    from omics.data.provenance import write_provenance

    result = merge_consensus(args.chunks, final_linkage=args.final_linkage,
                             pac_window=tuple(args.pac_window), min_size=args.min_size)
    out = write_consensus(result, args)
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
    add_resampling_options(p)
    p.add_argument("--chunk", type=int, required=True, help="which chunk, 0-based (0 … CHUNKS-1)")
    p.add_argument("--chunks", type=int, required=True, help="number of chunks the resamples are cut into")
    p.add_argument("--out", required=True, help="output .npz file of counts")

    p = add_command(subparsers, "consensus-merge", run_merge,
                    help="merge the chunks of `omics consensus-chunk` into the outputs of `omics consensus`")
    p.add_argument("chunks", nargs="+", help=".npz files of `omics consensus-chunk`, covering all resamples")
    add_finishing_options(p)
    p.add_argument("--out", required=True, help="output folder (the tables of `omics consensus`)")
