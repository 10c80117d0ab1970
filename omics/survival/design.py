"""Model formulas and design matrices for Cox models.

A small formula language, enough for the study's models:

* covariate names joined by ``+``: ``"rna + hrf + age"``;
* ``a * b`` means ``a + b + a:b`` (main effects and their interaction);
* ``a:b`` is the interaction alone.

Names may contain letters, digits, ``_`` and ``.``; a name with other characters can be
written in backticks (```` `size (mm)` ````).

Categorical covariates (strings, categories, booleans) get treatment (dummy) coding with an
explicit reference level. The reference is, in order of precedence:

1. the level given in ``reference={"column": "level"}``;
2. ``"Others"`` when that is a level (the binarised hybrid group of the study);
3. for cluster labels (every level looks like ``A_hRF``, ``B_RNA``, ``A``, ``B`` …), the
   last label in sorted order (``C_hRF``, ``B_RNA``: the study's references);
4. otherwise the first level in sorted order, as R's ``factor()`` default, so that
   models without explicit references match R ``coxph`` output column for column.

Numeric covariates enter as they are. Dummy columns are named ``column[level]``,
interaction columns ``a[level]:b[level]``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from omics.data.validate import InputError

_NAME = r"`[^`]+`|[A-Za-z_.][A-Za-z0-9_.]*"
_TOKEN = re.compile(rf"\s*({_NAME}|[+*:()])\s*")
_CLUSTER_LABEL = re.compile(r"^[A-Z](_.*)?$")


@dataclass(frozen=True)
class Formula:
    """A parsed formula: its terms, each a tuple of variable names (main effect = 1-tuple).

    Terms keep the order in which they appear, with main effects implied by ``*``
    placed before the interaction, as R's ``terms()`` orders them by degree.
    """

    text: str
    terms: tuple[tuple[str, ...], ...]

    @property
    def variables(self) -> list[str]:
        """Distinct variables in order of first appearance."""
        seen: list[str] = []
        for term in self.terms:
            for v in term:
                if v not in seen:
                    seen.append(v)
        return seen

    def __str__(self) -> str:
        return " + ".join(":".join(t) for t in self.terms)


def parse_formula(text: str | Formula) -> Formula:
    """Parse ``"a + b"``, ``"a * b"``, ``"a:b"`` into a :class:`Formula`.

    Raises
    ------
    InputError
        On an empty formula or a character that is not part of the language.
    """
    if isinstance(text, Formula):
        return text
    if not isinstance(text, str) or not text.strip():
        raise InputError(f"empty model formula {text!r}; write covariates joined by '+', e.g. 'rna + hrf'")
    pos, tokens = 0, []
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise InputError(f"formula {text!r}: cannot read {text[pos:]!r} "
                             "(use names joined by '+', '*' or ':'; quote odd names in backticks)")
        tokens.append(m.group(1))
        pos = m.end()
    if "(" in tokens or ")" in tokens:
        raise InputError(f"formula {text!r}: parentheses are not supported; expand the terms")
    terms: list[tuple[str, ...]] = []

    def add(term: tuple[str, ...]) -> None:
        key = tuple(sorted(term))
        if all(tuple(sorted(t)) != key for t in terms):
            terms.append(term)

    summands = _split(tokens, "+", text)
    for summand in summands:
        factors = _split(summand, "*", text)
        groups = []
        for f in factors:
            names = _split(f, ":", text)
            groups.append(tuple(_name(n, text) for n in names))
        if len(groups) == 1:
            add(groups[0])
            continue
        # a * b * c: every non-empty combination of the factors
        from itertools import combinations
        for k in range(1, len(groups) + 1):
            for combo in combinations(groups, k):
                add(tuple(v for g in combo for v in g))
    for t in terms:
        if len(set(t)) != len(t):
            raise InputError(f"formula {text!r}: a variable interacts with itself in {':'.join(t)}")
    ordered = sorted(terms, key=len)  # main effects first, as R's terms()
    return Formula(text=text, terms=tuple(ordered))


def _split(tokens: list[str], sep: str, text: str) -> list[list[str]]:
    parts: list[list[str]] = [[]]
    for tok in tokens:
        if tok == sep:
            parts.append([])
        else:
            parts[-1].append(tok)
    if any(not p for p in parts):
        raise InputError(f"formula {text!r}: '{sep}' needs a term on each side")
    return parts


def _name(tokens: list[str], text: str) -> str:
    if len(tokens) != 1 or tokens[0] in "+*:":
        raise InputError(f"formula {text!r}: expected a covariate name, got {' '.join(tokens)!r}")
    return tokens[0].strip("`")


def is_categorical(series: pd.Series) -> bool:
    """True for strings, categories and booleans (dummy-coded); False for numbers."""
    return not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series)


def default_reference(levels: Sequence[str]) -> str:
    """The reference level when none is given (see the module docstring)."""
    levels = sorted(str(v) for v in levels)
    if "Others" in levels:
        return "Others"
    if levels and all(_CLUSTER_LABEL.match(v) for v in levels):
        return levels[-1]
    return levels[0]


@dataclass
class DesignInfo:
    """How a formula became columns: kept to build the same columns for new data.

    Attributes
    ----------
    formula
        The parsed formula.
    levels
        ``{variable: [reference, other levels…]}`` for categorical variables.
    columns
        Design-matrix column names, in order.
    term_of_column
        The formula term (as ``"a:b"``) each column belongs to.
    """

    formula: Formula
    levels: dict[str, list[str]] = field(default_factory=dict)
    columns: list[str] = field(default_factory=list)
    term_of_column: list[str] = field(default_factory=list)

    @property
    def references(self) -> dict[str, str]:
        return {v: lv[0] for v, lv in self.levels.items()}

    def transform(self, data: pd.DataFrame) -> pd.DataFrame:
        """Design matrix of ``data`` (rows with a missing value must be removed first)."""
        blocks: dict[str, np.ndarray] = {}
        for var in self.formula.variables:
            if var not in data.columns:
                raise InputError(f"covariate {var!r} of formula {self.formula.text!r} is not a column; "
                                 f"available: {', '.join(map(str, data.columns[:15]))}")
            if var in self.levels:
                values = data[var].astype(str).to_numpy()
                unknown = sorted(set(values) - set(self.levels[var]))
                if unknown:
                    raise InputError(f"covariate {var!r}: level(s) {unknown} were not seen when the "
                                     f"model was built (levels {self.levels[var]})")
                for lev in self.levels[var][1:]:
                    blocks[f"{var}[{lev}]"] = (values == lev).astype(float)
            else:
                blocks[var] = pd.to_numeric(data[var]).to_numpy(dtype=float)
        out: dict[str, np.ndarray] = {}
        for term in self.formula.terms:
            for name, col in _term_columns(term, self, blocks):
                out[name] = col
        return pd.DataFrame(out, index=data.index, columns=self.columns)


def _var_columns(var: str, info: DesignInfo) -> list[str]:
    if var in info.levels:
        return [f"{var}[{lev}]" for lev in info.levels[var][1:]]
    return [var]


def _term_columns(term: tuple[str, ...], info: DesignInfo, blocks: Mapping[str, np.ndarray]):
    names = [[]]
    for var in term:
        names = [prev + [c] for prev in names for c in _var_columns(var, info)]
    for parts in names:
        col = np.ones(len(next(iter(blocks.values()))))
        for p in parts:
            col = col * blocks[p]
        yield ":".join(parts), col


def build_design(data: pd.DataFrame, formula: str | Formula,
                 reference: Mapping[str, str] | None = None) -> DesignInfo:
    """Learn the coding of ``formula`` on ``data`` (levels and references).

    Parameters
    ----------
    data
        Complete cases for the formula's variables.
    formula
        Model formula (see the module docstring).
    reference
        Explicit reference level per categorical variable.

    Raises
    ------
    InputError
        If a variable is missing, a reference level does not occur, or a categorical
        variable has a single level.
    """
    formula = parse_formula(formula)
    reference = dict(reference or {})
    info = DesignInfo(formula=formula)
    for var in formula.variables:
        if var not in data.columns:
            raise InputError(f"covariate {var!r} of formula {formula.text!r} is not a column; "
                             f"available: {', '.join(map(str, data.columns[:15]))}")
        col = data[var]
        if is_categorical(col):
            levels = sorted(col.astype(str).unique())
            ref = str(reference[var]) if var in reference else default_reference(levels)
            if ref not in levels:
                raise InputError(f"reference level {ref!r} of {var!r} does not occur; levels: {levels}")
            if len(levels) < 2:
                raise InputError(f"covariate {var!r} has a single level ({levels[0]!r}) among the "
                                 f"{len(col)} patients used; it cannot enter the model")
            info.levels[var] = [ref] + [lv for lv in levels if lv != ref]
    for term in formula.terms:
        label = ":".join(term)
        names = [[]]
        for var in term:
            names = [prev + [c] for prev in names for c in _var_columns(var, info)]
        for parts in names:
            info.columns.append(":".join(parts))
            info.term_of_column.append(label)
    return info


def recode(data: pd.DataFrame, mapping: Mapping[str, Mapping[str, str]] | None) -> pd.DataFrame:
    """Return a copy of ``data`` with categorical values renamed per column.

    ``{"grade": {"I": "I/II", "II": "I/II"}}`` merges grades I and II; values not in a
    column's mapping stay as they are. The input is not modified.
    """
    if not mapping:
        return data
    out = data.copy()
    for col, repl in mapping.items():
        if col not in out.columns:
            raise InputError(f"recode: column {col!r} is not in the table")
        values = out[col]
        mask = values.notna()
        as_text = values[mask].astype(str)
        out[col] = values.astype(object)
        out.loc[mask, col] = as_text.map(lambda v: repl.get(v, v))
    return out
