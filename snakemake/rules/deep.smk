# Deep radiomics stage (issue 9), active only when the config has a `deep:` block.
# slices → one job per CV repeat and model → final model → extract (d-RFs, QC, groups:
# training clustered, others assigned to the nearest centroid) → CAM figures.
# Input: the imaging manifest (config["deep"]["manifest"], default config["inputs"]["manifest"])
# and the clinical table (cohort column, survival for the HSCAE).
# Outputs (docs/deep.md): {TABLES}/deep/<model>_features.csv (patient_id + d-RFs; the modality
# table of kind cae / hscae), <model>_groups.csv, <model>_reconstruction_summary.csv and
# {FIGURES}/deep/<model>_cam_grid.png.

if "deep" in config:
    validate(config["deep"], workflow.source_path("../schemas/deep.schema.yaml"))
    _DEEP = config["deep"]
    _DEEP_DIR = f"{RESULTS}/deep"
    _DEEP_MANIFEST = _DEEP.get("manifest") or config["inputs"].get("manifest")
    _DEEP_REPEATS = list(range(_DEEP["repeats"]))

    def _deep_report(path, caption, subcategory="{deep_model}"):
        """A deep-radiomics output registered for `snakemake --report` (one subcategory per model)."""
        return report(path, caption=f"../report/{caption}.rst", category="Deep radiomics",
                      subcategory=subcategory)

    def _deep_train_params():
        d = _DEEP
        return [
            "--cohort-column", d["cohort_column"], "--training", d["training"],
            "--time", config["inputs"].get("time", "mfs_time"), "--event", config["inputs"].get("event", "mfs_event"),
            "--latent", d["latent"], "--base-channels", d["base_channels"], "--depth", d["depth"],
            "--max-epochs", d["max_epochs"], "--patience", d["patience"], "--batch-size", d["batch_size"],
            "--learning-rate", d["learning_rate"], "--cox-weight", d["cox_weight"], "--ties", d["ties"],
            "--holdout", d["holdout"], "--stop-on", d["stop_on"], "--seed", SEED, "--device", d["device"],
        ] + ([] if d["augment"] else ["--no-augment"])

    wildcard_constraints:
        deep_model="cae|hscae",
        repeat="[0-9]+",

    rule deep_slices:
        input:
            manifest=_DEEP_MANIFEST,
        output:
            npz=f"{_DEEP_DIR}/slices/slices.npz",
            meta=f"{_DEEP_DIR}/slices/slices.csv",
        params:
            sequences=",".join(_DEEP["sequences"]),
            size=_DEEP["size"],
            context=_DEEP["context"],
            margin=_DEEP["margin"],
            field=[f"--field-mm={_DEEP['field_mm']}"] if _DEEP.get("field_mm") else [],
            out=f"{_DEEP_DIR}/slices",
        log:
            f"{LOGS}/deep_slices.log",
        shell:
            "{OMICS} deep slices {input.manifest:q} --sequences {params.sequences:q} --size {params.size:q} "
            "--context {params.context:q} --margin {params.margin:q} {params.field:q} "
            "--out {params.out:q} > {log:q} 2>&1"

    rule deep_cv_repeat:
        input:
            slices=rules.deep_slices.output.npz,
            clinical=config["inputs"]["clinical"],
        output:
            f"{_DEEP_DIR}/{{deep_model}}/cv/repeat_{{repeat}}.json",
        params:
            options=_deep_train_params(),
            slices=f"{_DEEP_DIR}/slices",
            out=lambda wildcards: f"{_DEEP_DIR}/{wildcards.deep_model}/cv",
        threads: 1
        log:
            f"{LOGS}/deep_{{deep_model}}_repeat_{{repeat}}.log",
        shell:
            "{OMICS} deep train --slices {params.slices:q} --clinical {input.clinical:q} "
            "--model {wildcards.deep_model:q} {params.options:q} --threads {threads:q} "
            "--repeat {wildcards.repeat:q} --out {params.out:q} > {log:q} 2>&1"

    rule deep_final:
        input:
            slices=rules.deep_slices.output.npz,
            clinical=config["inputs"]["clinical"],
            cv=expand(f"{_DEEP_DIR}/{{{{deep_model}}}}/cv/repeat_{{repeat}}.json", repeat=_DEEP_REPEATS),
        output:
            weights=f"{_DEEP_DIR}/{{deep_model}}/model/model.pt",
            card=f"{_DEEP_DIR}/{{deep_model}}/model/model.json",
        params:
            options=_deep_train_params(),
            slices=f"{_DEEP_DIR}/slices",
            out=lambda wildcards: f"{_DEEP_DIR}/{wildcards.deep_model}/model",
        threads: 1
        log:
            f"{LOGS}/deep_{{deep_model}}_final.log",
        shell:
            "{OMICS} deep train --slices {params.slices:q} --clinical {input.clinical:q} "
            "--model {wildcards.deep_model:q} {params.options:q} --threads {threads:q} "
            "--final --cv {input.cv:q} --out {params.out:q} > {log:q} 2>&1"

    rule deep_extract:
        input:
            weights=rules.deep_final.output.weights,
            slices=rules.deep_slices.output.npz,
            clinical=config["inputs"]["clinical"],
            cv=expand(f"{_DEEP_DIR}/{{{{deep_model}}}}/cv/repeat_{{repeat}}.json", repeat=_DEEP_REPEATS),
        output:
            features=_deep_report(f"{TABLES}/deep/{{deep_model}}_features.csv", "deep_features"),
            anndata=f"{TABLES}/deep/{{deep_model}}_features.h5ad",
            groups=_deep_report(f"{TABLES}/deep/{{deep_model}}_groups.csv", "deep_groups"),
            distances=_deep_report(f"{TABLES}/deep/{{deep_model}}_groups_distances.csv", "deep_groups"),
            qc=_deep_report(f"{TABLES}/deep/{{deep_model}}_reconstruction_qc.csv", "deep_qc"),
            summary=_deep_report(f"{TABLES}/deep/{{deep_model}}_reconstruction_summary.csv", "deep_qc"),
        params:
            model=lambda wildcards: f"{_DEEP_DIR}/{wildcards.deep_model}/model",
            slices=f"{_DEEP_DIR}/slices",
            cohort=_DEEP["cohort_column"],
            training=_DEEP["training"],
            k=_DEEP["k"],
            out=f"{TABLES}/deep",
        log:
            f"{LOGS}/deep_{{deep_model}}_extract.log",
        shell:
            "{OMICS} deep extract --model {params.model:q} --slices {params.slices:q} "
            "--clinical {input.clinical:q} --cohort-column {params.cohort:q} --training {params.training:q} "
            "--k {params.k:q} --cv {input.cv:q} --out {params.out:q} > {log:q} 2>&1"

    rule deep_cam:
        input:
            weights=rules.deep_final.output.weights,
            groups=str(rules.deep_extract.output.groups),       # str: not the report flag of the producer
            features=str(rules.deep_extract.output.features),
        output:
            grid=_deep_report(f"{FIGURES}/deep/{{deep_model}}_cam_grid.png", "deep_cam"),
            maps=f"{FIGURES}/deep/{{deep_model}}_cam.npz",
        params:
            model=lambda wildcards: f"{_DEEP_DIR}/{wildcards.deep_model}/model",
            slices=f"{_DEEP_DIR}/slices",
            per_group=_DEEP["cam_per_group"],
            out=f"{FIGURES}/deep",
        log:
            f"{LOGS}/deep_{{deep_model}}_cam.log",
        shell:
            "{OMICS} deep cam --model {params.model:q} --slices {params.slices:q} --groups {input.groups:q} "
            "--features {input.features:q} --per-group {params.per_group:q} --out {params.out:q} > {log:q} 2>&1"

    # Imaging groupings the choice compares (the handcrafted modalities' groups.csv columns) and
    # the transcriptomic grouping each is crossed with (the first counts/expression modality).
    _CHOICE_IMAGING = [n for n, m in MODALITIES.items() if m["kind"] == "handcrafted"]
    _CHOICE_RNA = next((n for n, m in MODALITIES.items() if m["kind"] in ("counts", "expression")), None)
    if _DEEP["choose"] and _CHOICE_RNA is None:
        print("deep: no counts/expression modality to cross the imaging groupings with; the model "
              "choice step (deep.choose) is skipped", file=sys.stderr)
    if _DEEP["choose"] and _CHOICE_RNA is not None:
        # The study's model choice: backward stepwise Cox AIC over the imaging groupings (hRF from
        # the cluster stage + the deep models) with the covariates, and CV C-index of each
        # grouping x RNA (bootstrap ΔC).
        rule deep_choose:
            input:
                clinical=config["inputs"]["clinical"],
                groups=f"{TABLES}/cluster/groups.csv",
                deep=expand(f"{TABLES}/deep/{{m}}_groups.csv", m=_DEEP["models"]),
            output:
                choice=_deep_report(f"{TABLES}/deep/choice/choice.csv", "deep_choice", "Model choice"),
                cindex=_deep_report(f"{TABLES}/deep/choice/cindex.csv", "deep_choice", "Model choice"),
                comparisons=_deep_report(f"{TABLES}/deep/choice/cindex_comparisons.csv", "deep_choice",
                                         "Model choice"),
                aic=_deep_report(f"{TABLES}/deep/choice/grouping_aic.csv", "deep_choice", "Model choice"),
                path=_deep_report(f"{TABLES}/deep/choice/stepwise_path.csv", "deep_choice", "Model choice"),
            params:
                groupings=",".join([*_CHOICE_IMAGING, *_DEEP["models"]]),
                rna=_CHOICE_RNA,
                covariates=",".join(_DEEP["choose_covariates"]),
                time=config["inputs"].get("time", "mfs_time"),
                event=config["inputs"].get("event", "mfs_event"),
                n_boot=_DEEP["choose_n_boot"],
                out=f"{TABLES}/deep/choice",
            log:
                f"{LOGS}/deep_choose.log",
            shell:
                "{OMICS} deep choose --clinical {input.clinical:q} --groups {input.groups:q} "
                "--deep-groups {input.deep:q} --groupings {params.groupings:q} --covariates {params.covariates:q} "
                "--rna {params.rna:q} --time {params.time:q} --event {params.event:q} --n-boot {params.n_boot:q} "
                "--seed {SEED} --out {params.out:q} > {log:q} 2>&1"

        TARGETS += [f"{TABLES}/deep/choice/choice.csv"]

    TARGETS += expand(f"{TABLES}/deep/{{m}}_groups.csv", m=_DEEP["models"])
    TARGETS += expand(f"{FIGURES}/deep/{{m}}_cam_grid.png", m=_DEEP["models"])
