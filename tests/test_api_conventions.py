"""The notebook-facing conventions every public function and result class keeps.

* options are keyword-only: in a public function, every parameter with a default comes
  after ``*`` (data arguments, which have no default, may stay positional), so
  ``ttest_dge(expr, groups, "A", "B")`` cannot silently mean something else;
* every result class speaks one vocabulary: it inherits :class:`omics._result.Result`,
  ``to_frame()`` and ``summary`` (a property) return DataFrames, ``write`` and
  ``_repr_html_`` exist.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import omics

STAGES = ["data", "imaging", "rnaseq", "harmonize", "cluster", "stats", "survival", "expression",
          "deep", "predict", "plotting", "report", "tl", "pl"]

#: Public callables whose defaulted leading parameters are data, not options (reason given).
POSITIONAL_DEFAULT_ALLOWED: dict[str, str] = {}


def _public_modules():
    for stage in STAGES:
        try:
            package = importlib.import_module(f"omics.{stage}")
        except ModuleNotFoundError:
            continue
        yield package
        for info in pkgutil.iter_modules(package.__path__) if hasattr(package, "__path__") else []:
            if not info.name.startswith("_"):
                yield importlib.import_module(f"omics.{stage}.{info.name}")


def _public_functions():
    seen = {}
    for module in _public_modules():
        for name, obj in vars(module).items():
            if name.startswith("_") or not inspect.isfunction(obj):
                continue
            if not obj.__module__.startswith("omics") or obj.__module__ != module.__name__:
                continue
            seen[f"{obj.__module__}.{obj.__qualname__}"] = obj
        # names a package exports from private modules (omics.tl._cluster…) are public too
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            if inspect.isfunction(obj) and obj.__module__.startswith("omics"):
                seen[f"{obj.__module__}.{obj.__qualname__}"] = obj
    return seen


def _positional_options(func) -> list[str]:
    params = inspect.signature(func).parameters.values()
    return [p.name for p in params
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is not p.empty]


FUNCTIONS = _public_functions()


@pytest.mark.parametrize("qualname", sorted(FUNCTIONS))
def test_options_are_keyword_only(qualname):
    if qualname in POSITIONAL_DEFAULT_ALLOWED:
        return
    offending = _positional_options(FUNCTIONS[qualname])
    assert not offending, f"{qualname}: options {offending} must be keyword-only (after *)"


def _result_classes():
    from omics._result import Result

    found = {}
    for module in _public_modules():
        for name, obj in vars(module).items():
            if inspect.isclass(obj) and obj.__module__ == module.__name__ and not name.startswith("_") \
                    and hasattr(obj, "to_frame"):
                found[f"{obj.__module__}.{name}"] = obj
    return Result, found


RESULT, RESULT_CLASSES = _result_classes()


@pytest.mark.parametrize("qualname", sorted(RESULT_CLASSES))
def test_result_classes_share_one_vocabulary(qualname):
    cls = RESULT_CLASSES[qualname]
    assert issubclass(cls, RESULT), f"{qualname} must inherit omics._result.Result"
    assert isinstance(inspect.getattr_static(cls, "summary"), property), f"{qualname}.summary must be a property"
    for method in ("to_frame", "write", "_repr_html_"):
        assert callable(getattr(cls, method, None)), f"{qualname} lacks {method}"


def test_default_write_puts_the_tidy_table_and_the_summary_on_disk(tmp_path):
    """The mixin's write(): to_frame() and (when it differs) summary as CSV, returned by name."""
    import numpy as np
    import pandas as pd

    from omics.harmonize import harmonization_diagnostics

    rng = np.random.default_rng(0)
    before = pd.DataFrame(rng.normal(size=(12, 4)), index=[f"S{i}" for i in range(12)],
                          columns=list("abcd"))
    batch = pd.Series(["x"] * 6 + ["y"] * 6, index=before.index)
    diag = harmonization_diagnostics(before, before - before.groupby(batch).transform("mean"), batch)
    paths = diag.write(tmp_path)
    assert set(paths) == {"table", "summary"}
    table = pd.read_csv(paths["table"], index_col=0)
    pd.testing.assert_frame_equal(table, diag.to_frame(), check_names=False)
    summary = pd.read_csv(paths["summary"], index_col=0)
    assert list(summary.index) == ["before", "after"]
    assert summary.loc["after", "median_batch_r2"] < summary.loc["before", "median_batch_r2"]
    page = diag._repr_html_()
    assert page.startswith("<p><b>HarmonizationDiagnostics: 12 samples") and "<table" in page
