"""Model formulas and design matrices for Cox models.

A small formula language, enough for the study's models:

* covariate names joined by ``+``: ``"rna + hrf + age"``;
* ``a * b`` means ``a + b + a:b`` (main effects and their interaction);
* ``a:b`` is the interaction alone.

Names may contain letters, digits, ``_`` and ``.``; a name with other characters can be
written in backticks (```` `size (mm)` ````).

Categorical covariates (strings, categories, booleans) get treatment (dummy) coding with an
explicit reference level. The reference is, in order of precedence (:func:`choose_reference`):

1. the level given in ``reference={"column": "level"}``;
2. ``"Others"`` when that is a level (the binarised hybrid group of the study);
3. for ordered categories — a pandas *ordered* Categorical, or levels that name an order
   (``low``/``intermediate``/``high``, ``negative``/``positive``, ``no``/``yes``,
   ``absent``/``present``, also inside labels such as ``AURKA_low``) — the lowest level,
   so that HRs read "higher vs lower";
4. for groupings (cluster labels ``A_hRF``, ``B_RNA``, ``A`` … and their hybrids
   ``A_hRF×B_RNA``), the level with the **lowest event rate** (events per unit of
   follow-up time) among the levels with at least :data:`MIN_REFERENCE_EVENTS` (3)
   events; never a level without events (if no level has 3 events, the lowest rate among
   levels with any event is used, with a warning). Without survival data: the largest level;
5. otherwise the first level in sorted order, as R's ``factor()`` default, so that
   models without explicit references match R ``coxph`` output column for column.

Why 3 events: the standard error of a log HR is about ``sqrt(1/d_ref + 1/d_level)``; with
a reference holding 1–2 events every HR of the grouping has SE ≥ 0.7 (a 95 % CI spanning
more than a factor 15), and with 0 events every HR is infinite (not estimable). Three
events keep the reference's share of that SE ≤ 0.58 while still allowing the small, low-risk
clusters that make natural references. A level with fewer than :data:`MIN_LEVEL_SIZE` (10)
patients gets a :class:`SmallLevelWarning`: its HR rests on a handful of patients (CI
width of an order of magnitude), so merge it or interpret it with care.

Numeric covariates enter as they are. Dummy columns are named ``column[level]``,
interaction columns ``a[level]:b[level]``.
"""

from __future__ import annotations

import re
import warnings
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
        return " + ".join(":".join(quote_name(v) for v in t) for t in self.terms)


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


_BARE_NAME = re.compile(r"^[A-Za-z_.][A-Za-z0-9_.]*$")


def quote_name(name: str) -> str:
    """A column name as written in a formula: as is, or in backticks when it has other
    characters (``"tumour grade (WHO)"`` → ```` `tumour grade (WHO)` ````)."""
    name = str(name)
    if _BARE_NAME.match(name):
        return name
    if "`" in name or not name.strip():
        raise InputError(f"column name {name!r} cannot be used in a model formula (empty or holds a "
                         "backtick); rename the column")
    return f"`{name}`"


def additive_formula(names: Sequence[str]) -> str:
    """``"a + b + `c d`"``: the main-effects formula of the given column names, quoted as needed."""
    return " + ".join(quote_name(n) for n in names)


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


#: Fewest events a grouping level needs to be chosen as the reference (see the module docstring).
MIN_REFERENCE_EVENTS = 3
#: Levels with fewer patients get a :class:`SmallLevelWarning`.
MIN_LEVEL_SIZE = 10

# words that name an order, lowest first (matched as whole tokens of a label, case-insensitive)
_ORDER_WORDS = {**dict.fromkeys(("low", "lo", "negative", "neg", "no", "absent", "false"), 0),
                **dict.fromkeys(("intermediate", "medium", "mid", "moderate"), 1),
                **dict.fromkeys(("high", "hi", "positive", "pos", "yes", "present", "true"), 2)}
_TOKEN_SPLIT = re.compile(r"[\s_\-./×:]+")


class SmallLevelWarning(UserWarning):
    """A level of a categorical covariate has fewer than ``min_size`` patients."""


@dataclass(frozen=True)
class ReferenceChoice:
    """The reference level of a categorical covariate and the rule that chose it."""

    level: str
    rule: str

    def __str__(self) -> str:
        return f"reference: {self.level}, {self.rule}"


def _order_rank(level: str) -> int | None:
    ranks = {_ORDER_WORDS[t] for t in _TOKEN_SPLIT.split(level.lower()) if t in _ORDER_WORDS}
    return ranks.pop() if len(ranks) == 1 else None


def _ordered_lowest(levels: list[str]) -> str | None:
    """The lowest level when every level names a distinct rank (low/high…), else None."""
    ranks = [_order_rank(lv) for lv in levels]
    if len(levels) < 2 or any(r is None for r in ranks) or len(set(ranks)) != len(ranks):
        return None
    return levels[int(np.argmin(ranks))]


def _is_grouping(levels: list[str]) -> bool:
    return bool(levels) and all(_CLUSTER_LABEL.match(v) for v in levels)


def choose_reference(groups, *, time=None, event=None, min_events: int = MIN_REFERENCE_EVENTS,
                     min_size: int = MIN_LEVEL_SIZE, name: str = "grouping",
                     warn: bool = True) -> ReferenceChoice:
    """The default reference level of a categorical covariate, and why (module docstring).

    Parameters
    ----------
    groups
        One label per patient (Series, array or pandas Categorical; an *ordered*
        Categorical uses its order). A plain list of distinct levels is accepted too.
    time, event
        Survival time and 0/1 event per patient, aligned with ``groups``; needed for the
        event-rate rule of groupings.
    min_events
        Fewest events of an eligible grouping reference (default 3).
    min_size
        Levels with fewer patients trigger a :class:`SmallLevelWarning` (default 10).
    name
        The covariate, for messages.
    warn
        Emit the warnings (small levels; no level with ``min_events`` events).

    Returns
    -------
    ReferenceChoice
        ``level`` and ``rule`` (the text printed in table footnotes).
    """
    ordered = None
    if isinstance(groups, (pd.Series, pd.Categorical)) and isinstance(groups.dtype, pd.CategoricalDtype):
        if groups.dtype.ordered:
            ordered = [str(c) for c in groups.dtype.categories]
    labels = pd.Series(np.asarray(groups, dtype=object)).astype(str)
    present = labels[pd.notna(np.asarray(groups, dtype=object))] if len(labels) else labels
    levels = sorted(present.unique())
    sizes = present.value_counts()
    if warn:
        small = [f"{lv} ({sizes[lv]})" for lv in levels if sizes[lv] < min_size]
        if small and len(present) > len(levels):      # per-patient labels, not a level list
            warnings.warn(f"{name}: level(s) with fewer than {min_size} patients: {', '.join(small)}; "
                          "their HRs rest on a handful of patients — merge them or read them with care",
                          SmallLevelWarning, stacklevel=3)
    if "Others" in levels:
        return ReferenceChoice("Others", "the rest of the patients (binarised group)")
    if ordered is not None:
        lowest = next(c for c in ordered if c in set(levels))
        return ReferenceChoice(lowest, "lowest level of the declared order")
    lowest = _ordered_lowest(levels)
    if lowest is not None:
        return ReferenceChoice(lowest, "lowest level of an ordered category")
    if not _is_grouping(levels):
        return ReferenceChoice(levels[0], "first level in sorted order (R factor default)")
    if time is None or event is None:
        top = max(levels, key=lambda lv: (sizes[lv], [-ord(c) for c in lv]))
        return ReferenceChoice(top, "largest group (no survival data to rank event rates)")
    return _lowest_event_rate(present, labels, time, event, levels, min_events, name, warn)


def _lowest_event_rate(present, labels, time, event, levels, min_events, name, warn) -> ReferenceChoice:
    t = pd.Series(np.asarray(time, dtype=float), index=labels.index).loc[present.index]
    e = pd.Series(np.asarray(event, dtype=float), index=labels.index).loc[present.index]
    stats = pd.DataFrame({"events": e.groupby(present).sum(), "time": t.groupby(present).sum(),
                          "n": present.value_counts()}).loc[levels]
    stats["rate"] = stats["events"] / stats["time"].where(stats["time"] > 0, np.nan)
    eligible = stats[stats["events"] >= min_events]
    rule = f"lowest event rate among levels with ≥ {min_events} events"
    if eligible.empty:
        eligible = stats[stats["events"] > 0]
        if eligible.empty:
            return ReferenceChoice(levels[0], "first level in sorted order (no events)")
        rule = f"lowest event rate among levels with any event (none has {min_events})"
        if warn:
            warnings.warn(f"{name}: no level has {min_events} events; the reference "
                          "is the level of lowest event rate among levels with any event", UserWarning,
                          stacklevel=4)
    best = eligible.sort_values(["rate", "n"], ascending=[True, False], kind="stable").index[0]
    return ReferenceChoice(str(best), rule)


def default_reference(groups, *, time=None, event=None, min_events: int = MIN_REFERENCE_EVENTS,
                      min_size: int = MIN_LEVEL_SIZE) -> str:
    """The default reference level (see :func:`choose_reference` for the rule and options)."""
    return choose_reference(groups, time=time, event=event, min_events=min_events, min_size=min_size,
                            warn=False).level


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
    reference_rules
        ``{variable: rule}``: why each reference level was chosen ("given" when explicit).
    """

    formula: Formula
    levels: dict[str, list[str]] = field(default_factory=dict)
    columns: list[str] = field(default_factory=list)
    term_of_column: list[str] = field(default_factory=list)
    reference_rules: dict[str, str] = field(default_factory=dict)

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
                 *, reference: Mapping[str, str] | None = None, time=None, event=None) -> DesignInfo:
    """Learn the coding of ``formula`` on ``data`` (levels and references).

    Parameters
    ----------
    data
        Complete cases for the formula's variables.
    formula
        Model formula (see the module docstring).
    reference
        Explicit reference level per categorical variable; the others follow
        :func:`choose_reference`.
    time, event
        Survival time and event of the rows of ``data`` (for the event-rate rule).

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
            if var in reference:
                ref, rule = str(reference[var]), "given"
            else:
                choice = choose_reference(col, time=time, event=event, name=var)
                ref, rule = choice.level, choice.rule
            if ref not in levels:
                raise InputError(f"reference level {ref!r} of {var!r} does not occur; levels: {levels}")
            if len(levels) < 2:
                raise InputError(f"covariate {var!r} has a single level ({levels[0]!r}) among the "
                                 f"{len(col)} patients used; it cannot enter the model")
            info.levels[var] = [ref] + [lv for lv in levels if lv != ref]
            info.reference_rules[var] = rule
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
