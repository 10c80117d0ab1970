# RNA-seq preprocessing: counts -> filterByExpr -> ComBat-seq (or batch in design) -> TMM -> voom.
# Outputs (docs/workflow-files.md): {TABLES}/rnaseq/voom_expression.csv, voom_weights.csv,
# expression_for_clustering.csv (patients × top-N most variable genes).

config.setdefault("rnaseq", {})
validate(config["rnaseq"], workflow.source_path("../schemas/rnaseq.schema.yaml"))
_RNASEQ = config["rnaseq"]


def _rnaseq_options(wildcards=None):
    opts = [
        f"--orientation {_RNASEQ['orientation']}",
        f"--n-top {_RNASEQ['n_top']}",
        f"--variability {_RNASEQ['variability']}",
        f"--min-count {_RNASEQ['min_count']}",
        f"--min-total-count {_RNASEQ['min_total_count']}",
        f"--id-column {config['inputs'].get('id_column', 'patient_id')}",
    ]
    if _RNASEQ["batch_column"] and _RNASEQ["batch_method"] != "none":
        opts += [f"--batch {_RNASEQ['batch_column']}", f"--batch-method {_RNASEQ['batch_method']}"]
    if _RNASEQ["group_column"]:
        opts.append(f"--group {_RNASEQ['group_column']}")
    return " ".join(opts)


rule rnaseq_voom:
    input:
        counts=config["inputs"]["counts"],
        clinical=config["inputs"]["clinical"],
    output:
        expression=f"{TABLES}/rnaseq/voom_expression.csv",
        weights=f"{TABLES}/rnaseq/voom_weights.csv",
        clustering=f"{TABLES}/rnaseq/expression_for_clustering.csv",
        genes=f"{TABLES}/rnaseq/variable_genes.csv",
        samples=f"{TABLES}/rnaseq/samples.csv",
    log:
        f"{LOGS}/rnaseq_voom.log",
    params:
        options=_rnaseq_options(),
        out=f"{TABLES}/rnaseq",
    shell:
        "{OMICS} voom {input.counts} --clinical {input.clinical} {params.options} "
        "--out {params.out} > {log} 2>&1"


TARGETS += [
    f"{TABLES}/rnaseq/voom_expression.csv",
    f"{TABLES}/rnaseq/voom_weights.csv",
    f"{TABLES}/rnaseq/expression_for_clustering.csv",
]
