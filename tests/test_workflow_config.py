"""The workflow config: the template plans every kind of modality, mistakes get one clear message
(dry runs only: fast)."""

from __future__ import annotations

from pathlib import Path

import yaml

from test_workflow import ROOT, snakemake

TEMPLATE = ROOT / "snakemake" / "config" / "template.yaml"


def _template(tmp_path: Path, **changes) -> Path:
    """The template with its input paths pointing at placeholder files under tmp_path."""
    config = yaml.safe_load(TEMPLATE.read_text())
    config["results"] = str(tmp_path / "results")
    for key in ("clinical", "genesets"):
        config["inputs"][key] = str(tmp_path / Path(config["inputs"][key]).name)
    for modality in config["modalities"]:
        for key in ("data", "manifest"):
            if key in modality:
                modality[key] = str(tmp_path / Path(modality[key]).name)
    config.update(changes)
    for path in [config["inputs"]["clinical"], config["inputs"].get("genesets")] + \
            [m.get("data") or m.get("manifest") for m in config["modalities"]]:
        if path:   # relative paths are read from the run's folder, tmp_path
            (Path(path) if Path(path).is_absolute() else tmp_path / path).touch()
    out = tmp_path / "config.yaml"
    out.write_text(yaml.safe_dump(config, allow_unicode=True))
    return out


def test_template_plans_every_modality_and_every_pair(tmp_path):
    result = snakemake("--configfile", _template(tmp_path), "-n", "--cores", 1, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    for name in ("RNA", "array", "hRF", "path"):
        assert f"modality_input_{name}" in result.stdout
    assert "imaging_references" in result.stdout and "expression_gsea" in result.stdout
    # hybrids: all -> every pair is crossed and compared in the C-index table (6 pairs of 4 modalities)
    printed = snakemake("--configfile", tmp_path / "config.yaml", "-n", "-p", "--cores", 1, cwd=tmp_path).stdout
    groups_command = next(line for line in printed.splitlines() if " groups --modality" in line)
    assert groups_command.count("--hybrid") == 6
    cindex_command = next(line for line in printed.splitlines() if " cindex " in line)
    assert "'RNA+hRF=RNA + hRF'" in cindex_command and "--compare RNA+hRF:RNA" in cindex_command
    assert "--endpoint 'overall survival'" in cindex_command


def test_one_modality_and_no_gene_sets(tmp_path):
    config = yaml.safe_load(_template(tmp_path).read_text())
    config["modalities"] = [m for m in config["modalities"] if m["name"] == "array"]
    del config["inputs"]["genesets"]
    config["expression"]["modality"] = "array"
    path = tmp_path / "one.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True))
    result = snakemake("--configfile", path, "-n", "--cores", 1, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "enrichment (GSEA/ORA) is skipped" in result.stderr
    assert "expression_gsea" not in result.stdout and "expression_dge" in result.stdout
    assert "imaging_references" not in result.stdout and "deseq2" not in result.stdout


def test_config_mistakes_are_named(tmp_path):
    cases = {
        "unknown hybrid modality": ({"hybrids": [["RNA", "MRI"]]}, "no modality named 'MRI'"),
        "name with a space": ({"modalities": [{"name": "my RNA", "kind": "counts", "data": "x.csv"}]}, "my RNA"),
        "kind without its data": ({"modalities": [{"name": "RNA", "kind": "counts"}]}, "needs `data:`"),
        "no endpoint columns": ({"endpoint": {"name": "overall survival"}}, "time"),
    }
    for what, (change, message) in cases.items():
        folder = tmp_path / what.replace(" ", "_")
        folder.mkdir()
        result = snakemake("--configfile", _template(folder, **change), "-n", "--cores", 1, cwd=folder)
        assert result.returncode != 0, what
        assert message in result.stderr + result.stdout, (what, (result.stderr + result.stdout)[-1500:])


def test_consensus_spreads_over_chunk_jobs(tmp_path):
    """cluster.chunks > 1: each modality's resamples go to chunk jobs with the same resampling
    options and one merge job finishes them; chunks: 1 keeps the one-job `omics consensus`."""
    config = yaml.safe_load(_template(tmp_path).read_text())
    config["cluster"] = {**(config.get("cluster") or {}), "chunks": 3, "reps": 300}
    path = tmp_path / "chunks.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True))
    printed = snakemake("--configfile", path, "-n", "-p", "--cores", 1, cwd=tmp_path)
    assert printed.returncode == 0, printed.stderr[-3000:]
    lines = printed.stdout.splitlines()
    chunk_lines = [line for line in lines if " consensus-chunk " in line]
    merges = [line for line in lines if " consensus-merge " in line]
    n_modalities = len(config["modalities"])
    assert len(chunk_lines) == 3 * n_modalities and len(merges) == n_modalities
    for i in range(3):
        assert sum(f"--chunk {i} --chunks 3" in line for line in chunk_lines) == n_modalities
    assert all("--reps 300" in line and "--p-item 0.6" in line for line in chunk_lines)
    assert not any(" consensus " in line for line in lines if "omics" in line)

    config["cluster"]["chunks"] = 1
    path.write_text(yaml.safe_dump(config, allow_unicode=True))
    printed = snakemake("--configfile", path, "-n", "-p", "--cores", 1, cwd=tmp_path).stdout
    assert "consensus-chunk" not in printed and sum(" consensus " in line for line in printed.splitlines()
                                                       if "omics" in line) == n_modalities
