"""The HTML report of a workflow run (Snakemake's own ``--report``, issue 12).

The rules register every table and figure with ``report(...)``; the captions live in
``snakemake/report/``. The end-to-end check (the report of a finished run lists every table
and figure the run wrote, in the stage categories, with rendered captions) runs after the
workflow test's real run (tests/test_workflow.py), so no extra workflow run is added; the
helpers are here.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = [ROOT / "snakemake", ROOT / "snakemake" / "response"]   # main and response-prediction

# Not tables or figures: provenance records, binary data (matrices, fitted models) and
# Snakemake's own markers stay out of the report.
NOT_IN_REPORT = (re.compile(r"provenance.*\.json$"), re.compile(r"\.(npz|h5ad|parquet|joblib|pt)$"),
                 re.compile(r"^\.snakemake_timestamp$"))


def _embedded(text: str, name: str):
    """The JSON object Snakemake's report assigns to ``var <name>`` in its HTML."""
    match = re.search(rf'<script id="{name}">\s*var {name} = ', text)
    assert match, f"no `var {name}` in the report"
    value, _ = json.JSONDecoder().raw_decode(text, match.end())
    return value


def read_report(html: Path) -> tuple[dict, dict]:
    """``(results, categories)`` embedded in a report: results by path (name, caption, mime,
    rule), and {category: {subcategory: [paths]}}."""
    text = html.read_text(encoding="utf-8")
    return _embedded(text, "results"), _embedded(text, "categories")


def written_results(results_dir: Path, folders=("tables", "figures")) -> set[Path]:
    """Every table and figure a run wrote under ``folders`` (the main workflow's tables/ and figures/)."""
    files = set()
    for folder in folders:
        for path in (results_dir / folder).rglob("*"):
            if path.is_file() and not any(p.search(path.name) for p in NOT_IN_REPORT):
                files.add(path.resolve())
    return files


def check_report(html: Path, results_dir: Path, *, categories: set[str], folders=("tables", "figures"),
                 workdir: Path | None = None) -> dict:
    """Assert the report lists every table and figure of the run, in the expected stage
    categories, each with a rendered caption; return the results by resolved path (the report
    names files as the workflow does: relative ones are relative to the run's ``workdir``)."""
    def resolved(path):
        return (Path(workdir or ".") / path).resolve()

    assert html.is_file() and html.stat().st_size > 10_000
    results, cats = read_report(html)
    listed = {resolved(path): record for path, record in results.items()}
    missing = written_results(results_dir, folders) - set(listed)
    assert not missing, f"written but not in the report: {sorted(map(str, missing))}"
    assert categories <= set(cats), (categories - set(cats), sorted(cats))
    in_categories = {resolved(p) for subcats in cats.values() for paths in subcats.values() for p in paths}
    assert in_categories == set(listed)
    for path, record in listed.items():
        caption = record["caption"]
        assert len(caption) > 80, (path, caption)
        assert "{{" not in caption and "{%" not in caption, (path, caption)           # Jinja rendered
        assert "System Message" not in caption and "system-message" not in caption, (path, caption)
    return listed


def _arguments(text: str, start: int) -> list[str]:
    """The top-level arguments of the call whose "(" is at ``start``."""
    depth, args, current = 0, [], ""
    for char in text[start:]:
        if char in "([{":
            depth += 1
            if depth == 1:
                continue
        elif char in ")]}":
            depth -= 1
            if depth == 0:
                return [*args, current.strip()]
        if char == "," and depth == 1:
            args.append(current.strip())
            current = ""
        else:
            current += char
    raise AssertionError("unbalanced call")


def _caption_names(workflow: Path) -> set[str]:
    """Captions the rules name: caption="../report/X.rst", and the caption argument of the
    rules files' helpers (_<stage>_report(path, "X", ...), _rendered(folder, stem, "X", ...))."""
    names = set()
    for rules in [workflow / "Snakefile", *sorted((workflow / "rules").glob("*.smk"))]:
        text = rules.read_text(encoding="utf-8")
        names |= set(re.findall(r'caption="(?:\.\./)?report/(\w+)\.rst"', text))
        for call in re.finditer(r"\b_(\w*report|rendered)\(", text):
            if text[:call.start()].rstrip().endswith("def"):
                continue
            args = _arguments(text, call.end() - 1)
            caption = args[2 if call.group(1) == "rendered" else 1]
            if caption.isidentifier():          # a helper passing its own argument on
                continue
            assert re.fullmatch(r'"\w+"', caption), (rules.name, args)
            names.add(caption.strip('"'))
    return names


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_every_caption_a_rule_names_exists(workflow):
    names = _caption_names(workflow)
    assert len(names) > 5
    missing = [n for n in names if not (workflow / "report" / f"{n}.rst").is_file()]
    assert not missing, missing
    assert (workflow / "report" / "workflow.rst").is_file()
    assert 'report: "report/workflow.rst"' in (workflow / "Snakefile").read_text(encoding="utf-8")


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_every_caption_file_is_used(workflow):
    names = _caption_names(workflow) | {"workflow"}
    unused = sorted(p.stem for p in (workflow / "report").glob("*.rst") if p.stem not in names)
    assert not unused, unused


@pytest.mark.parametrize("path", sorted(p for w in WORKFLOWS for p in (w / "report").glob("*.rst")),
                         ids=lambda p: f"{p.parent.parent.name}/{p.stem}")
def test_captions_are_valid_jinja(path):
    import jinja2

    jinja2.Environment().parse(path.read_text(encoding="utf-8"))


def test_check_report_refuses_a_report_that_misses_a_file(tmp_path):
    results = tmp_path / "results"
    (results / "tables" / "stage").mkdir(parents=True)
    (results / "figures").mkdir()
    listed = results / "tables" / "stage" / "listed.csv"
    listed.write_text("a\n1\n")
    (results / "tables" / "stage" / "provenance.json").write_text("{}")     # not a table: not required
    record = {"name": "listed.csv", "caption": "<p>" + "A caption that says what the table is. " * 3 + "</p>"}
    html = tmp_path / "report.html"

    html.write_text("<html>" + " " * 10_000 + "<script>var results = new Array(3);</script>"  # as a bundled library
                    f'<script id="results">var results = {json.dumps({str(listed): record})};</script>'
                    f'<script id="categories">var categories = {json.dumps({"Stage": {"": [str(listed)]}})};</script>')
    check_report(html, results, categories={"Stage"})
    (results / "figures" / "forgotten.png").write_bytes(b"png")
    with pytest.raises(AssertionError, match="forgotten.png"):
        check_report(html, results, categories={"Stage"})


@pytest.mark.parametrize("workflow, config", [
    (WORKFLOWS[0], WORKFLOWS[0] / "config" / "demo.yaml"),
    (WORKFLOWS[1], WORKFLOWS[1] / "config" / "demo_response.yaml"),
], ids=["main", "response"])
def test_report_flags_sit_on_outputs_with_captions_that_exist(workflow, config, tmp_path):
    """Every report(...) flag is on a rule's output and its caption file exists. A flagged path
    that travels into another rule's input (e.g. rule all's targets) is registered with that
    job instead, its caption path taken relative to that rule's file: the report then fails or
    renders the other job's params."""
    from snakemake.api import SnakemakeApi
    from snakemake.io import get_flag_value, is_flagged
    from snakemake.settings.types import ConfigSettings, OutputSettings, ResourceSettings

    with SnakemakeApi(OutputSettings(quiet=None)) as api:
        loaded = api.workflow(resource_settings=ResourceSettings(cores=1),
                              config_settings=ConfigSettings(configfiles=[config], config={
                                  "results": str(tmp_path / "r"), "cohort_dir": str(tmp_path / "c")}),
                              snakefile=workflow / "Snakefile", workdir=tmp_path)
        rules = list(loaded._workflow.rules)           # the parsed rules (no public accessor)
        flagged = 0
        for rule in rules:
            assert not [f for f in rule.input if is_flagged(f, "report")], rule.name
            for f in rule.output:
                if is_flagged(f, "report"):
                    flagged += 1
                    caption = get_flag_value(f, "report").caption
                    assert caption is not None, (rule.name, f)
                    assert Path(caption.get_path_or_uri(secret_free=True)).is_file(), (rule.name, f)
    assert flagged > (40 if workflow == WORKFLOWS[0] else 15)
