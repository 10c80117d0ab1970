# Consensus clustering of every modality with its own settings, then one groups table with
# each modality's groups (A_<name>, B_<name>, ...) and the hybrids of the configured pairs.
# Input: {RESULTS}/modalities/<name>/cluster_input.parquet (rules/modalities.smk). Outputs
# (docs/workflow-files.md): {TABLES}/cluster/<name>/ (labels.csv, summary.csv,
# item_consensus.csv, consensus_k<K>.csv, ...), {FIGURES}/cluster/<name>_*.png and
# {TABLES}/cluster/groups.csv (patient_id, one column per modality, hybrid_<a>_<b> and
# hybrid_binary_<a>_<b> per pair), agreement.csv per pair.

config.setdefault("cluster", {})
validate(config["cluster"], workflow.source_path("../schemas/cluster.schema.yaml"))
_CLUSTER = config["cluster"]


def cluster_settings(name):
    """The modality's clustering settings: its own `cluster:` over the `cluster:` section."""
    settings = {key: value for key, value in _CLUSTER.items() if key != "n_jobs"}
    settings.update(MODALITIES[name].get("cluster") or {})
    k_low, _, k_high = str(settings["k_range"]).partition("-")
    k = settings.get("k", "auto")
    if k != "auto" and not int(k_low) <= int(k) <= int(k_high or k_low):
        raise ValueError(f"config modalities: {name}: cluster k = {k} is outside k_range {settings['k_range']}")
    settings["k"] = k
    return settings


def _resampling_options(name):
    """Options every chunk of a modality's resampling shares (and the one-job run)."""
    s = cluster_settings(name)
    return quoted("--k", s["k_range"], "--reps", s["reps"], "--p-item", s["p_item"], "--p-feature", s["p_feature"],
                  "--distance", s["distance"], "--linkage", s["linkage"], "--scale", s["scale"], "--seed", SEED,
                  "--drop-constant")


def _finishing_options(name):
    """Options of the consensus, CDF, PAC and labels computed from the summed counts."""
    return quoted("--final-linkage", cluster_settings(name)["final_linkage"], "--name", name)


_CHUNKS = _CLUSTER["chunks"]


def _k_values(name):
    low, _, high = str(cluster_settings(name)["k_range"]).partition("-")
    return set(range(int(low), int(high or low) + 1))


# Per-K tables and figures are declared for the K every modality evaluates (all of them
# unless a modality sets its own k_range): one rule serves every modality through a wildcard.
_COMMON_KS = sorted(set.intersection(*[_k_values(n) for n in MODALITIES])) if MODALITIES else []


def _cluster_report(path, caption, category="Consensus clustering"):
    """A consensus output registered for `snakemake --report` (one subcategory per modality)."""
    return report(path, caption=f"../report/{caption}.rst", category=category, subcategory="{modality}")


_CLUSTER_OUTPUTS = dict(
    labels=_cluster_report(f"{TABLES}/cluster/{{modality}}/labels.csv", "cluster_labels"),
    summary=_cluster_report(f"{TABLES}/cluster/{{modality}}/summary.csv", "cluster_summary"),
    item=_cluster_report(f"{TABLES}/cluster/{{modality}}/item_consensus.csv", "cluster_item_consensus"),
    cdf=_cluster_report(f"{TABLES}/cluster/{{modality}}/cdf.csv", "cluster_cdf"),
    cluster=_cluster_report(f"{TABLES}/cluster/{{modality}}/cluster_consensus.csv", "cluster_cluster_consensus"),
    provenance=f"{TABLES}/cluster/{{modality}}/provenance.json",
    cdf_figure=_cluster_report(f"{FIGURES}/cluster/{{modality}}_cdf.png", "cluster_cdf"),
    pac_figure=_cluster_report(f"{FIGURES}/cluster/{{modality}}_pac.png", "cluster_pac"),
    delta_figure=_cluster_report(f"{FIGURES}/cluster/{{modality}}_delta_area.png", "cluster_delta_area"),
    **{f"consensus_k{k}": _cluster_report(f"{TABLES}/cluster/{{modality}}/consensus_k{k}.csv", "cluster_matrix")
       for k in _COMMON_KS},
    **{f"heatmap_k{k}": _cluster_report(f"{FIGURES}/cluster/{{modality}}_consensus_k{k}.png", "cluster_matrix")
       for k in _COMMON_KS},
    **{f"item_figure_k{k}": _cluster_report(f"{FIGURES}/cluster/{{modality}}_item_consensus_k{k}.png",
                                            "cluster_item_consensus") for k in _COMMON_KS},
)

if _CHUNKS == 1:

    rule cluster_consensus:
        input:
            f"{RESULTS}/modalities/{{modality}}/cluster_input.parquet",
        output:
            **_CLUSTER_OUTPUTS,
        wildcard_constraints:
            modality="|".join(MODALITIES),
        params:
            out=lambda wildcards: f"{TABLES}/cluster/{wildcards.modality}",
            figures=f"{FIGURES}/cluster",
            options=lambda wildcards: _resampling_options(wildcards.modality) + " "
                                      + _finishing_options(wildcards.modality),
        threads: _CLUSTER["n_jobs"]
        log:
            f"{LOGS}/cluster_consensus_{{modality}}.log",
        shell:
            "{OMICS} consensus {input:q} {params.options} --n-jobs {threads:q} "
            "--figures {params.figures:q} --out {params.out:q} > {log:q} 2>&1"

else:
    # The resamples of one modality split over chunk jobs (one SeedSequence child per resample,
    # so any chunking gives the one-job result exactly), summed by one merge job.

    rule cluster_consensus_chunk:
        input:
            f"{RESULTS}/modalities/{{modality}}/cluster_input.parquet",
        output:
            temp(f"{RESULTS}/chunks/cluster/{{modality}}/chunk{{chunk}}.npz"),
        wildcard_constraints:
            modality="|".join(MODALITIES),
            chunk=r"\d+",
        params:
            options=lambda wildcards: _resampling_options(wildcards.modality),
            chunks=_CHUNKS,
        threads: _CLUSTER["n_jobs"]
        log:
            f"{LOGS}/cluster_consensus_{{modality}}_chunk{{chunk}}.log",
        shell:
            "{OMICS} consensus-chunk {input:q} {params.options} --chunk {wildcards.chunk:q} "
            "--chunks {params.chunks:q} --n-jobs {threads:q} --out {output:q} > {log:q} 2>&1"

    rule cluster_consensus:
        input:
            lambda wildcards: expand(f"{RESULTS}/chunks/cluster/{wildcards.modality}/chunk{{chunk}}.npz",
                                     chunk=range(_CHUNKS)),
        output:
            **_CLUSTER_OUTPUTS,
        wildcard_constraints:
            modality="|".join(MODALITIES),
        params:
            out=lambda wildcards: f"{TABLES}/cluster/{wildcards.modality}",
            figures=f"{FIGURES}/cluster",
            options=lambda wildcards: _finishing_options(wildcards.modality),
        log:
            f"{LOGS}/cluster_consensus_{{modality}}.log",
        shell:
            "{OMICS} consensus-merge {input:q} {params.options} "
            "--figures {params.figures:q} --out {params.out:q} > {log:q} 2>&1"


def _groups_options():
    args = []
    for name in MODALITIES:
        k = cluster_settings(name)["k"]
        args += ["--modality", name, f"{TABLES}/cluster/{name}/labels.csv", "auto" if k == "auto" else f"k{k}"]
    for a, b in HYBRIDS:
        args += ["--hybrid", a, b]
        if (a, b) in HYBRID_LEVELS:
            args += ["--level", a, b, HYBRID_LEVELS[(a, b)]]
    return quoted(*args)


rule cluster_groups:
    input:
        labels=[f"{TABLES}/cluster/{name}/labels.csv" for name in MODALITIES],
        summaries=[f"{TABLES}/cluster/{name}/provenance.json" for name in MODALITIES],
    output:
        groups=report(f"{TABLES}/cluster/groups.csv", caption="../report/groups.rst", category="Hybrid groups"),
        agreement=[report(f"{TABLES}/cluster/{file}", caption="../report/agreement.rst", category="Hybrid groups")
                   for file in (["agreement.csv"] if HYBRIDS else [])
                   + [f"agreement_{hybrid_column(a, b)[len('hybrid_'):]}.csv" for a, b in HYBRIDS]],
    params:
        options=_groups_options(),
        out=f"{TABLES}/cluster",
    log:
        f"{LOGS}/cluster_groups.log",
    shell:
        "{OMICS} groups {params.options} --out {params.out:q} > {log:q} 2>&1"


# Every intermediate is a target too: delete one and the next run makes it (and what follows) again.
TARGETS += [f"{TABLES}/cluster/groups.csv"]
TARGETS += [f"{TABLES}/cluster/{name}/{file}" for name in MODALITIES
            for file in ("labels.csv", "summary.csv", "item_consensus.csv", "provenance.json")]
