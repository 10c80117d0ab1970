# Expression stage: DGE (t-test / limma / DESeq2), GSEA on the DGE ranking, PAM signature, on
# the expression of one modality of kind counts (voom) or expression (normalised, e.g. log2
# microarray). Inputs (docs/workflow-files.md): {RESULTS}/modalities/<name>/expression.parquet
# (+ weights.parquet for counts), {TABLES}/cluster/groups.csv, the modality's counts (DESeq2)
# and config["inputs"]["genesets"] (GMT; without it GSEA is skipped with a message).
# Outputs: {TABLES}/expression/*.csv and {FIGURES}/expression/*.png (Fig. 3 analogues).

config.setdefault("expression", {})
validate(config["expression"], workflow.source_path("../schemas/expression.schema.yaml"))
_EXPR = config["expression"]


def _expression_modality():
    """The modality whose expression is analysed: as configured, else the first of kind counts/expression."""
    wanted = _EXPR.get("modality")
    candidates = [n for n, m in MODALITIES.items() if m["kind"] in ("counts", "expression")]
    if wanted:
        if wanted not in candidates:
            raise ValueError(f"config expression.modality: {wanted!r} is not a modality of kind counts or "
                             f"expression; those are: {', '.join(candidates) or 'none'}")
        return wanted
    return candidates[0] if candidates else None


_EXPR_MODALITY = _expression_modality()


def _bio_report(path, caption, subcategory):
    """An expression-stage output registered for `snakemake --report` (category Biology)."""
    return report(path, caption=f"../report/{caption}.rst", category="Biology", subcategory=subcategory)


def _expression_groups():
    """Group column and level: as configured, else the first hybrid with the expression modality
    (its binarised column), else that modality's own groups, A_<name> against the others."""
    if _EXPR["group_column"]:
        return _EXPR["group_column"], _EXPR["level"]
    for a, b in HYBRIDS:
        if _EXPR_MODALITY in (a, b):
            return hybrid_column(a, b, binary=True), _EXPR["level"]
    return _EXPR_MODALITY, _EXPR["level"] or f"A_{_EXPR_MODALITY}"


if _EXPR_MODALITY is None:
    print("omics workflow: no modality of kind counts or expression; the expression stage (DGE, GSEA, "
          "PAM) is skipped", file=sys.stderr)
elif _EXPR["enabled"]:
    _EXPR_KIND = MODALITIES[_EXPR_MODALITY]["kind"]
    _EXPR_FILES = modality_outputs(_EXPR_MODALITY)
    _EXPR_METHODS = [m for m in _EXPR["methods"] if m != "deseq2" or _EXPR_KIND == "counts"]
    if len(_EXPR_METHODS) < len(_EXPR["methods"]):
        print(f"omics workflow: DESeq2 needs raw counts; modality {_EXPR_MODALITY} is of kind {_EXPR_KIND}, "
              "so deseq2 is left out", file=sys.stderr)
    if _EXPR["gsea_method"] not in _EXPR_METHODS:
        raise ValueError(f"expression.gsea_method {_EXPR['gsea_method']!r} is not in expression.methods "
                         f"{_EXPR_METHODS}")
    _EXPR_GROUP_COLUMN, _EXPR_LEVEL = _expression_groups()
    _EXPR_GROUPS = quoted("--group-column", _EXPR_GROUP_COLUMN, *(["--level", _EXPR_LEVEL] if _EXPR_LEVEL else []))

    def _dge_inputs(wildcards):
        inputs = {"groups": f"{TABLES}/cluster/groups.csv"}
        if wildcards.method == "deseq2":
            inputs["counts"] = MODALITIES[_EXPR_MODALITY]["data"]
        else:
            inputs["expression"] = _EXPR_FILES["expression"]
            if wildcards.method == "limma" and "weights" in _EXPR_FILES:
                inputs["weights"] = _EXPR_FILES["weights"]
        return inputs

    def _dge_data(wildcards, input):
        if wildcards.method == "deseq2":
            return quoted("--counts", input.counts, "--n-cpus", _EXPR["n_cpus"])
        args = ["--expression", input.expression]
        if "weights" in input.keys():
            args += ["--weights", input.weights]
        if wildcards.method == "ttest" and _EXPR["equal_var"]:
            args.append("--equal-var")
        return quoted(*args)

    rule expression_dge:
        input:
            unpack(_dge_inputs),
        output:
            table=_bio_report(f"{TABLES}/expression/dge_{{method}}.csv", "dge", "Differential expression"),
            volcano=_bio_report(f"{FIGURES}/expression/volcano_{{method}}.png", "dge", "Differential expression"),
        log:
            f"{LOGS}/expression_dge_{{method}}.log",
        wildcard_constraints:
            method="ttest|limma|deseq2",
        threads: lambda wildcards: _EXPR["n_cpus"] if wildcards.method == "deseq2" else 1
        params:
            data=_dge_data,
            groups=_EXPR_GROUPS,
            options=quoted("--fc", _EXPR["fc_threshold"], "--alpha", _EXPR["alpha"]),
            out=f"{TABLES}/expression",
            figures=f"{FIGURES}/expression",
        shell:
            "{OMICS} dge --method {wildcards.method:q} {params.data} --groups {input.groups:q} "
            "{params.groups} {params.options} --out {params.out:q} --figures {params.figures:q} > {log:q} 2>&1"

    TARGETS += [f"{TABLES}/expression/dge_{m}.csv" for m in _EXPR_METHODS]
    TARGETS += [f"{FIGURES}/expression/volcano_{m}.png" for m in _EXPR_METHODS]

    if config["inputs"].get("genesets"):
        _GSEA_NAME = "gsea" if _EXPR["gsea_mode"] == "prerank" else "ora"

        rule expression_gsea:
            input:
                dge=f"{TABLES}/expression/dge_{_EXPR['gsea_method']}.csv",
                genesets=config["inputs"]["genesets"],
            output:
                table=_bio_report(f"{TABLES}/expression/{_GSEA_NAME}.csv", "gsea", "Gene-set enrichment"),
                footnote=_bio_report(f"{TABLES}/expression/{_GSEA_NAME}_footnote.txt", "gsea", "Gene-set enrichment"),
                bars=_bio_report(f"{FIGURES}/expression/{_GSEA_NAME}_bars.png", "gsea", "Gene-set enrichment"),
            log:
                f"{LOGS}/expression_gsea.log",
            params:
                options=quoted("--mode", _EXPR["gsea_mode"], "--rank-by", _EXPR["rank_by"],
                               "--min-size", _EXPR["min_size"], "--max-size", _EXPR["max_size"],
                               "--permutations", _EXPR["permutations"], "--seed", SEED),
                out=f"{TABLES}/expression",
                figures=f"{FIGURES}/expression",
            shell:
                "{OMICS} gsea --dge {input.dge:q} --genesets {input.genesets:q} {params.options} "
                "--out {params.out:q} --figures {params.figures:q} > {log:q} 2>&1"

        TARGETS += rules.expression_gsea.output
    else:
        print("omics workflow: no inputs.genesets in the config; gene-set enrichment (GSEA/ORA) is skipped. "
              "Give a GMT file (e.g. MSigDB hallmarks) as inputs.genesets to run it.", file=sys.stderr)

    rule expression_pam:
        input:
            expression=_EXPR_FILES["expression"],
            groups=f"{TABLES}/cluster/groups.csv",
        output:
            signature=_bio_report(f"{TABLES}/expression/pam_signature.csv", "pam", "PAM signature"),
            cv=_bio_report(f"{TABLES}/expression/pam_cv.csv", "pam", "PAM signature"),
            heatmap=_bio_report(f"{FIGURES}/expression/pam_heatmap.png", "pam", "PAM signature"),
            cv_plot=_bio_report(f"{FIGURES}/expression/pam_cv.png", "pam", "PAM signature"),
        log:
            f"{LOGS}/expression_pam.log",
        params:
            groups=quoted("--group-column", _EXPR_GROUP_COLUMN),   # PAM: every group of the column
            options=quoted("--n-folds", _EXPR["pam_folds"], "--n-threshold", _EXPR["pam_thresholds"], "--seed", SEED),
            out=f"{TABLES}/expression",
            figures=f"{FIGURES}/expression",
        shell:
            "{OMICS} pam --expression {input.expression:q} --groups {input.groups:q} {params.groups} "
            "{params.options} --out {params.out:q} --figures {params.figures:q} > {log:q} 2>&1"

    TARGETS += rules.expression_pam.output
