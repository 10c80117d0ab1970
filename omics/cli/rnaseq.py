"""``omics voom``, ``omics combat`` and ``omics harmonize``: RNA-seq normalisation and
ComBat batch correction of expression or feature tables. Thin wrappers over
:mod:`omics.rnaseq` and :mod:`omics.harmonize`."""

from __future__ import annotations

from pathlib import Path

from omics.cli._common import add_command, text_list
from omics.cli._matrix import ORIENTATIONS

# pandas and omics.data are imported inside the functions: `omics --help` stays fast


def _clinical_column(clinical: pd.DataFrame, column: str | None, path: str, ids) -> pd.Series | None:
    from omics.data.validate import InputError
    if not column:
        return None
    if column not in clinical.columns:
        raise InputError(f"{path}: no column {column!r}; available: {', '.join(map(str, clinical.columns[:15]))}")
    values = clinical.loc[list(ids), column]
    missing = values.index[values.isna() | (values.astype(str).str.strip() == "")]
    if len(missing):
        shown = ", ".join(map(str, missing[:5]))
        raise InputError(f"{path}: column {column!r} is empty for {len(missing)} sample(s): {shown}")
    return values


def _restrict(table: pd.DataFrame, clinical: pd.DataFrame, table_name: str, clinical_name: str) -> pd.DataFrame:
    from omics.data.validate import check_overlap
    overlap = check_overlap(clinical.index, table.index, clinical_name, table_name, require_all_right=True)
    return table.loc[[i for i in table.index if i in set(overlap.shared)]]


# ---------------------------------------------------------------------------------------
def run_voom(args) -> int:
    from omics.data.provenance import write_provenance
    from omics.data.readers import read_clinical, read_counts
    from omics.data.validate import InputError
    from omics.rnaseq.pipeline import preprocess_counts
    clinical = read_clinical(args.clinical, id_column=args.id_column) if args.clinical else None
    counts = read_counts(args.counts, orientation=ORIENTATIONS[args.orientation],
                         sample_ids=None if clinical is None else clinical.index)
    if clinical is not None:
        counts = _restrict(counts, clinical, str(args.counts), str(args.clinical))
    if (args.batch or args.group) and clinical is None:
        raise InputError("--batch/--group need --clinical")
    batch = _clinical_column(clinical, args.batch, args.clinical, counts.index) if clinical is not None else None
    group = _clinical_column(clinical, args.group, args.clinical, counts.index) if clinical is not None else None
    result = preprocess_counts(counts, batch=batch, group=group,
                               batch_method=args.batch_method if batch is not None else "none",
                               n_top=args.n_top, variability=args.variability,
                               min_count=args.min_count, min_total_count=args.min_total_count,
                               span=args.span)
    out = Path(args.out)
    result.write(out)
    write_provenance(out, "voom", params={**vars_clean(args), **result.settings},
                     inputs=[str(p) for p in (args.counts, args.clinical) if p])
    print(repr(result))
    return 0


def _batch_and_covariates(args, clinical, index):
    """The batch column and the protected covariates (or None) for the given patients."""
    import pandas as pd
    batch = _clinical_column(clinical, args.batch, args.clinical, index)
    covs = text_list(args.covariates)
    if not covs:
        return batch, None
    return batch, pd.concat([_clinical_column(clinical, c, args.clinical, index) for c in covs], axis=1)


def run_combat(args) -> int:
    from omics.data.io import write_table
    from omics.data.provenance import write_provenance
    from omics.data.readers import read_clinical
    from omics.harmonize import combat
    clinical = read_clinical(args.clinical, id_column=args.id_column)
    table = read_counts_like(args.table, args.orientation, clinical.index)
    table = _restrict(table, clinical, str(args.table), str(args.clinical))
    batch, cov = _batch_and_covariates(args, clinical, table.index)
    corrected = combat(table, batch, covariates=cov, parametric=args.parametric,
                       mean_only=args.mean_only, ref_batch=args.ref_batch)
    out = Path(args.out)
    write_table(corrected.rename_axis("patient_id"), out / "combat.csv")
    write_provenance(out, "combat", params=vars_clean(args),
                     inputs=[str(args.table), str(args.clinical)])
    print(f"ComBat: {corrected.shape[0]} samples × {corrected.shape[1]} features, "
          f"{batch.nunique()} batches -> {out / 'combat.csv'}")
    return 0


def run_harmonize(args) -> int:
    import pandas as pd

    from omics.data.io import atomic_path, write_table
    from omics.data.provenance import write_provenance
    from omics.data.readers import read_clinical, read_features
    from omics.data.validate import select_patients
    from omics.harmonize import ComBat, harmonization_diagnostics
    from omics.plotting.harmonize import plot_diagnostics
    clinical = read_clinical(args.clinical, id_column=args.id_column)
    features = read_features(args.features)
    features = _restrict(features, clinical, str(args.features), str(args.clinical))
    batch, cov = _batch_and_covariates(args, clinical, features.index)
    train = pd.Series(True, index=features.index)
    if args.fit_on:
        train = features.index.isin(select_patients(clinical.loc[features.index], args.fit_on, source=str(args.clinical)))
        train = pd.Series(train, index=features.index)
    model = ComBat(parametric=args.parametric, mean_only=args.mean_only, ref_batch=args.ref_batch)
    model.fit(features[train], batch[train], None if cov is None else cov[train])
    harmonized = model.transform(features, batch, cov)
    out = Path(args.out)
    write_table(harmonized.rename_axis("patient_id"), out / "harmonized.csv")
    model.write(out)
    fig = plot_diagnostics(harmonization_diagnostics(features, harmonized, batch), train=train)
    with atomic_path(out / "harmonize_diagnostics.png") as tmp:
        fig.savefig(tmp, dpi=120)
    write_provenance(out, "harmonize", params={**vars_clean(args), "n_fit": int(train.sum()),
                                               "n_applied": int(len(train))},
                     inputs=[str(args.features), str(args.clinical)])
    print(f"ComBat fitted on {int(train.sum())} patient(s), applied to {len(train)}; "
          f"{features.shape[1]} features -> {out / 'harmonized.csv'}")
    return 0


def read_counts_like(path, orientation: str, sample_ids) -> pd.DataFrame:
    """Read an expression/feature table as samples × features (orientation as for counts)."""
    from omics.data.readers import read_matrix
    return read_matrix(path, orientation=ORIENTATIONS[orientation], sample_ids=sample_ids)


def vars_clean(args) -> dict:
    return {k: v for k, v in vars(args).items() if k not in ("handler",)}


def _batch_options(parser) -> None:
    parser.add_argument("--batch", required=True, help="clinical column with the batch (e.g. rna_batch, scanner)")
    parser.add_argument("--covariates", default=None,
                        help="comma-separated clinical columns to protect (e.g. histotype,grade)")
    parser.add_argument("--parametric", dest="parametric", action="store_true", default=True,
                        help="parametric empirical Bayes priors")
    parser.add_argument("--non-parametric", dest="parametric", action="store_false",
                        help="non-parametric empirical Bayes priors")
    parser.add_argument("--mean-only", action="store_true", help="adjust batch means only")
    parser.add_argument("--ref-batch", default=None, help="reference batch left unchanged")


def register(subparsers) -> None:
    p = add_command(subparsers, "voom", run_voom,
                    "RNA-seq counts -> low-count filter -> (ComBat-seq) -> TMM -> voom; "
                    "writes voom_expression.csv, voom_weights.csv, expression_for_clustering.csv")
    p.add_argument("counts", help="raw count table (genes × samples as the demo's counts.csv, or samples × genes)")
    p.add_argument("--clinical", default=None, help="clinical table (patient IDs; batch/group columns)")
    p.add_argument("--id-column", default="patient_id")
    p.add_argument("--orientation", choices=sorted(ORIENTATIONS), default="auto",
                   help="orientation of COUNTS; auto matches names against clinical IDs, else more genes than samples")
    p.add_argument("--batch", default=None, help="clinical column with the RNA batch (e.g. rna_batch)")
    p.add_argument("--group", default=None, help="clinical column with a biological group to protect")
    p.add_argument("--batch-method", choices=["combat-seq", "combat", "none"], default="combat-seq",
                   help="ComBat-seq on counts, or batch in the voom design + ComBat on log-CPM for clustering")
    p.add_argument("--n-top", type=int, default=2000, help="most variable genes kept for clustering")
    p.add_argument("--variability", choices=["variance", "sd", "mad"], default="variance")
    p.add_argument("--min-count", type=float, default=10, help="filterByExpr min.count")
    p.add_argument("--min-total-count", type=float, default=15, help="filterByExpr min.total.count")
    p.add_argument("--span", type=float, default=0.5, help="lowess span of the voom trend")
    p.add_argument("--out", required=True, help="output folder")

    p = add_command(subparsers, "combat", run_combat,
                    "ComBat (sva::ComBat) on an expression or feature table; writes combat.csv")
    p.add_argument("table", help="samples × features table, or genes × samples (see --orientation)")
    p.add_argument("--clinical", required=True)
    p.add_argument("--id-column", default="patient_id")
    p.add_argument("--orientation", choices=sorted(ORIENTATIONS), default="auto")
    _batch_options(p)
    p.add_argument("--out", required=True)

    p = add_command(subparsers, "harmonize", run_harmonize,
                    "ComBat fitted on some patients (e.g. the training cohort) and applied to all; "
                    "writes harmonized.csv, batch_parameters.csv and a diagnostic figure")
    p.add_argument("features", help="patients × features table (first column patient_id)")
    p.add_argument("--clinical", required=True)
    p.add_argument("--id-column", default="patient_id")
    _batch_options(p)
    p.add_argument("--fit-on", default=None,
                   help="COLUMN=VALUE selecting the patients to fit on (e.g. cohort=training)")
    p.add_argument("--out", required=True)
