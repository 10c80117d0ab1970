"""``omics km``, ``omics cox``, ``omics cindex``, ``omics associate``: survival and association.

Thin wrappers: read the clinical table (and optionally the cluster groups), recode and
select patients, call :mod:`omics.survival` / :mod:`omics.stats.association`, write CSV,
Markdown, HTML and PNG into ``--out`` with ``provenance.json``.
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

from omics.cli._common import add_command, float_list, text_list

# pandas and the stage code are imported inside the functions: `omics --help` stays fast


# ---------------------------------------------------------------------- parsing helpers
def _pairs(items, what: str, sep: str = "=") -> dict[str, str]:
    from omics.data.validate import InputError
    out = {}
    for item in items or []:
        if sep not in item:
            raise InputError(f"--{what}: expected NAME{sep}VALUE, got {item!r}")
        k, v = item.split(sep, 1)
        if not k.strip():
            raise InputError(f"--{what}: empty name in {item!r}")
        out[k.strip()] = v.strip()
    return out


def _recodes(items) -> dict[str, dict[str, str]]:
    """``grade:I=I/II,II=I/II`` → ``{"grade": {"I": "I/II", "II": "I/II"}}``."""
    from omics.data.validate import InputError
    out: dict[str, dict[str, str]] = {}
    for item in items or []:
        if ":" not in item:
            raise InputError(f"--recode: expected COLUMN:OLD=NEW,OLD=NEW, got {item!r}")
        col, spec = item.split(":", 1)
        out.setdefault(col.strip(), {}).update(_pairs(spec.split(","), "recode"))
    return out


def _add_inputs(p: argparse.ArgumentParser, survival: bool = True) -> None:
    p.add_argument("--clinical", required=True, help="clinical table (CSV/TSV/XLSX), one row per patient")
    p.add_argument("--groups", help="cluster labels (e.g. tables/cluster/groups.csv), joined on the ID")
    p.add_argument("--id-column", default="patient_id", help="patient ID column of both tables")
    if survival:
        p.add_argument("--time", required=True, help="survival time column (e.g. os_months)")
        p.add_argument("--event", required=True, help="event column (1 = event, 0 = censored)")
        p.add_argument("--endpoint", default="survival",
                       help="name of the endpoint in titles, axes and footnotes, e.g. 'overall survival'")
        p.add_argument("--time-unit", default="", help="unit of the time column, e.g. months (axes, headers)")
        p.add_argument("--landmarks", type=float_list, default=None,
                       help="times of the survival probabilities, e.g. 12,36,60 (in --time-unit)")
    p.add_argument("--require", action="append", default=[], metavar="COLUMN",
                   help="keep only patients with a value in COLUMN (e.g. rna for the RNA sub-cohort); repeatable")
    p.add_argument("--recode", action="append", default=[], metavar="COL:OLD=NEW,...",
                   help="merge categories, e.g. 'grade:I=I/II,II=I/II'; repeatable")
    p.add_argument("--reference", action="append", default=[], metavar="COL=LEVEL",
                   help="reference level of a categorical covariate, e.g. 'histotype=M/RC LPS'; repeatable")
    p.add_argument("--label", action="append", default=[], metavar="NAME=TEXT",
                   help="display name of a grouping/model in tables and figures; repeatable")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--figures", default=None, help="folder of the PNG figures (default: --out)")


def _load(args) -> pd.DataFrame:
    """The clinical table, joined with --groups, restricted by --require, recoded by --recode."""
    from omics.data.readers import read_clinical, read_groups
    from omics.data.select import join_groups, with_values
    from omics.survival.design import recode
    clinical = read_clinical(args.clinical, id_column=args.id_column)
    if args.groups:
        groups = read_groups(args.groups, id_column=args.id_column)
        clinical = join_groups(clinical, groups, clinical_source=str(args.clinical),
                               groups_source=str(args.groups))        # warns if partial
    if args.require:
        clinical = with_values(clinical, args.require, source=f"{args.clinical} (--require)")
    return recode(clinical, _recodes(args.recode))


def _at(args) -> float:
    """Time of the tables' survival column: --at, else the last landmark, else 60."""
    if args.at is not None:
        return args.at
    return args.landmarks[-1] if args.landmarks else 60.0


def _endpoint_note(args) -> str:
    from omics.report.survival import endpoint_footnote
    return endpoint_footnote(args.endpoint, args.time, args.event, time_unit=args.time_unit)


def _figures(args) -> Path:
    return Path(args.figures or args.out)


def _finish(args, step: str, out: Path, extra: dict | None = None) -> None:
    from omics.data.provenance import write_provenance
    params = {k: v for k, v in vars(args).items() if k not in ("handler",)}
    params.update(extra or {})
    inputs = [p for p in (args.clinical, getattr(args, "groups", None)) if p]
    write_provenance(out, step, params, seed=getattr(args, "seed", None), inputs=inputs)


# ---------------------------------------------------------------------- km
def _km(args) -> int:
    from omics.data.paths import child_path
    from omics.plotting.survival import km_plot
    from omics.survival import kaplan_meier_by

    data = _load(args)
    out = Path(args.out)
    labels = _pairs(args.label, "label")
    result = kaplan_meier_by(data, args.by, args.time, args.event, times=args.landmarks or args.times,
                             conf_type=args.conf_type, source=str(args.clinical))
    result.write(out)
    for by, km in result.curves.items():
        km_plot(km, logrank=result.logrank[by], title=labels.get(by, by), xlabel=args.xlabel,
                ylabel=args.ylabel, endpoint=args.endpoint, time_unit=args.time_unit,
                out=child_path(_figures(args), f"km_{args.prefix}{by}", suffix=".png", what="--by"))
    _finish(args, "km", out)
    return 0


# ---------------------------------------------------------------------- cox
def _cox(args) -> int:
    from omics.data.io import write_table
    from omics.data.paths import child_path
    from omics.plotting.survival import forest_plot
    from omics.report.survival import survival_footnotes, survival_report
    from omics.report.tables import render_table
    from omics.survival import cox_table, stepwise_cox
    from omics.survival.cox import CoxModel
    from omics.survival.design import additive_formula
    from omics.survival.tables import reference_notes, survival_table

    data = _load(args)
    out = Path(args.out)
    labels = _pairs(args.label, "label")
    reference = _pairs(args.reference, "reference")
    covariates = text_list(args.covariates)
    tab = survival_table(data, args.by, args.time, args.event, covariates=covariates,
                         reference=reference, at=_at(args))
    write_table(tab, out / "survival_table_tidy.csv", index=False)
    report = survival_report(tab, labels=labels, time_label=args.at_label, time_unit=args.time_unit)
    render_table(report, out, "table_survival", title=args.title,
                 footnotes=[_endpoint_note(args)] + survival_footnotes(tab, covariates=covariates,
                                                                       reference=reference,
                                                                       endpoint=args.endpoint)
                 + reference_notes(tab))
    if covariates:
        for by in args.by:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model = CoxModel(additive_formula([by, *covariates]), reference=reference).fit(
                    data, args.time, args.event)
            model.write(out, name=f"cox_{by}_multivariable", ph_test=args.ph_test)
            forest_plot(cox_table(model), title=f"{labels.get(by, by)}, multivariable",
                        out=child_path(_figures(args), f"forest_{by}", suffix=".png", what="--by"))
    if args.stepwise:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            step = stepwise_cox(data, additive_formula([*args.by, *covariates]), args.time, args.event,
                                reference=reference)
        step.write(out)
    _finish(args, "cox", out)
    return 0


# ---------------------------------------------------------------------- cindex
def _cindex(args) -> int:
    from omics.data.io import write_table
    from omics.data.validate import InputError
    from omics.plotting.survival import cindex_plot
    from omics.report.survival import cindex_footnotes, cindex_report, model_report
    from omics.report.tables import render_table
    from omics.survival import cindex_models
    from omics.survival.tables import model_table, reference_notes

    data = _load(args)
    out = Path(args.out)
    labels = _pairs(args.label, "label")
    reference = _pairs(args.reference, "reference")
    models = _pairs(args.model, "model")
    if not models:
        raise InputError("give at least one --model NAME=FORMULA")
    comparisons = []
    for item in args.compare:
        a, sep, b = item.partition(":")
        if not sep:
            raise InputError(f"--compare: expected MODEL_A:MODEL_B, got {item!r}")
        comparisons.append((a.strip(), b.strip()))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = cindex_models(data, models, args.time, args.event, comparisons=comparisons,
                            reference=reference, folds=args.folds, repeats=args.repeats,
                            n_boot=args.n_boot, seed=args.seed, n_jobs=args.n_jobs, interval=args.interval)
        mt = model_table(data, models, args.time, args.event, reference=reference, at=_at(args),
                         cindex=res.estimates)
    res.write(out)
    write_table(mt, out / "model_table_tidy.csv", index=False)
    render_table(cindex_report(res.estimates, comparisons=res.comparisons, labels=labels), out, "table_cindex",
                 title=args.title, footnotes=[_endpoint_note(args)] + cindex_footnotes(res.params) +
                 [f"{res.n} patients, {res.events} events; {res.n_dropped} dropped for missing values."])
    render_table(model_report(mt, labels=labels, time_label=args.at_label, at=_at(args), time_unit=args.time_unit),
                 out, "table_models", title=args.title,
                 footnotes=[_endpoint_note(args)] + cindex_footnotes(res.params) + reference_notes(mt))
    cindex_plot(res.estimates, comparisons=res.comparisons, labels=labels, title=args.title,
                out=_figures(args) / "cindex.png")
    _finish(args, "cindex", out)
    return 0


# ---------------------------------------------------------------------- associate
def _associate(args) -> int:
    from omics.stats.association import association_table
    data = _load(args)
    if args.time or args.event:   # the survival population: patients with a time and an event
        from omics.survival._prep import complete_cases
        data = complete_cases(data, args.time, args.event, [], source=args.clinical).data
    out = Path(args.out)
    tab = association_table(data, args.by, text_list(args.variables),
                            categorical=text_list(args.categorical) or None,
                            categorical_method=args.categorical_test, continuous_method=args.continuous_test,
                            adjust=args.adjust, seed=args.seed)
    tab.write(out, title=args.title)
    _finish(args, "associate", out)
    return 0


# ---------------------------------------------------------------------- characteristics
def _characteristics(args) -> int:
    from omics.data.select import subset_masks
    from omics.data.validate import InputError
    from omics.stats.association import characteristics_table
    data = _load(args)
    out = Path(args.out)
    masks = subset_masks(data, args.subset or ["All=all"], source=f"{args.clinical} (--subset)")
    compare = None
    if args.compare:
        a, sep, b = args.compare.partition(":")
        if not sep:
            raise InputError(f"--compare: expected A:B, got {args.compare!r}")
        compare = (a.strip(), b.strip())
    tab = characteristics_table(data, masks, text_list(args.variables), compare=compare,
                                categorical=text_list(args.categorical) or None,
                                categorical_method=args.categorical_test, seed=args.seed)
    tab.write(out, title=args.title)
    _finish(args, "characteristics", out)
    return 0


def register(subparsers) -> None:
    p = add_command(subparsers, "km", _km, "Kaplan–Meier curves, log-rank tests and KM plots per grouping")
    _add_inputs(p)
    p.add_argument("--by", action="append", required=True, help="grouping column; repeatable")
    p.add_argument("--times", type=float_list, default=[12.0, 36.0, 60.0],
                   help="times of the survival probabilities when --landmarks is not given")
    p.add_argument("--prefix", default="", help="prefix of the figure names (km_<prefix><grouping>.png)")
    p.add_argument("--conf-type", default="log", choices=["log", "log-log", "plain"])
    p.add_argument("--xlabel", default=None, help="x axis title (default: Time (<time unit>))")
    p.add_argument("--ylabel", default=None, help="y axis title (default: <endpoint> probability)")

    p = add_command(subparsers, "cox", _cox,
                    "Survival table per grouping: KM at a time point, log-rank, univariable and "
                    "multivariable Cox (study Table 3); optional stepwise AIC")
    _add_inputs(p)
    p.add_argument("--by", action="append", required=True, help="grouping column; repeatable")
    p.add_argument("--covariates", default="", help="multivariable adjustment covariates, comma-separated")
    p.add_argument("--at", type=float, default=None,
                   help="time of the survival probability column (default: the last landmark, else 60)")
    p.add_argument("--at-label", default=None, help="header of that column (default 'Survival at T <unit>, %% (95%% CI)')")
    p.add_argument("--title", default=None)
    p.add_argument("--stepwise", action="store_true",
                   help="backward stepwise AIC over all groupings + covariates")
    p.add_argument("--ph-test", action="store_true", help="Schoenfeld PH test of each multivariable model")

    p = add_command(subparsers, "cindex", _cindex,
                    "Cross-validated C-index of Cox models (NAME=FORMULA) with paired-bootstrap "
                    "comparisons (study Table 4, Fig. 2d)")
    _add_inputs(p)
    p.add_argument("--model", action="append", default=[], metavar="NAME=FORMULA",
                   help="e.g. rna=rna, combined='rna + hrf', interaction='rna * hrf'; repeatable")
    p.add_argument("--compare", action="append", default=[], metavar="A:B",
                   help="bootstrap ΔC = C(A) − C(B); repeatable")
    p.add_argument("--folds", type=int, default=5)
    p.add_argument("--repeats", type=int, default=1)
    p.add_argument("--n-boot", type=int, default=1000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--n-jobs", type=int, default=1)
    p.add_argument("--interval", default="percentile", choices=["percentile", "bc"],
                   help="bootstrap interval: plain or bias-corrected percentile")
    p.add_argument("--at", type=float, default=None,
                   help="time of the survival probability column (default: the last landmark, else 60)")
    p.add_argument("--at-label", default=None, help="header of that column")
    p.add_argument("--title", default=None)

    p = add_command(subparsers, "associate", _associate,
                    "Association of groupings with clinical variables (chi²/Fisher, t/ANOVA or "
                    "Mann–Whitney/Kruskal–Wallis; study Table 2)")
    _add_inputs(p, survival=False)
    p.add_argument("--time", default=None, help="survival time column: if given (with --event), only "
                   "patients with a time and an event are used (the survival-analysis population)")
    p.add_argument("--event", default=None, help="event column (0/1), with --time")
    p.add_argument("--by", action="append", required=True, help="grouping column; repeatable")
    p.add_argument("--variables", required=True, help="clinical columns, comma-separated")
    p.add_argument("--categorical", default="", help="columns to treat as categorical (default: non-numeric)")
    p.add_argument("--categorical-test", default="auto", choices=["auto", "chi2", "fisher"])
    p.add_argument("--continuous-test", default="auto", choices=["auto", "parametric", "nonparametric"])
    p.add_argument("--adjust", default=None, choices=["BH"])
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--title", default=None)

    p = add_command(subparsers, "characteristics", _characteristics,
                    "Cohort characteristics by subset with tests between two subsets (study Table 1)")
    _add_inputs(p, survival=False)
    p.add_argument("--subset", action="append", default=[], metavar="NAME=all|COLUMN|COLUMN=VALUE",
                   help="e.g. All=all, 'RNA-seq=has_rna=1', Training=cohort=training; repeatable")
    p.add_argument("--compare", default=None, metavar="A:B", help="test subset A against subset B (disjoint)")
    p.add_argument("--variables", required=True, help="clinical columns, comma-separated")
    p.add_argument("--categorical", default="", help="columns to treat as categorical (default: non-numeric)")
    p.add_argument("--categorical-test", default="auto", choices=["auto", "chi2", "fisher"])
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--title", default=None)
