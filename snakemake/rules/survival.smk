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


if _SURV["association_variables"]:

    rule survival_associations:
        input:
            clinical=CLINICAL,
            groups=_SURV_GROUPS,
        output:
            table=f"{TABLES}/survival/table2_associations/table_association.md",
            tests=f"{TABLES}/survival/table2_associations/association_tests.csv",
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
            table=f"{TABLES}/survival/table1_characteristics/table_characteristics.md",
            tests=f"{TABLES}/survival/table1_characteristics/characteristics_tests.csv",
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


rule survival_km:
    input:
        clinical=CLINICAL,
        groups=_SURV_GROUPS,
    output:
        summary=f"{TABLES}/survival/km_{{cohort}}/km_summary.csv",
        logrank=f"{TABLES}/survival/km_{{cohort}}/logrank.csv",
        figures=[f"{FIGURES}/survival/km_{{cohort}}_{g}.png" for g in _KM_GROUPINGS],
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


rule survival_table3:
    input:
        clinical=CLINICAL,
        groups=_SURV_GROUPS,
    output:
        table=f"{TABLES}/survival/table3_survival/table_survival.md",
        tidy=f"{TABLES}/survival/table3_survival/survival_table_tidy.csv",
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


_T4_MODELS, _T4_LABELS, _T4_COMPARISONS = _table4_models()
_T4_REQUIRE = [_SURV["subcohort_column"]] if _SURV["subcohort_column"] else sorted(
    {name for pair in HYBRIDS for name in pair} or set(_MOD_NAMES), key=_MOD_NAMES.index)


rule survival_table4:
    input:
        clinical=CLINICAL,
        groups=_SURV_GROUPS,
    output:
        models=f"{TABLES}/survival/table4_cindex/table_models.md",
        cindex=f"{TABLES}/survival/table4_cindex/table_cindex.md",
        estimates=f"{TABLES}/survival/table4_cindex/cindex.csv",
        comparisons=f"{TABLES}/survival/table4_cindex/cindex_comparisons.csv",
        figure=f"{FIGURES}/survival/cindex.png",
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
        "{OMICS} cindex {params.args} {params.options} --n-jobs {threads} "
        "--figures {params.figures:q} --out {params.out:q} > {log:q} 2>&1"


TARGETS += [
    f"{TABLES}/survival/table3_survival/table_survival.md",
    f"{TABLES}/survival/table4_cindex/table_models.md",
    f"{TABLES}/survival/table4_cindex/table_cindex.md",
    f"{FIGURES}/survival/cindex.png",
    *[f"{TABLES}/survival/km_{c}/km_summary.csv" for c in _KM_COHORTS],
]
