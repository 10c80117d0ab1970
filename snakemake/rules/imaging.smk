# Imaging stage: per-patient preprocessing and handcrafted extraction (wildcard `batch`: one
# patient per job by default so a cluster spreads them, or `patients_per_job` together to save
# process start-ups on one machine), merge + ICC filter over the repeat segmentations, optional ComBat.
# Input: the `manifest:` of the handcrafted modality (patient_id, sequence, image, mask,
# repeat_mask; paths relative to the manifest's folder); the stage runs only when the config
# has a modality of kind handcrafted. Output (docs/workflow-files.md):
# {TABLES}/imaging/handcrafted_features.csv (patients x ICC-filtered features), with
# icc.csv and retained_counts.csv beside it and {FIGURES}/imaging/icc_distribution.png.
#
# The patient list is known only once the manifest exists (the demo's manifest is made by
# rule demo_cohort), so the first rule, which builds the per-sequence histogram references
# from the manifest, is a checkpoint that also writes patients.csv; the merge reads it.
import csv

from omics.data.paths import safe_name

config.setdefault("imaging", {})
validate(config["imaging"], workflow.source_path("../schemas/imaging.schema.yaml"))
_IMG = config["imaging"]
_IMG_DIR = f"{RESULTS}/imaging"
_IMG_HARM = _IMG["harmonize"]
_IMG_MANIFEST = next((m["manifest"] for m in MODALITIES.values() if m["kind"] == "handcrafted"), None)


def _img_report(path, caption):
    """An imaging output registered for `snakemake --report` (category Imaging)."""
    return report(path, caption=f"../report/{caption}.rst", category="Imaging")


def _img_csv(values):
    return ",".join(str(v) for v in values)


def _img_preprocess_options():
    opts = [f"--spacing={_img_csv(_IMG['spacing'])}", f"--shrink-factor={_IMG['n4_shrink_factor']}",
            f"--output-range={_img_csv(_IMG['output_range'])}"]
    if not _IMG["resample"]:
        opts.append("--no-resample")
    if not _IMG["n4"]:
        opts.append("--no-n4")
    if not _IMG["histogram_match"]:
        opts.append("--no-histogram-match")
    if _IMG["zscore"]:
        opts.append("--zscore")
    return quoted(*opts)


def _img_reference_options():
    if _IMG["reference_fit_on"]:
        return quoted("--clinical", CLINICAL, "--fit-on", _IMG["reference_fit_on"])
    return ""


def _img_batches():
    """Patients of the manifest in jobs of ``patients_per_job``, read once the checkpoint
    has listed them. With one patient per job the job is named after the patient (through
    safe_name: an ID never reaches a path or a shell as it is)."""
    listing = checkpoints.imaging_references.get().output.patients
    with open(listing, newline="") as fh:
        ids = sorted(row["patient_id"] for row in csv.DictReader(fh))
    size = _IMG["patients_per_job"]
    if size == 1:
        return {safe_name(pid, what="patient ID"): [pid] for pid in ids}
    return {f"batch{i // size + 1:04d}": ids[i:i + size] for i in range(0, len(ids), size)}


def _img_per_batch(name):
    def inputs(wildcards):
        return [f"{_IMG_DIR}/features/{b}/{name}" for b in _img_batches()]
    return inputs


if _IMG_MANIFEST:

    checkpoint imaging_references:
        input:
            manifest=_IMG_MANIFEST,
        output:
            patients=f"{_IMG_DIR}/references/patients.csv",
            references=[f"{_IMG_DIR}/references/reference_{s}.nii.gz" for s in _IMG["sequences"]],
        params:
            options=_img_reference_options(),
            out=f"{_IMG_DIR}/references",
        log:
            f"{LOGS}/imaging_references.log",
        shell:
            "{OMICS} preprocess {input.manifest:q} --build-references {params.options} "
            "--out {params.out:q} > {log:q} 2>&1"

    wildcard_constraints:
        batch="[^/]+",

    rule imaging_batch_list:
        """The patient IDs of one job, in a file: IDs never go on a command line."""
        input:
            patients=rules.imaging_references.output.patients,
        output:
            f"{_IMG_DIR}/batches/{{batch}}.csv",
        params:
            ids=lambda wildcards: _img_batches()[wildcards.batch],
        run:
            import pandas as pd
            from omics.data.io import write_table

            write_table(pd.DataFrame({"patient_id": params.ids}), output[0], index=False)

    rule imaging_preprocess:
        input:
            manifest=_IMG_MANIFEST,
            references=rules.imaging_references.output.references,
            patients=rules.imaging_batch_list.output[0],
        output:
            manifest=f"{_IMG_DIR}/preprocessed/{{batch}}/manifest.csv",
        params:
            options=_img_preprocess_options(),
            references=f"{_IMG_DIR}/references",
            out=lambda wildcards: f"{_IMG_DIR}/preprocessed/{wildcards.batch}",
        log:
            f"{LOGS}/imaging_preprocess/{{batch}}.log",
        shell:
            "{OMICS} preprocess {input.manifest:q} --patients-file {input.patients:q} "
            "--references {params.references:q} {params.options} --out {params.out:q} > {log:q} 2>&1"

    rule imaging_extract:
        input:
            manifest=rules.imaging_preprocess.output.manifest,
        output:
            features=f"{_IMG_DIR}/features/{{batch}}/features.csv",
            repeat=f"{_IMG_DIR}/features/{{batch}}/features_repeat.csv",
            failures=f"{_IMG_DIR}/features/{{batch}}/failures.csv",
        params:
            preset=_IMG["preset"],
            rings=quoted(f"--rings={_img_csv(_IMG['rings_mm'])}") if _IMG["rings_mm"] else "",
            out=lambda wildcards: f"{_IMG_DIR}/features/{wildcards.batch}",
        threads: 1
        log:
            f"{LOGS}/imaging_extract/{{batch}}.log",
        shell:
            "{OMICS} extract {input.manifest:q} --preset {params.preset:q} {params.rings} --quiet "
            "--allow-failures --out {params.out:q} > {log:q} 2>&1"

    _IMG_ICC_OUT = f"{_IMG_DIR}/icc" if _IMG_HARM["enabled"] else f"{TABLES}/imaging"

    rule imaging_icc:
        input:
            features=_img_per_batch("features.csv"),
            repeat=_img_per_batch("features_repeat.csv"),
            failures=_img_per_batch("failures.csv"),
        output:
            features=_img_report(f"{_IMG_ICC_OUT}/handcrafted_features.csv", "imaging_features")
                     if not _IMG_HARM["enabled"] else f"{_IMG_ICC_OUT}/handcrafted_features.csv",
            icc=_img_report(f"{_IMG_ICC_OUT}/icc.csv", "imaging_icc"),
            counts=_img_report(f"{_IMG_ICC_OUT}/retained_counts.csv", "imaging_icc"),
            failures=_img_report(f"{_IMG_ICC_OUT}/extraction_failures.csv", "imaging_failures"),
            figure=_img_report(f"{FIGURES}/imaging/icc_distribution.png", "imaging_icc"),
        params:
            out=_IMG_ICC_OUT,
            options=quoted("--icc-type", _IMG["icc_type"], "--threshold", _IMG["icc_threshold"]),
            figures=f"{FIGURES}/imaging",
        log:
            f"{LOGS}/imaging_icc.log",
        shell:
            "{OMICS} icc --features {input.features:q} --repeat {input.repeat:q} --failures {input.failures:q} "
            "{params.options} --figures {params.figures:q} --out {params.out:q} > {log:q} 2>&1"

    if _IMG_HARM["enabled"]:

        rule imaging_harmonize:
            input:
                features=f"{_IMG_DIR}/icc/handcrafted_features.csv",
                clinical=CLINICAL,
            output:
                f"{_IMG_DIR}/harmonized/harmonized.csv",
            params:
                options=quoted(
                    "--batch", _IMG_HARM["batch"], "--id-column", ID_COLUMN,
                    *(["--covariates", _img_csv(_IMG_HARM["covariates"])] if _IMG_HARM["covariates"] else []),
                    *(["--fit-on", _IMG_HARM["fit_on"]] if _IMG_HARM["fit_on"] else [])),
                out=f"{_IMG_DIR}/harmonized",
            log:
                f"{LOGS}/imaging_harmonize.log",
            shell:
                "{OMICS} harmonize {input.features:q} --clinical {input.clinical:q} {params.options} "
                "--out {params.out:q} > {log:q} 2>&1"

        rule imaging_features:
            input:
                features=rules.imaging_harmonize.output[0],
                icc=f"{_IMG_DIR}/icc/icc.csv",
            output:
                _img_report(f"{TABLES}/imaging/handcrafted_features.csv", "imaging_features"),
            params:
                out=f"{TABLES}/imaging",
            log:
                f"{LOGS}/imaging_features.log",
            shell:
                "{OMICS} icc --features {input.features:q} --icc-table {input.icc:q} --out {params.out:q} > {log:q} 2>&1"

    TARGETS += [f"{TABLES}/imaging/handcrafted_features.csv", f"{FIGURES}/imaging/icc_distribution.png",
                *rules.imaging_icc.output, rules.imaging_references.output.patients]
