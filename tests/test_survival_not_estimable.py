"""A reference group without events: HRs are reported as not estimable, not as 1e8."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from omics.report.survival import NOT_ESTIMABLE, survival_footnotes, survival_report
from omics.survival import cox_table
from omics.survival.cox import CoxModel
from omics.survival.tables import survival_table


def _data(seed=0):
    rng = np.random.default_rng(seed)
    group = np.repeat(["A_hRF", "B_hRF", "C_hRF"], [40, 40, 8])
    time = rng.exponential(40, group.size).round(1) + 0.5
    event = (rng.random(group.size) < 0.5).astype(int)
    event[group == "C_hRF"] = 0                       # the reference group has no events
    return pd.DataFrame({"hrf": group, "age": rng.normal(60, 10, group.size), "t": time, "e": event})


def test_cox_table_marks_infinite_coefficients():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = CoxModel("hrf", reference={"hrf": "C_hRF"}).fit(_data(), "t", "e")
    table = cox_table(model).set_index("level")
    assert not table.loc["A_hRF", "estimable"] and np.isnan(table.loc["A_hRF", "hr"])
    assert np.isfinite(table.loc["A_hRF", "coef"]), "the raw coefficient stays for inspection"
    assert table.loc["C_hRF", "reference"]


def test_report_shows_ne_with_a_footnote():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tab = survival_table(_data(), ["hrf"], "t", "e", covariates=["age"], reference={"hrf": "C_hRF"})
    report = survival_report(tab)
    compared = report[report["Group"] != "C_hRF (ref.)"]
    assert (compared["HR (95% CI)"] == NOT_ESTIMABLE).all()
    assert (compared["Multivariable HR (95% CI)"] == NOT_ESTIMABLE).all()
    assert any(note.startswith(f"{NOT_ESTIMABLE}: not estimable") for note in survival_footnotes(tab, covariates=["age"]))


def test_estimable_groups_keep_their_hr():
    data = _data()
    data.loc[data.hrf == "C_hRF", "e"] = [1, 0, 1, 0, 0, 1, 0, 0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tab = survival_table(data, ["hrf"], "t", "e", reference={"hrf": "C_hRF"})
    assert tab.loc[~tab.reference, "uni_hr"].notna().all()
    assert not any(n.startswith(NOT_ESTIMABLE) for n in survival_footnotes(tab))


def test_to_frame_and_cox_table_agree_on_what_is_not_estimable():
    """One rule (CoxModel.estimable): the coefficient table never shows an HR that cox_table hides."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = CoxModel("hrf + age", reference={"hrf": "C_hRF"}).fit(_data(), "t", "e")
    coefs = model.to_frame().set_index("column")
    table = cox_table(model)
    table = table[~table["reference"]].assign(column=lambda d: [
        f"{v}[{lv}]" if lv else v for v, lv in zip(d["variable"], d["level"])]).set_index("column")
    assert set(model.possibly_infinite_) == {"hrf[A_hRF]", "hrf[B_hRF]"}
    for col in coefs.index:
        assert coefs.loc[col, "estimable"] == table.loc[col, "estimable"] == model.estimable(col)
        for k in ("hr", "hr_lower", "hr_upper", "p"):
            a, b = coefs.loc[col, k], table.loc[col, k]
            assert (np.isnan(a) and np.isnan(b)) or a == b, (col, k)
    assert not coefs.loc["hrf[A_hRF]", "estimable"] and np.isnan(coefs.loc["hrf[A_hRF]", "hr"])
    assert coefs.loc["age", "estimable"] and np.isfinite(coefs.loc["age", "hr"])
