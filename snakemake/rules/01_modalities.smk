# Modalities as data: every configured modality becomes a clustering input by its kind
# (omics cluster-input; see omics.cluster.inputs). Outputs (docs/workflow-files.md), per
# modality NAME: {RESULTS}/modalities/NAME/cluster_input.parquet (patients × features, what
# consensus clustering reads), steps.csv (what was done), and for kinds counts/expression
# expression.parquet (all genes, normalised, for DGE) and, for counts, weights.parquet (voom).
#
# Where each kind's table comes from:
#   counts, expression, features  the modality's `data:` file
#   handcrafted                   {TABLES}/imaging/handcrafted_features.csv (rules/imaging.smk)
#   cae, hscae                    {TABLES}/deep/<model>_features.csv (rules/deep.smk; <model> =
#                                 the modality's `model:`, default its kind) — the extension point
#                                 for deep features: any rule producing that file plugs in here.

MODALITY_DIR = f"{RESULTS}/modalities"
HANDCRAFTED_FEATURES = f"{TABLES}/imaging/handcrafted_features.csv"


def modality_table(name):
    """The table a modality's cluster input is made from."""
    entry = MODALITIES[name]
    if entry["kind"] == "handcrafted":
        return HANDCRAFTED_FEATURES
    if entry["kind"] in ("cae", "hscae"):
        return f"{TABLES}/deep/{entry.get('model') or entry['kind']}_features.csv"
    return entry["data"]


def modality_outputs(name):
    """Files the modality's cluster-input step writes (names fixed by omics cluster-input)."""
    kind = MODALITIES[name]["kind"]
    files = {"matrix": f"{MODALITY_DIR}/{name}/cluster_input.parquet",
             "steps": report(f"{MODALITY_DIR}/{name}/steps.csv", caption="../report/modality_steps.rst",
                             category="Modality inputs", subcategory=name)}
    if kind in ("counts", "expression"):
        files["expression"] = f"{MODALITY_DIR}/{name}/expression.parquet"
    if kind == "counts":
        files["weights"] = f"{MODALITY_DIR}/{name}/weights.parquet"
    return files


def _modality_options(name):
    entry = MODALITIES[name]
    kind = entry["kind"]
    args = ["--kind", kind, "--clinical", CLINICAL, "--id-column", ID_COLUMN]
    if entry.get("orientation"):
        args += ["--orientation", entry["orientation"]]
    if kind in ("counts", "expression"):
        args += ["--n-top", entry.get("n_top", 2000), "--variability", entry.get("variability", "variance")]
        if entry.get("batch"):
            args += ["--batch", entry["batch"]]
    if kind == "counts":
        args += ["--batch-method", entry.get("batch_method", "combat-seq"),
                 "--min-count", entry.get("min_count", 10), "--min-total-count", entry.get("min_total_count", 15)]
        if entry.get("group"):
            args += ["--group", entry["group"]]
    if kind == "expression" and entry.get("covariates"):
        args += ["--covariates", ",".join(entry["covariates"])]
    return quoted(*args)


for _name in MODALITIES:

    rule:
        name:
            f"modality_input_{_name}"
        input:
            data=modality_table(_name),
            clinical=CLINICAL,
        output:
            **modality_outputs(_name),
        params:
            options=_modality_options(_name),
            out=f"{MODALITY_DIR}/{_name}",
        log:
            f"{LOGS}/modality_input_{_name}.log",
        shell:
            "{OMICS} cluster-input {input.data:q} {params.options} --out {params.out:q} > {log:q} 2>&1"

    TARGETS += modality_outputs(_name).values()     # all of them: a deleted one is made again
