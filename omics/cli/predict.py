"""``omics predict grid|fit|apply|compare-auc|study`` and ``omics demo-response``:
supervised response prediction (thin wrappers over :mod:`omics.predict`)."""

from __future__ import annotations

import warnings
from pathlib import Path

from omics.cli._common import add_command, text_list


def _inputs(args):
    """Features, clinical table (aligned on the features' patients) and the outcome."""
    from omics.data import InputError, read_clinical, read_features
    features = read_features(args.features)
    clinical = read_clinical(args.clinical)
    missing = features.index.difference(clinical.index)
    if len(missing):
        raise InputError(f"{args.clinical}: no row for {len(missing)} patient(s) of {args.features}, "
                         f"e.g. {list(missing[:3])}")
    clinical = clinical.loc[features.index]
    for col in [args.outcome] + [c for c in (getattr(args, "batch", None), getattr(args, "centre", None)) if c]:
        if col not in clinical.columns:
            raise InputError(f"{args.clinical}: no column {col!r}")
    return features, clinical


def _grid(args) -> int:
    from omics.predict import run_grid
    features, clinical = _inputs(args)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        grid = run_grid(features, clinical[args.outcome], batch=clinical[args.batch] if args.batch else None,
                        groups=clinical[args.centre] if args.centre else None,
                        harmonizations=text_list(args.harmonization), selectors=text_list(args.selector),
                        classifiers=text_list(args.classifier), designs=text_list(args.design),
                        n_features=args.n_features, inner_cv=args.inner_cv or None, seed=args.seed, n_jobs=args.jobs)
        grid.write(args.out)
        grid.write_figures(Path(args.out) / "figures")
    print(grid)
    return 0


def _fit(args) -> int:
    from omics.predict import fit_model, shap_values
    from omics.plotting.predict import save_figure, shap_summary_figure
    features, clinical = _inputs(args)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        model = fit_model(features, clinical[args.outcome], batch=clinical[args.batch] if args.batch else None,
                          harmonization=args.harmonization, selector=args.selector, classifier=args.classifier,
                          n_features=args.n_features, seed=args.seed)
        model.save(args.out)
        if args.shap:
            from omics.data import write_table
            values = shap_values(model, features, batch=clinical[args.batch] if args.batch else None, seed=args.seed)
            write_table(values, Path(args.out) / "shap_values.csv", index=False)
            save_figure(shap_summary_figure(values), Path(args.out) / "shap_summary.png")
    print(model)
    return 0


def _apply(args) -> int:
    from omics.data import read_clinical, read_features, write_table
    from omics.predict import FrozenModel
    model = FrozenModel.load(args.model)
    features = read_features(args.features)
    batch = None
    if args.batch:
        from omics.data import InputError
        if not args.clinical:
            raise InputError("--batch needs --clinical (the table holding the batch column)")
        clinical = read_clinical(args.clinical)
        if args.batch not in clinical.columns:
            raise InputError(f"{args.clinical}: no column {args.batch!r}")
        missing = features.index.difference(clinical.index)
        if len(missing):
            raise InputError(f"{args.clinical}: no row for patient(s) {list(missing[:3])}")
        batch = clinical.loc[features.index, args.batch]
    predictions = model.apply(features, batch=batch)
    write_table(predictions, args.out)
    print(f"{len(predictions)} patients predicted; {int(predictions['call'].sum())} called responders "
          f"(threshold {model.card['threshold']:.3f})")
    return 0


def _compare(args) -> int:
    from omics.data import InputError, read_table, write_table
    from omics.predict import compare_auc
    table = read_table(args.table)
    cols = [args.outcome, args.score1] + ([] if args.table2 else [args.score2])
    missing = [c for c in cols if c not in table.columns]
    if missing:
        raise InputError(f"{args.table}: no column(s) {missing}")
    if args.table2:
        other = read_table(args.table2)
        for c in (args.outcome, args.score2):
            if c not in other.columns:
                raise InputError(f"{args.table2}: no column {c!r}")
        test = compare_auc(table[args.outcome], table[args.score1], other[args.score2], y2=other[args.outcome],
                           paired=False, direction=args.direction)
    else:
        test = compare_auc(table[args.outcome], table[args.score1], table[args.score2], direction=args.direction)
    if args.out:
        write_table(test.to_frame(), args.out, index=False)
    print(test)
    return 0


def _study(args) -> int:
    from omics.predict.study import log_variables, response_study
    features, clinical = _inputs(args)
    clinical, variables = log_variables(clinical, text_list(args.log), variables=text_list(args.clinical_variables),
                                        source=args.clinical)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        study = response_study(features, clinical, outcome=args.outcome, clinical_variables=variables,
                               batch=args.batch, harmonization=args.harmonization, selector=args.selector,
                               classifier=args.classifier, n_features=args.n_features, test_size=args.test_size,
                               inner_cv=args.inner_cv, shap=not args.no_shap, seed=args.seed, n_jobs=args.jobs)
        study.write(args.out)
    print(study)
    return 0


def _demo_response(args) -> int:
    from omics.data import demo_response_cohort
    demo = demo_response_cohort(out=args.out, seed=args.seed, sizes=args.sizes, images=not args.no_images,
                                n_repeat=args.n_repeat)
    print(demo)
    return 0


def _common(p, outcome=True):
    p.add_argument("--features", required=True, help="patients × features table (first column: patient ID)")
    p.add_argument("--clinical", required=True, help="clinical table with patient_id, the outcome and batch/centre")
    p.add_argument("--outcome", default="response", help="0/1 outcome column (1 = good responder)")
    p.add_argument("--batch", default=None, help="clinical column with the ComBat batch (e.g. fat_suppression)")
    p.add_argument("--n-features", type=int, default=15, help="features kept by ReliefF / t-test / mRMR")
    p.add_argument("--seed", type=int, default=0)


def register(subparsers) -> None:
    from omics.cli._common import int_list
    demo = add_command(subparsers, "demo-response", _demo_response,
                       "write the demo osteosarcoma response cohort (3 centres, fat-suppression batch)")
    demo.add_argument("--out", required=True)
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--sizes", type=int_list, default=[69, 45, 62], help="patients in Lyon,Nantes,Paris")
    demo.add_argument("--n-repeat", type=int, default=20, help="patients with a repeat segmentation")
    demo.add_argument("--no-images", action="store_true", help="tables only")

    parser = subparsers.add_parser("predict", help="supervised response prediction (ROC/AUC, DeLong, nomograms)",
                                   description="Supervised response prediction: factorial grids, final models, "
                                               "frozen-model application and DeLong tests.")
    sub = parser.add_subparsers(dest="predict_command", metavar="SUBCOMMAND")
    parser.set_defaults(handler=lambda a: parser.print_help() or 2)

    g = add_command(sub, "grid", _grid, "factorial grid harmonisation × selector × classifier × design (S0 Tables 2-3)")
    _common(g)
    g.add_argument("--centre", default=None, help="clinical column with the centre (external designs)")
    g.add_argument("--harmonization", default="none,combat", help="comma list of none, combat")
    g.add_argument("--selector", default="relieff,ttest", help="comma list of relieff, ttest, mrmr, lasso, mrmr+lasso, none")
    g.add_argument("--classifier", default="svm,mlp", help="comma list of svm, mlp, rf, logistic")
    g.add_argument("--design", default="holdout", help="comma list: holdout[:0.25], kfold[:5], repeated[:5x10], "
                                                       "external:CENTRE[+CENTRE]")
    g.add_argument("--inner-cv", type=int, default=5, help="inner CV folds (0: none)")
    g.add_argument("--jobs", type=int, default=1, help="cells in parallel")
    g.add_argument("--out", required=True, help="output folder")

    f = add_command(sub, "fit", _fit, "fit the final model on all patients and freeze it with a model card")
    _common(f)
    f.add_argument("--harmonization", default="none", choices=["none", "combat"])
    f.add_argument("--selector", default="relieff")
    f.add_argument("--classifier", default="svm")
    f.add_argument("--shap", action="store_true", help="also write SHAP values and the summary figure")
    f.add_argument("--out", required=True, help="model folder (model.joblib, model_card.json)")

    a = add_command(sub, "apply", _apply, "apply a frozen model to a new feature table")
    a.add_argument("--model", required=True, help="model folder from `omics predict fit`")
    a.add_argument("--features", required=True)
    a.add_argument("--clinical", default=None, help="table with the batch column (ComBat models)")
    a.add_argument("--batch", default=None)
    a.add_argument("--out", required=True, help="predictions CSV")

    c = add_command(sub, "compare-auc", _compare, "DeLong test of two AUCs (paired, or unpaired with --table2)")
    c.add_argument("--table", required=True, help="table with the outcome and score columns")
    c.add_argument("--outcome", default="y")
    c.add_argument("--score1", required=True)
    c.add_argument("--score2", required=True)
    c.add_argument("--table2", default=None, help="second table (other patients): unpaired test")
    c.add_argument("--direction", default="<", choices=["<", ">"], help="'<': higher score = case")
    c.add_argument("--out", default=None, help="CSV with the test")

    s = add_command(sub, "study", _study, "S1 analysis: seven ROIs, clinical and combined nomogram, DCA, SHAP")
    _common(s)
    s.add_argument("--clinical-variables", required=True,
                   help="clinical columns screened for the clinical model (univariable P < 0.1), comma-separated")
    s.add_argument("--log", default="alp", help="clinical variables entered as natural logs")
    s.add_argument("--harmonization", default="none", choices=["none", "combat"])
    s.add_argument("--selector", default="mrmr+lasso")
    s.add_argument("--classifier", default="rf")
    s.add_argument("--test-size", type=float, default=0.2)
    s.add_argument("--inner-cv", type=int, default=5, help="training CV folds (out-of-fold rad-score, ROI choice)")
    s.add_argument("--no-shap", action="store_true")
    s.add_argument("--jobs", type=int, default=1)
    s.add_argument("--out", required=True)
