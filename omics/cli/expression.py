"""``omics dge``, ``omics gsea`` and ``omics pam``: differential expression, gene-set
enrichment and PAM signatures. Thin wrappers over :mod:`omics.expression`; stage code and
pandas are imported inside the handlers so that ``omics --help`` starts fast."""

from __future__ import annotations

import warnings
from pathlib import Path

from omics.cli._common import add_command
from omics.cli._matrix import add_orientation_option, read_patient_matrix


def _groups(path: str, column: str) -> pd.Series:
    from omics.data.readers import group_labels, read_groups
    return group_labels(read_groups(path), column, path)


def _default_level(groups: pd.Series, level: str | None, path: str, column: str) -> str:
    from omics.data.validate import InputError
    if level:
        return level
    labels = sorted(groups.dropna().astype(str).unique())
    others = [lab for lab in labels if lab != "Others"]
    if len(labels) == 2 and len(others) == 1:
        return others[0]
    raise InputError(f"{path}: column {column!r} has labels {labels}; choose one with --level")


def _params(args) -> dict:
    return {k: v for k, v in vars(args).items() if k not in ("handler", "command")}


def _reporting_warnings(func, *args, **kwargs):
    """Call ``func`` and print its warnings (patients left out, …) to the log."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)
        result = func(*args, **kwargs)
    for w in caught:
        print(f"warning: {w.message}")
    return result


def _figures(args) -> Path:
    return Path(args.figures) if args.figures else Path(args.out)


def run_dge(args) -> int:
    from omics.data.paths import safe_name
    from omics.data.provenance import write_provenance
    from omics.data.readers import read_counts
    from omics.data.validate import InputError
    from omics.expression import differential_expression
    from omics.plotting.expression import volcano

    groups = _groups(args.groups, args.group_column)
    level = _default_level(groups, args.level, args.groups, args.group_column)
    common = dict(reference=args.reference, fc_threshold=args.fc, alpha=args.alpha)
    if args.method == "deseq2":
        if not args.counts:
            raise InputError("--method deseq2 needs --counts (raw counts)")
        data = read_counts(args.counts, sample_ids=groups.index)
        kwargs = dict(n_cpus=args.n_cpus)
    else:
        if not args.expression:
            raise InputError(f"--method {args.method} needs --expression (voom log2-CPM)")
        data = read_patient_matrix(args.expression, args.orientation, groups.index, what="genes")
        if args.method == "limma":
            weights = (read_patient_matrix(args.weights, args.orientation, groups.index, what="genes")
                       if args.weights else None)
            kwargs = dict(weights=weights, trend=args.trend)
        else:
            kwargs = dict(equal_var=args.equal_var)
    result = _reporting_warnings(differential_expression, data, groups, level=level,
                                 method=args.method, **common, **kwargs)
    out = Path(args.out)
    name = safe_name(args.name, what="--name") if args.name else f"dge_{args.method}"
    result.write(out, name=name)
    volcano(result, n_labels=args.n_labels, out=_figures(args) / f"volcano_{args.method}.png")
    write_provenance(out, name, params={**_params(args), **result.summary.iloc[0].to_dict()},
                     inputs=[p for p in (args.expression, args.weights, args.counts, args.groups) if p],
                     filename=f"provenance_{name}.json")
    print(repr(result))
    return 0


def run_gsea(args) -> int:
    from omics.data.io import read_table
    from omics.data.paths import safe_name
    from omics.data.provenance import write_provenance
    from omics.data.validate import InputError
    from omics.expression.enrich import gsea_prerank, over_representation
    from omics.plotting.expression import enrichment_bars

    dge = read_table(args.dge, index_col=None)
    if "gene" not in dge.columns:
        raise InputError(f"{args.dge}: needs a 'gene' column (an `omics dge` table)")
    if args.mode == "prerank":
        result = gsea_prerank(dge, args.genesets, rank_by=args.rank_by, min_size=args.min_size,
                              max_size=args.max_size, permutations=args.permutations,
                              seed=args.seed, threads=args.threads)
    else:
        result = over_representation(dge, args.genesets, genes=args.genes,
                                     min_size=args.min_size, max_size=args.max_size)
    out = Path(args.out)
    name = safe_name(args.name, what="--name") if args.name else ("gsea" if args.mode == "prerank" else "ora")
    result.write(out, name=name)
    print(result.footnote)
    enrichment_bars(result, top=args.top, out=_figures(args) / f"{name}_bars.png")
    write_provenance(out, name, params={**_params(args), **result.parameters}, seed=args.seed,
                     inputs=[args.dge, args.genesets], filename=f"provenance_{name}.json")
    print(repr(result))
    return 0


def run_pam(args) -> int:
    from omics.data.provenance import write_provenance
    from omics.expression.pam import pam_signature
    from omics.plotting.expression import message_figure, pam_cv_curve, signature_heatmap

    groups = _groups(args.groups, args.group_column)
    expr = read_patient_matrix(args.expression, args.orientation, groups.index, what="genes")
    folds = _pam_folds(args.folds) if args.folds else None
    model, signature = _reporting_warnings(pam_signature, expr, groups, n_folds=args.n_folds,
                                           random_state=args.seed, n_threshold=args.n_threshold,
                                           threshold=args.threshold, prior=_pam_prior(args.prior),
                                           error="balanced" if args.balanced_error else "overall",
                                           folds=folds)
    out = Path(args.out)
    model.write(out)
    figures = _figures(args)
    if signature.empty:   # no empty heatmap: the figure file says why (the workflow expects it)
        print("pam: the signature is empty; no heatmap drawn (see the warning above)")
        message_figure("PAM signature is empty: no gene passes the cross-validated threshold.\n"
                       "See pam_cv.csv; for imbalanced groups try --prior uniform --balanced-error.",
                       out=figures / "pam_heatmap.png", title="PAM signature")
    else:
        signature_heatmap(expr, groups, signature, out=figures / "pam_heatmap.png")
    pam_cv_curve(model.cv_table(), out=figures / "pam_cv.png")
    write_provenance(out, "pam", params={**_params(args), "threshold_chosen": model.threshold_,
                                         "n_genes": int(len(signature))},
                     seed=args.seed, inputs=[args.expression, args.groups],
                     filename="provenance_pam.json")
    print(f"{model!r}; signature of {len(signature)} genes -> {out / 'pam_signature.csv'}")
    return 0


def _pam_prior(text: str):
    """``class``, ``uniform``, ``0.5,0.5`` (sorted-class order) or ``A=0.3,B=0.7``."""
    from omics.data.validate import InputError
    text = text.strip()
    if text in ("class", "uniform"):
        return text
    parts = [t.strip() for t in text.split(",") if t.strip()]
    try:
        if all("=" in t for t in parts):
            return {k.strip(): float(v) for k, v in (t.split("=", 1) for t in parts)}
        return [float(t) for t in parts]
    except ValueError as exc:
        raise InputError(f"--prior: expected class, uniform, numbers like 0.5,0.5 or CLASS=W,...; "
                         f"got {text!r}") from exc


def _pam_folds(path: str) -> pd.Series:
    """A table of sample ID (first column) and fold ID (column ``fold``), e.g. pamr.cv's folds."""
    import pandas as pd

    from omics.data.io import read_table
    from omics.data.validate import InputError
    table = read_table(path, dtype=str, keep_default_na=False)
    if "fold" not in table.columns:
        raise InputError(f"{path}: needs a 'fold' column (and the sample ID in the first column)")
    ids = table.iloc[:, 0] if table.columns[0] != "fold" else table.iloc[:, 1]
    return pd.Series(table["fold"].to_numpy(), index=ids.astype(str).to_numpy())


def _group_options(parser) -> None:
    parser.add_argument("--groups", required=True, help="CSV with patient_id and a group column "
                        "(e.g. results/tables/cluster/groups.csv)")
    parser.add_argument("--group-column", default="hybrid_binary", help="column of --groups to compare")
    parser.add_argument("--out", required=True, help="output folder for tables")
    parser.add_argument("--figures", help="output folder for figures (default: --out)")


def register(subparsers) -> None:
    p = add_command(subparsers, "dge", run_dge, "differential expression between two groups "
                    "(t-test on voom, limma moderated t, or DESeq2 via pydeseq2) + volcano plot")
    p.add_argument("--expression", help="voom log2-CPM, patients × genes (ttest, limma)")
    p.add_argument("--weights", help="voom weights, patients × genes (limma)")
    p.add_argument("--counts", help="raw counts, genes × samples or samples × genes (deseq2)")
    p.add_argument("--method", choices=["ttest", "limma", "deseq2"], default="ttest")
    p.add_argument("--level", help="group of interest (default: the level that is not 'Others')")
    p.add_argument("--reference", help="comparison group (default: all other patients)")
    p.add_argument("--fc", type=float, default=2.0, help="fold-change threshold (|FC| >=)")
    p.add_argument("--alpha", type=float, default=0.05, help="adjusted p-value threshold")
    p.add_argument("--equal-var", action="store_true", help="t-test: Student (pooled variance) "
                   "instead of Welch")
    p.add_argument("--trend", action="store_true", help="limma: eBayes(trend = TRUE)")
    p.add_argument("--n-cpus", type=int, default=1, help="deseq2: pydeseq2 worker processes")
    p.add_argument("--n-labels", type=int, default=10, help="genes labelled on the volcano plot")
    p.add_argument("--name", help="output table name (default dge_<method>)")
    add_orientation_option(p)
    _group_options(p)

    p = add_command(subparsers, "gsea", run_gsea, "gene-set enrichment of a DGE table "
                    "(pre-ranked GSEA or over-representation, gseapy, offline GMT) + bar chart")
    p.add_argument("--dge", required=True, help="table written by `omics dge`")
    p.add_argument("--genesets", required=True, help="GMT file")
    p.add_argument("--mode", choices=["prerank", "ora"], default="prerank")
    p.add_argument("--rank-by", choices=["statistic", "log2fc", "signed_log10_p"], default="statistic")
    p.add_argument("--genes", choices=["significant", "up", "down"], default="significant",
                   help="ora: which DGE genes are tested")
    p.add_argument("--min-size", type=int, default=15)
    p.add_argument("--max-size", type=int, default=500)
    p.add_argument("--permutations", type=int, default=1000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--top", type=int, default=20, help="gene sets in the bar chart")
    p.add_argument("--name", help="output table name (default gsea / ora)")
    p.add_argument("--out", required=True, help="output folder for tables")
    p.add_argument("--figures", help="output folder for figures (default: --out)")

    p = add_command(subparsers, "pam", run_pam, "PAM nearest-shrunken-centroid signature with "
                    "a cross-validated threshold + heatmap")
    p.add_argument("--expression", required=True, help="voom log2-CPM, patients × genes")
    p.add_argument("--n-folds", type=int, default=10, help="balanced CV folds")
    p.add_argument("--n-threshold", type=int, default=30, help="thresholds in the grid")
    p.add_argument("--threshold", type=float, help="fixed threshold instead of the CV choice")
    p.add_argument("--prior", default="class",
                   help="class priors: class (proportions, pamr default), uniform, numbers in sorted "
                        "class order (0.5,0.5) or CLASS=W,...; uniform helps imbalanced groups")
    p.add_argument("--balanced-error", action="store_true",
                   help="choose the threshold by the balanced CV error (mean of per-class error rates)")
    p.add_argument("--folds", help="CSV of sample ID and 'fold' column: these CV folds instead of "
                   "balanced random ones (e.g. to replay a pamr.cv run)")
    p.add_argument("--seed", type=int, default=0)
    add_orientation_option(p)
    _group_options(p)
