# Consensus clustering of the hRF and RNA modalities, then their hybrid groups.
# Inputs (docs/workflow-files.md): {TABLES}/imaging/handcrafted_features.csv and
# {TABLES}/rnaseq/expression_for_clustering.csv. Outputs: {TABLES}/cluster/<modality>/
# (labels.csv, summary.csv, consensus_k<K>.csv, ...), {FIGURES}/cluster/<modality>_*.png and
# {TABLES}/cluster/groups.csv (patient_id, hrf, rna, hybrid, hybrid_binary).
import shlex

config.setdefault("cluster", {})
validate(config["cluster"], workflow.source_path("../schemas/cluster.schema.yaml"))
_CLUSTER = config["cluster"]
_CLUSTER_INPUTS = {
    "hRF": f"{TABLES}/imaging/handcrafted_features.csv",
    "RNA": f"{TABLES}/rnaseq/expression_for_clustering.csv",
}
_CLUSTER_K = {"hRF": _CLUSTER["k_hrf"], "RNA": _CLUSTER["k_rna"]}
_k_low, _, _k_high = _CLUSTER["k_range"].partition("-")
for _modality, _k in _CLUSTER_K.items():
    if not int(_k_low) <= _k <= int(_k_high or _k_low):
        raise ValueError(f"config cluster: k_{_modality.lower()} = {_k} is outside k_range {_CLUSTER['k_range']}")


rule cluster_consensus:
    input:
        lambda wildcards: _CLUSTER_INPUTS[wildcards.modality],
    output:
        labels=f"{TABLES}/cluster/{{modality}}/labels.csv",
        summary=f"{TABLES}/cluster/{{modality}}/summary.csv",
        item=f"{TABLES}/cluster/{{modality}}/item_consensus.csv",
        cdf_figure=f"{FIGURES}/cluster/{{modality}}_cdf.png",
        pac_figure=f"{FIGURES}/cluster/{{modality}}_pac.png",
    wildcard_constraints:
        modality="hRF|RNA",
    params:
        out=lambda wildcards: f"{TABLES}/cluster/{wildcards.modality}",
        options=(f"--k {_CLUSTER['k_range']} --reps {_CLUSTER['reps']} --p-item {_CLUSTER['p_item']} "
                 f"--p-feature {_CLUSTER['p_feature']} --distance {_CLUSTER['distance']} "
                 f"--linkage {_CLUSTER['linkage']} --final-linkage {_CLUSTER['final_linkage']} "
                 f"--scale {_CLUSTER['scale']} --seed {SEED} --drop-constant"),
    threads: _CLUSTER["n_jobs"]
    log:
        f"{LOGS}/cluster_consensus_{{modality}}.log",
    shell:
        "{OMICS} consensus {input} {params.options} --n-jobs {threads} --name {wildcards.modality} "
        "--figures {FIGURES}/cluster --out {params.out} > {log} 2>&1"


rule cluster_hybrid:
    input:
        hrf=f"{TABLES}/cluster/hRF/labels.csv",
        rna=f"{TABLES}/cluster/RNA/labels.csv",
    output:
        groups=f"{TABLES}/cluster/groups.csv",
        agreement=f"{TABLES}/cluster/agreement.csv",
    params:
        out=f"{TABLES}/cluster",
        k_hrf=_CLUSTER["k_hrf"],
        k_rna=_CLUSTER["k_rna"],
        level=shlex.quote(_CLUSTER["hybrid_level"]),
    log:
        f"{LOGS}/cluster_hybrid.log",
    shell:
        "{OMICS} hybrid --a {input.hrf} --a-column k{params.k_hrf} --a-name hRF "
        "--b {input.rna} --b-column k{params.k_rna} --b-name RNA --level {params.level} "
        "--out {params.out} > {log} 2>&1"


TARGETS += [
    f"{TABLES}/cluster/groups.csv",
    f"{TABLES}/cluster/hRF/summary.csv",
    f"{TABLES}/cluster/RNA/summary.csv",
]
