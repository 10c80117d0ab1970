"""Issue 10 item 4: reference levels by a stated rule (omics.survival.design.choose_reference)."""

import warnings

import numpy as np
import pandas as pd
import pytest

from omics.cli import main
from omics.survival import (MIN_REFERENCE_EVENTS, SmallLevelWarning, choose_reference, cox_fit, cox_table,
                            default_reference, survival_table)
from omics.survival.tables import reference_notes


def demo_like(seed: int = 0) -> pd.DataFrame:
    """The RNA sub-cohort case that gave all-blank HRs: C_hRF has 6 patients and 0 events."""
    rng = np.random.default_rng(seed)
    groups = np.array(["A_hRF"] * 60 + ["B_hRF"] * 44 + ["C_hRF"] * 6)
    hazard = np.where(groups == "A_hRF", 0.01, 0.03)
    time = rng.exponential(1 / hazard)
    censor = rng.uniform(20, 120, len(groups))
    event = (time <= censor).astype(int)
    event[groups == "C_hRF"] = 0
    return pd.DataFrame({"hrf": groups, "t": np.minimum(time, censor).round(2), "e": event},
                        index=[f"P{i:03d}" for i in range(len(groups))])


def test_reference_is_never_a_level_without_events():
    d = demo_like()
    # today's rule took the last cluster letter: C_hRF, 0 events, every HR not estimable
    choice = choose_reference(d["hrf"], time=d["t"], event=d["e"], name="hrf")
    assert choice.level == "A_hRF"                       # lowest event rate among levels with ≥ 3 events
    assert choice.rule == f"lowest event rate among levels with ≥ {MIN_REFERENCE_EVENTS} events"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = cox_table(cox_fit(d, "hrf", "t", "e"))
    assert table.loc[table.reference, "level"].tolist() == ["A_hRF"]
    assert table.set_index("level").loc["B_hRF", "hr"] > 1      # B is the high-hazard group
    assert np.isfinite(table.set_index("level").loc["B_hRF", "hr_lower"])
    assert table.attrs["reference_rules"]["hrf"].startswith("lowest event rate")


def test_event_rate_uses_follow_up_time():
    # L1 has fewer events per patient but far less follow-up: its rate per unit time is higher
    g = ["L1"] * 10 + ["L2"] * 10
    t = [1.0] * 10 + [100.0] * 10
    e = [1, 1, 1, 0, 0, 0, 0, 0, 0, 0] + [1, 1, 1, 1, 0, 0, 0, 0, 0, 0]
    groups = pd.Series(["A_x" if x == "L1" else "B_x" for x in g])
    assert default_reference(groups, time=t, event=e) == "B_x"


def test_small_level_warns_and_two_patient_level_is_not_the_reference():
    rng = np.random.default_rng(3)
    g = np.array(["A"] * 40 + ["B"] * 30 + ["C"] * 2)
    t = rng.exponential(30, len(g))
    e = np.ones(len(g), dtype=int)
    e[:25] = 0                                            # A: 15 events in 40
    d = pd.DataFrame({"cl": g, "t": t, "e": e})
    with pytest.warns(SmallLevelWarning, match=r"C \(2\)"):
        choice = choose_reference(d["cl"], time=d["t"], event=d["e"], name="cl")
    assert choice.level != "C"                            # 2 events < 3: not eligible despite its size
    assert choice.level == "A"


def test_ordered_categories_use_the_lowest_level():
    t, e = [5, 6, 7, 8], [1, 0, 1, 1]
    assert default_reference(pd.Series(["low", "high", "high", "low"]), time=t, event=e) == "low"
    assert default_reference(pd.Series(["AURKA_high", "AURKA_low"] * 2)) == "AURKA_low"
    assert default_reference(pd.Series(["negative", "positive"] * 2)) == "negative"
    declared = pd.Series(pd.Categorical(["T3", "T1", "T2", "T1"], categories=["T1", "T2", "T3"], ordered=True))
    assert choose_reference(declared).rule == "lowest level of the declared order"
    assert default_reference(declared) == "T1"
    # nominal non-grouping levels keep R's factor() default
    assert default_reference(pd.Series(["male", "female"])) == "female"


def test_override_and_footnote():
    d = demo_like(1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tab = survival_table(d, ["hrf"], "t", "e", at=24)
        given = survival_table(d, ["hrf"], "t", "e", at=24, reference={"hrf": "B_hRF"})
    assert tab.loc[tab.reference, "level"].item() == "A_hRF"
    assert given.loc[given.reference, "level"].item() == "B_hRF"
    assert reference_notes(tab) == [f"hrf — reference: A_hRF, lowest event rate among levels with "
                                     f"≥ {MIN_REFERENCE_EVENTS} events."]
    assert reference_notes(given) == ["hrf — reference: B_hRF, given."]


def test_cli_cox_footnote_names_the_reference_rule(tmp_path):
    d = demo_like(2)
    clinical = tmp_path / "clinical.csv"
    d.rename_axis("patient_id").to_csv(clinical)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(["cox", "--clinical", str(clinical), "--time", "t", "--event", "e", "--by", "hrf",
                     "--at", "24", "--out", str(tmp_path / "out")]) == 0
    text = (tmp_path / "out" / "table_survival.md").read_text()
    assert "reference: A_hRF, lowest event rate among levels with ≥ 3 events" in text
