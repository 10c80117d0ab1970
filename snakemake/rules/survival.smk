# Survival analysis and association tables: the study's Tables 1–4 and Fig. 2, for whichever
# groupings the modalities give. Inputs (docs/workflow-files.md): the clinical table (the
# endpoint's time/event columns) and {TABLES}/cluster/groups.csv. Outputs:
# {TABLES}/survival/<table>/ (CSV, Markdown, HTML) and {FIGURES}/survival/*.png.
#
# Unset lists take defaults derived from the modalities: every modality's groups and every
# hybrid in the KM panels; the modalities in Tables 2–3; in Table 4 one Cox model per modality
# and, per hybrid pair A×B, "A + B", "A * B" and the binarised hybrid, each compared by
# bootstrap ΔC with A and B alone, on the patients who have every compared modality: the table
# that tells which pair helps. The endpoint's name, unit and landmarks label every table and figure.

from omics.data.paths import safe_name

config.setdefault("survival", {})
validate(config["survival"], workflow.source_path("../schemas/survival.schema.yaml"))
_SURV = config["survival"]
_SURV_GROUPS = f"{TABLES}/cluster/groups.csv"
_MOD_NAMES = list(MODALITIES)
_HYB_COLUMNS = [c for a, b in HYBRIDS for c in (hybrid_column(a, b), hybrid_column(a, b, binary=True))]
_LANDMARKS = [float(t) for t in ENDPOINT["landmarks"]]


def _survival_labels():
    labels = {name: f"{name} groups" for name in _MOD_NAMES}
    for a, b in HYBRIDS:
        labels[hybrid_column(a, b)] = f"Hybrid {a}×{b} (exhaustive)"
        labels[hybrid_column(a, b, binary=True)] = f"Hybrid {a}×{b} (binarised)"
    labels.update(_SURV["labels"])
    return labels


def _table4_models():
    """Models, display names and comparisons of Table 4 (configured, else derived from the modalities)."""
    if _SURV["models"]:
        return _SURV["models"], _SURV["model_labels"], [tuple(c) for c in _SURV["comparisons"]]
    models = {name: name for name in _MOD_NAMES}
    labels = {name: f"{name} groups" for name in _MOD_NAMES}
    comparisons = []
    for a, b in HYBRIDS:
        combined, interaction, hybrid = f"{a}+{b}", f"{a}*{b}", f"hybrid_{a}_{b}"
        models.update({combined: f"{a} + {b}", interaction: f"{a} * {b}", hybrid: hybrid_column(a, b, binary=True)})
        labels.update({combined: f"{a} + {b}", interaction: f"{a} × {b} (interaction)",
                       hybrid: f"Hybrid {a}×{b} (binarised)"})
        comparisons += [(combined, a), (combined, b), (interaction, combined), (hybrid, a), (hybrid, b)]
    labels.update(_SURV["model_labels"])
    return models, labels, comparisons


def _surv_common(survival=True, labels=None):
    args = ["--clinical", CLINICAL, "--groups", _SURV_GROUPS, "--id-column", ID_COLUMN]
    if survival:
        args += ["--time", ENDPOINT["time"], "--event", ENDPOINT["event"], "--endpoint", ENDPOINT["name"],
                 "--time-unit", ENDPOINT["unit"], "--landmarks", ",".join(f"{t:g}" for t in _LANDMARKS)]
    for col, mapping in _SURV["recode"].items():
        args += ["--recode", col + ":" + ",".join(f"{old}={new}" for old, new in mapping.items())]
    for col, level in _SURV["reference"].items():
        args += ["--reference", f"{col}={level}"]
    for name, text in (_survival_labels() if labels is None else labels).items():
        args += ["--label", f"{name}={text}"]
    return quoted(*args)


def _by(groupings):
    return quoted(*[word for g in groupings for word in ("--by", g)])


_KM_GROUPINGS = _SURV["km_groupings"] or _MOD_NAMES + _HYB_COLUMNS
_TABLE3_GROUPINGS = _SURV["table3_groupings"] or _MOD_NAMES
_ASSOC_GROUPINGS = _SURV["association_groupings"] or _MOD_NAMES
# KM in the whole cohort, and in the patients with every modality when there are several.
_KM_COHORTS = {"all": []} | ({"complete": _MOD_NAMES} if len(_MOD_NAMES) > 1 else {})
_KM_COHORT_NAMES = {"all": "all patients", "complete": "patients with every modality"}


def _surv_report(path, caption, category="Survival", subcategory=None):
    """A survival-stage output registered for `snakemake --report`."""
    return report(path, caption=f"../report/{caption}.rst", category=category, subcategory=subcategory)


def _rendered(folder, stem, caption, **where):
    """The Markdown, CSV and HTML renderings of one table (omics.report.tables.render_table)."""
    return [_surv_report(f"{folder}/{stem}.{ext}", caption, **where) for ext in ("md", "csv", "html")]


def _file(name):
    """A file name as the CLI makes it from a grouping's name (omics.data.paths.child_path; the
    KM figures' names also hold the cohort wildcard, so there the grouping part alone is made safe)."""
    return safe_name(name, what="--by")


if _SURV["association_variables"]:

    rule survival_associations:
        input:
            clinical=CLINICAL,
            groups=_SURV_GROUPS,
        output:
            # the first rendering is `table` (the .md) as before
            table=_surv_report(f"{TABLES}/survival/table2_associations/table_association.md", "table2",
                               category="Associations"),
            renderings=_rendered(f"{TABLES}/survival/table2_associations", "table_association", "table2",
                                 category="Associations")[1:],
            tests=_surv_report(f"{TABLES}/survival/table2_associations/association_tests.csv", "table2_tests",
                               category="Associations"),
            cells=_surv_report(f"{TABLES}/survival/table2_associations/association_cells.csv", "table2_tests",
                               category="Associations"),
        params:
            args=_surv_common(survival=False),
            by=_by(_ASSOC_GROUPINGS),
            options=quoted("--variables", ",".join(_SURV["association_variables"]),
                           "--categorical-test", _SURV["categorical_test"],
                           "--continuous-test", _SURV["continuous_test"], "--seed", SEED,
                           "--title", "Associations of the groupings with clinical variables"),
            out=f"{TABLES}/survival/table2_associations",
        log:
            f"{LOGS}/survival_associations.log",
        shell:
            "{OMICS} associate {params.args} {params.by} {params.options} --out {params.out:q} > {log:q} 2>&1"

    TARGETS.append(rules.survival_associations.output.table)


if _SURV["table1_variables"]:

    rule survival_table1:
        input:
            clinical=CLINICAL,
            groups=_SURV_GROUPS,
        output:
            table=_surv_report(f"{TABLES}/survival/table1_characteristics/table_characteristics.md", "table1",
                               category="Cohort"),
            renderings=_rendered(f"{TABLES}/survival/table1_characteristics", "table_characteristics", "table1",
                                 category="Cohort")[1:],
            tests=_surv_report(f"{TABLES}/survival/table1_characteristics/characteristics_tests.csv",
                               "table1_tests", category="Cohort"),
            cells=_surv_report(f"{TABLES}/survival/table1_characteristics/characteristics_cells.csv",
                               "table1_tests", category="Cohort"),
        params:
            args=_surv_common(survival=False),
            options=quoted(
                *[w for n, r in (_SURV["table1_subsets"] or {"All": "all"}).items() for w in ("--subset", f"{n}={r}")],
                *(["--compare", ":".join(_SURV["table1_compare"])] if _SURV.get("table1_compare") else []),
                "--variables", ",".join(_SURV["table1_variables"]), "--seed", SEED,
                "--title", "Patient characteristics"),
            out=f"{TABLES}/survival/table1_characteristics",
        log:
            f"{LOGS}/survival_table1.log",
        shell:
            "{OMICS} characteristics {params.args} {params.options} --out {params.out:q} > {log:q} 2>&1"

    TARGETS.append(rules.survival_table1.output.table)


def _km_where(wildcards):
    return f"Kaplan–Meier, {_KM_COHORT_NAMES.get(wildcards.cohort, wildcards.cohort)}"


rule survival_km:
    input:
        clinical=CLINICAL,
        groups=_SURV_GROUPS,
    output:
        summary=_surv_report(f"{TABLES}/survival/km_{{cohort}}/km_summary.csv", "km_summary", subcategory=_km_where),
        logrank=_surv_report(f"{TABLES}/survival/km_{{cohort}}/logrank.csv", "km_logrank", subcategory=_km_where),
        pairwise=_surv_report(f"{TABLES}/survival/km_{{cohort}}/logrank_pairwise.csv", "km_logrank",
                              subcategory=_km_where),
        curves=[_surv_report(f"{TABLES}/survival/km_{{cohort}}/{_file(f'km_{g}')}.csv", "km_curve", subcategory=_km_where)
                for g in _KM_GROUPINGS],
        figures=[_surv_report(f"{FIGURES}/survival/km_{{cohort}}_{_file(g)}.png", "km_curve", subcategory=_km_where)
                 for g in _KM_GROUPINGS],
    wildcard_constraints:
        cohort="|".join(_KM_COHORTS),
    params:
        args=_surv_common(),
        by=_by(_KM_GROUPINGS),
        require=lambda wc: quoted(*[w for c in _KM_COHORTS[wc.cohort] for w in ("--require", c)]),
        prefix=lambda wc: f"{wc.cohort}_",
        figures=f"{FIGURES}/survival",
        out=lambda wc: f"{TABLES}/survival/km_{wc.cohort}",
    log:
        f"{LOGS}/survival_km_{{cohort}}.log",
    shell:
        "{OMICS} km {params.args} {params.by} {params.require} --prefix {params.prefix:q} "
        "--figures {params.figures:q} --out {params.out:q} > {log:q} 2>&1"


_T3 = "Table 3: Cox models"


rule survival_table3:
    input:
        clinical=CLINICAL,
        groups=_SURV_GROUPS,
    output:
        table=_surv_report(f"{TABLES}/survival/table3_survival/table_survival.md", "table3", subcategory=_T3),
        renderings=_rendered(f"{TABLES}/survival/table3_survival", "table_survival", "table3", subcategory=_T3)[1:],
        tidy=_surv_report(f"{TABLES}/survival/table3_survival/survival_table_tidy.csv", "table3", subcategory=_T3),
        cox=[_surv_report(f"{TABLES}/survival/table3_survival/{_file(f'cox_{g}_multivariable{end}')}.csv", "table3_cox",
                          subcategory=_T3)
             for g in (_TABLE3_GROUPINGS if _SURV["covariates"] else [])
             for end in ("", "_tests", *(["_ph"] if _SURV["ph_test"] else []))],
        forest=[_surv_report(f"{FIGURES}/survival/{_file(f'forest_{g}')}.png", "table3_cox", subcategory=_T3)
                for g in (_TABLE3_GROUPINGS if _SURV["covariates"] else [])],
        stepwise=[_surv_report(f"{TABLES}/survival/table3_survival/stepwise_{part}.csv", "table3_stepwise",
                               subcategory=_T3)
                  for part in (("path", "candidates", "model") if _SURV["stepwise"] else ())],
    params:
        args=_surv_common(),
        by=_by(_TABLE3_GROUPINGS),
        options=quoted("--covariates", ",".join(_SURV["covariates"]),
                       "--title", f"{ENDPOINT['name'].capitalize()} per grouping, whole cohort",
                       *(["--stepwise"] if _SURV["stepwise"] else []), *(["--ph-test"] if _SURV["ph_test"] else [])),
        figures=f"{FIGURES}/survival",
        out=f"{TABLES}/survival/table3_survival",
    log:
        f"{LOGS}/survival_table3.log",
    shell:
        "{OMICS} cox {params.args} {params.by} {params.options} --figures {params.figures:q} "
        "--out {params.out:q} > {log:q} 2>&1"


_T4 = "Table 4: C-index of the models"
_T4_MODELS, _T4_LABELS, _T4_COMPARISONS = _table4_models()
_T4_REQUIRE = [_SURV["subcohort_column"]] if _SURV["subcohort_column"] else sorted(
    {name for pair in HYBRIDS for name in pair} or set(_MOD_NAMES), key=_MOD_NAMES.index)


rule survival_table4:
    input:
        clinical=CLINICAL,
        groups=_SURV_GROUPS,
    output:
        models=_surv_report(f"{TABLES}/survival/table4_cindex/table_models.md", "table4_models", subcategory=_T4),
        model_renderings=_rendered(f"{TABLES}/survival/table4_cindex", "table_models", "table4_models",
                                   subcategory=_T4)[1:],
        model_tidy=_surv_report(f"{TABLES}/survival/table4_cindex/model_table_tidy.csv", "table4_models",
                                subcategory=_T4),
        cindex=_surv_report(f"{TABLES}/survival/table4_cindex/table_cindex.md", "table4_cindex", subcategory=_T4),
        cindex_renderings=_rendered(f"{TABLES}/survival/table4_cindex", "table_cindex", "table4_cindex",
                                    subcategory=_T4)[1:],
        estimates=_surv_report(f"{TABLES}/survival/table4_cindex/cindex.csv", "table4_cindex", subcategory=_T4),
        comparisons=_surv_report(f"{TABLES}/survival/table4_cindex/cindex_comparisons.csv", "table4_cindex",
                                 subcategory=_T4),
        folds=_surv_report(f"{TABLES}/survival/table4_cindex/cindex_folds.csv", "table4_cindex", subcategory=_T4),
        bootstrap=_surv_report(f"{TABLES}/survival/table4_cindex/cindex_bootstrap.csv", "table4_cindex",
                               subcategory=_T4),
        figure=_surv_report(f"{FIGURES}/survival/cindex.png", "table4_cindex", subcategory=_T4),
    params:
        args=_surv_common(labels=_T4_LABELS),
        options=quoted(
            *[w for c in _T4_REQUIRE for w in ("--require", c)],
            *[w for n, f in _T4_MODELS.items() for w in ("--model", f"{n}={f}")],
            *[w for a, b in _T4_COMPARISONS for w in ("--compare", f"{a}:{b}")],
            "--folds", _SURV["folds"], "--repeats", _SURV["repeats"], "--n-boot", _SURV["n_boot"],
            "--interval", _SURV["interval"], "--seed", SEED,
            "--title", f"Patients with {', '.join(_T4_REQUIRE)}: {ENDPOINT['name']} and cross-validated C-index"),
        figures=f"{FIGURES}/survival",
        out=f"{TABLES}/survival/table4_cindex",
    threads: _SURV["n_jobs"]
    log:
        f"{LOGS}/survival_table4.log",
    shell:
        # params.args/options are word lists already quoted one word at a time by quoted()
        # (user labels, formulas and titles inside): a :q here would make them one argument
        "{OMICS} cindex {params.args} {params.options} --n-jobs {threads:q} "
        "--figures {params.figures:q} --out {params.out:q} > {log:q} 2>&1"


TARGETS += [
    f"{TABLES}/survival/table3_survival/table_survival.md",
    f"{TABLES}/survival/table4_cindex/table_models.md",
    f"{TABLES}/survival/table4_cindex/table_cindex.md",
    f"{FIGURES}/survival/cindex.png",
    *[f"{TABLES}/survival/km_{c}/km_summary.csv" for c in _KM_COHORTS],
]
