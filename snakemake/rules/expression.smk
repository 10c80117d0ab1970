# Expression stage: DGE (t-test / limma / DESeq2), GSEA on the DGE ranking, PAM signature.
# Inputs (docs/workflow-files.md): {TABLES}/rnaseq/voom_expression.csv, voom_weights.csv,
# {TABLES}/cluster/groups.csv, config["inputs"]["counts"] (DESeq2) and ["genesets"] (GMT).
# Outputs: {TABLES}/expression/*.csv and {FIGURES}/expression/*.png (Fig. 3 analogues).

config.setdefault("expression", {})
validate(config["expression"], workflow.source_path("../schemas/expression.schema.yaml"))
_EXPR = config["expression"]
if _EXPR["gsea_method"] not in _EXPR["methods"]:
    raise ValueError(f"expression.gsea_method {_EXPR['gsea_method']!r} is not in expression.methods "
                     f"{_EXPR['methods']}")


def _expression_group_options():
    opts = [f"--group-column {_EXPR['group_column']}"]
    if _EXPR["level"]:
        opts.append(f"--level '{_EXPR['level']}'")
    return " ".join(opts)


def _dge_inputs(wildcards):
    inputs = {"groups": f"{TABLES}/cluster/groups.csv"}
    if wildcards.method == "deseq2":
        inputs["counts"] = config["inputs"]["counts"]
    else:
        inputs["expression"] = f"{TABLES}/rnaseq/voom_expression.csv"
        inputs["weights"] = f"{TABLES}/rnaseq/voom_weights.csv"
    return inputs


def _dge_data(wildcards, input):
    if wildcards.method == "deseq2":
        return f"--counts {input.counts} --n-cpus {_EXPR['n_cpus']}"
    data = f"--expression {input.expression}"
    if wildcards.method == "limma":
        data += f" --weights {input.weights}"
    if wildcards.method == "ttest" and _EXPR["equal_var"]:
        data += " --equal-var"
    return data


rule expression_dge:
    input:
        unpack(_dge_inputs),
    output:
        table=f"{TABLES}/expression/dge_{{method}}.csv",
        volcano=f"{FIGURES}/expression/volcano_{{method}}.png",
    log:
        f"{LOGS}/expression_dge_{{method}}.log",
    wildcard_constraints:
        method="ttest|limma|deseq2",
    threads: lambda wildcards: _EXPR["n_cpus"] if wildcards.method == "deseq2" else 1
    params:
        data=_dge_data,
        groups=_expression_group_options(),
        out=f"{TABLES}/expression",
        figures=f"{FIGURES}/expression",
    shell:
        "{OMICS} dge --method {wildcards.method} {params.data} --groups {input.groups} "
        "{params.groups} --fc {_EXPR[fc_threshold]} --alpha {_EXPR[alpha]} "
        "--out {params.out} --figures {params.figures} > {log} 2>&1"


rule expression_gsea:
    input:
        dge=f"{TABLES}/expression/dge_{_EXPR['gsea_method']}.csv",
        genesets=config["inputs"]["genesets"],
    output:
        table=f"{TABLES}/expression/{'gsea' if _EXPR['gsea_mode'] == 'prerank' else 'ora'}.csv",
        bars=f"{FIGURES}/expression/{'gsea' if _EXPR['gsea_mode'] == 'prerank' else 'ora'}_bars.png",
    log:
        f"{LOGS}/expression_gsea.log",
    params:
        out=f"{TABLES}/expression",
        figures=f"{FIGURES}/expression",
    shell:
        "{OMICS} gsea --dge {input.dge} --genesets {input.genesets} --mode {_EXPR[gsea_mode]} "
        "--rank-by {_EXPR[rank_by]} --min-size {_EXPR[min_size]} --max-size {_EXPR[max_size]} "
        "--permutations {_EXPR[permutations]} --seed {SEED} "
        "--out {params.out} --figures {params.figures} > {log} 2>&1"


rule expression_pam:
    input:
        expression=f"{TABLES}/rnaseq/voom_expression.csv",
        groups=f"{TABLES}/cluster/groups.csv",
    output:
        signature=f"{TABLES}/expression/pam_signature.csv",
        cv=f"{TABLES}/expression/pam_cv.csv",
        heatmap=f"{FIGURES}/expression/pam_heatmap.png",
        cv_plot=f"{FIGURES}/expression/pam_cv.png",
    log:
        f"{LOGS}/expression_pam.log",
    params:
        groups=_expression_group_options(),
        out=f"{TABLES}/expression",
        figures=f"{FIGURES}/expression",
    shell:
        "{OMICS} pam --expression {input.expression} --groups {input.groups} {params.groups} "
        "--n-folds {_EXPR[pam_folds]} --n-threshold {_EXPR[pam_thresholds]} --seed {SEED} "
        "--out {params.out} --figures {params.figures} > {log} 2>&1"


TARGETS += [f"{TABLES}/expression/dge_{m}.csv" for m in _EXPR["methods"]]
TARGETS += [f"{FIGURES}/expression/volcano_{m}.png" for m in _EXPR["methods"]]
TARGETS += rules.expression_gsea.output + rules.expression_pam.output
