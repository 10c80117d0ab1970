# The cohort's inputs: build the demo cohort when the config asks for it, then validate
# every input once (the other stages start from a validated cohort).

if "demo" in config:

    rule demo_cohort:
        output:
            clinical=f"{COHORT}/clinical.csv",
            counts=f"{COHORT}/counts.csv",
            manifest=f"{COHORT}/manifest.csv",
            genesets=f"{COHORT}/genesets.gmt",
            truth=f"{COHORT}/truth/patients.csv",
            cohort=f"{COHORT}/cohort.h5mu",
        params:
            n_patients=config["demo"].get("n_patients", 225),
            n_test=config["demo"].get("n_test", 25),
            n_rna=config["demo"].get("n_rna", 110),
            n_genes=config["demo"].get("n_genes", 5000),
            n_repeat=config["demo"].get("n_repeat", 30),
            full_size="--full-size" if config["demo"].get("full_size", False) else "",
            out=COHORT,
        log:
            f"{LOGS}/demo_cohort.log",
        shell:
            "{OMICS} demo --out {params.out:q} --n-patients {params.n_patients:q} --n-test {params.n_test:q} "
            "--n-rna {params.n_rna:q} --n-genes {params.n_genes:q} --n-repeat {params.n_repeat:q} "
            "{params.full_size:q} --seed {SEED} > {log:q} 2>&1"


def _validate_args():
    args = ["--clinical", CLINICAL, "--id-column", ID_COLUMN, "--time", ENDPOINT["time"],
            "--event", ENDPOINT["event"], "--allow-missing-survival"]
    counts = [m["data"] for m in MODALITIES.values() if m["kind"] == "counts"]
    features = [m["data"] for m in MODALITIES.values() if m["kind"] == "features"]
    manifests = [m["manifest"] for m in MODALITIES.values() if m["kind"] == "handcrafted"]
    if counts:
        args += ["--counts", counts[0]]
    if features:
        args += ["--features", *features]
    if manifests:
        args += ["--manifest", manifests[0]]
    if config["inputs"].get("genesets"):
        args += ["--gmt", config["inputs"]["genesets"]]
    return quoted(*args)


rule validate_inputs:
    input:
        [CLINICAL, config["inputs"].get("genesets") or []]
        + [m.get("data") or m.get("manifest") for m in MODALITIES.values() if m.get("data") or m.get("manifest")],
    output:
        report(f"{RESULTS}/provenance/inputs_validated.txt", caption="../report/inputs_validated.rst",
               category="Cohort"),
    params:
        args=_validate_args(),
    log:
        f"{LOGS}/validate_inputs.log",
    shell:
        "{OMICS} validate {params.args} > {output:q}.tmp 2> {log:q} && mv {output:q}.tmp {output:q}"


rule workflow_provenance:
    output:
        record=f"{PROVENANCE}/workflow.json",
        layout=f"{RESULTS}/README.md",
    run:
        from omics.data.io import write_text
        from omics.data.provenance import write_provenance

        for folder in (TABLES, FIGURES, LOGS, PROVENANCE):
            os.makedirs(folder, exist_ok=True)
        write_provenance(PROVENANCE, "workflow", params=config, seed=SEED, filename="workflow.json")
        write_text(
            "# omics results\n\n"
            "- `tables/<stage>/` CSV and Markdown tables\n"
            "- `figures/<stage>/` PNG figures\n"
            "- `logs/<rule>.log` what each step printed\n"
            "- `provenance/` package versions, parameters and seeds (`workflow.json`; each step "
            "also writes `provenance.json` beside its outputs)\n",
            output.layout,
        )


TARGETS += [f"{RESULTS}/provenance/inputs_validated.txt", f"{PROVENANCE}/workflow.json", f"{RESULTS}/README.md"]
