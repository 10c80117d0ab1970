# Survival analysis and association tables: the study's Tables 1–4 and Fig. 2.
# Inputs (docs/workflow-files.md): config["inputs"]["clinical"] (survival columns
# config["inputs"]["time"|"event"]) and {TABLES}/cluster/groups.csv (patient_id, hrf, rna,
# hybrid, hybrid_binary). Outputs: {TABLES}/survival/<table>/ (CSV, Markdown, HTML) and
# {FIGURES}/survival/*.png.
import shlex

config.setdefault("survival", {})
validate(config["survival"], workflow.source_path("../schemas/survival.schema.yaml"))
_SURV = config["survival"]
_SURV_GROUPS = f"{TABLES}/cluster/groups.csv"
_SURV_ID = config["inputs"].get("id_column", "patient_id")
_SURV_TIME = config["inputs"].get("time", "mfs_time")
_SURV_EVENT = config["inputs"].get("event", "mfs_event")


def _surv_common(survival=True, labels=None):
    q = shlex.quote
    args = [f"--clinical {q(config['inputs']['clinical'])}", f"--groups {q(_SURV_GROUPS)}",
            f"--id-column {q(_SURV_ID)}"]
    if survival:
        args.append(f"--time {q(_SURV_TIME)} --event {q(_SURV_EVENT)}")
    for col, mapping in _SURV["recode"].items():
        spec = ",".join(f"{old}={new}" for old, new in mapping.items())
        args.append(f"--recode {q(col + ':' + spec)}")
    for col, level in _SURV["reference"].items():
        args.append(f"--reference {q(col + '=' + level)}")
    for name, text in (_SURV["labels"] if labels is None else labels).items():
        args.append(f"--label {q(name + '=' + text)}")
    return " ".join(args)


def _by(groupings):
    return " ".join(f"--by {shlex.quote(g)}" for g in groupings)


rule survival_associations:
    input:
        clinical=config["inputs"]["clinical"],
        groups=_SURV_GROUPS,
    output:
        table=f"{TABLES}/survival/table2_associations/table_association.md",
        tests=f"{TABLES}/survival/table2_associations/association_tests.csv",
    params:
        args=_surv_common(survival=False),
        by=_by(_SURV["association_groupings"]),
        variables=shlex.quote(",".join(_SURV["association_variables"])),
        out=f"{TABLES}/survival/table2_associations",
        tests=f"--categorical-test {_SURV['categorical_test']} --continuous-test {_SURV['continuous_test']}",
    log:
        f"{LOGS}/survival_associations.log",
    shell:
        "{OMICS} associate {params.args} {params.by} --variables {params.variables} {params.tests} "
        "--seed {SEED} --title 'Associations of the groupings with clinical variables' "
        "--out {params.out} > {log} 2>&1"


rule survival_table1:
    input:
        clinical=config["inputs"]["clinical"],
        groups=_SURV_GROUPS,
    output:
        table=f"{TABLES}/survival/table1_characteristics/table_characteristics.md",
        tests=f"{TABLES}/survival/table1_characteristics/characteristics_tests.csv",
    params:
        args=_surv_common(survival=False),
        subsets=" ".join(f"--subset {shlex.quote(n + '=' + r)}" for n, r in _SURV["table1_subsets"].items()),
        compare=(f"--compare {shlex.quote(':'.join(_SURV['table1_compare']))}"
                 if _SURV.get("table1_compare") else ""),
        variables=shlex.quote(",".join(_SURV["table1_variables"])),
        out=f"{TABLES}/survival/table1_characteristics",
    log:
        f"{LOGS}/survival_table1.log",
    shell:
        "{OMICS} characteristics {params.args} {params.subsets} {params.compare} "
        "--variables {params.variables} --seed {SEED} --title 'Patient characteristics' "
        "--out {params.out} > {log} 2>&1"


rule survival_km:
    input:
        clinical=config["inputs"]["clinical"],
        groups=_SURV_GROUPS,
    output:
        summary=f"{TABLES}/survival/km_{{cohort}}/km_summary.csv",
        logrank=f"{TABLES}/survival/km_{{cohort}}/logrank.csv",
        figures=[f"{FIGURES}/survival/km_{{cohort}}_{g}.png" for g in _SURV["km_groupings"]],
    wildcard_constraints:
        cohort="all|rna",
    params:
        args=_surv_common(),
        by=_by(_SURV["km_groupings"]),
        require=lambda wc: f"--require {shlex.quote(_SURV['subcohort_column'])}" if wc.cohort == "rna" else "",
        times=",".join(f"{t:g}" for t in _SURV["times"]),
        out=lambda wc: f"{TABLES}/survival/km_{wc.cohort}",
    log:
        f"{LOGS}/survival_km_{{cohort}}.log",
    shell:
        "{OMICS} km {params.args} {params.by} {params.require} --times {params.times} "
        "--prefix {wildcards.cohort}_ --figures {FIGURES}/survival --out {params.out} > {log} 2>&1"


rule survival_table3:
    input:
        clinical=config["inputs"]["clinical"],
        groups=_SURV_GROUPS,
    output:
        table=f"{TABLES}/survival/table3_survival/table_survival.md",
        tidy=f"{TABLES}/survival/table3_survival/survival_table_tidy.csv",
    params:
        args=_surv_common(),
        by=_by(_SURV["table3_groupings"]),
        covariates=shlex.quote(",".join(_SURV["covariates"])),
        options=" ".join(filter(None, [
            f"--at {_SURV['at']:g} --at-label {shlex.quote(_SURV['at_label'])}",
            f"--endpoint {shlex.quote(_SURV['endpoint'])}",
            "--stepwise" if _SURV["stepwise"] else "",
            "--ph-test" if _SURV["ph_test"] else ""])),
        out=f"{TABLES}/survival/table3_survival",
    log:
        f"{LOGS}/survival_table3.log",
    shell:
        "{OMICS} cox {params.args} {params.by} --covariates {params.covariates} {params.options} "
        "--title 'Survival per grouping, whole cohort' --figures {FIGURES}/survival "
        "--out {params.out} > {log} 2>&1"


rule survival_table4:
    input:
        clinical=config["inputs"]["clinical"],
        groups=_SURV_GROUPS,
    output:
        models=f"{TABLES}/survival/table4_cindex/table_models.md",
        cindex=f"{TABLES}/survival/table4_cindex/table_cindex.md",
        estimates=f"{TABLES}/survival/table4_cindex/cindex.csv",
        comparisons=f"{TABLES}/survival/table4_cindex/cindex_comparisons.csv",
        figure=f"{FIGURES}/survival/cindex.png",
    params:
        args=_surv_common(labels=_SURV["model_labels"]),
        require=f"--require {shlex.quote(_SURV['subcohort_column'])}",
        models=" ".join(f"--model {shlex.quote(n + '=' + f)}" for n, f in _SURV["models"].items()),
        compare=" ".join(f"--compare {shlex.quote(a + ':' + b)}" for a, b in _SURV["comparisons"]),
        options=(f"--folds {_SURV['folds']} --repeats {_SURV['repeats']} --n-boot {_SURV['n_boot']} "
                 f"--interval {_SURV['interval']} "
                 f"--at {_SURV['at']:g} --at-label {shlex.quote(_SURV['at_label'])}"),
        out=f"{TABLES}/survival/table4_cindex",
    threads: _SURV["n_jobs"]
    log:
        f"{LOGS}/survival_table4.log",
    shell:
        "{OMICS} cindex {params.args} {params.require} {params.models} {params.compare} {params.options} "
        "--seed {SEED} --n-jobs {threads} --title 'RNA sub-cohort: survival and cross-validated C-index' "
        "--figures {FIGURES}/survival --out {params.out} > {log} 2>&1"


TARGETS += [
    f"{TABLES}/survival/table1_characteristics/table_characteristics.md",
    f"{TABLES}/survival/table2_associations/table_association.md",
    f"{TABLES}/survival/table3_survival/table_survival.md",
    f"{TABLES}/survival/table4_cindex/table_models.md",
    f"{TABLES}/survival/table4_cindex/table_cindex.md",
    f"{FIGURES}/survival/cindex.png",
    *[f"{TABLES}/survival/km_{c}/km_summary.csv" for c in ("all", "rna")],
]
