"""The scanpy-style survival face: tl.km/cox/cindex/associate write what the DataFrame functions return."""

from __future__ import annotations

import warnings
from pathlib import Path

import anndata
import mudata
import numpy as np
import pandas as pd
import pytest

import omics.pl as pl
import omics.tl as tl
from omics.data.errors import InputError
from omics.stats import association_table
from omics.survival import cindex_models, cox_fit, cox_table, kaplan_meier

DATA = Path(__file__).parent / "data" / "survival"
TIME, EVENT = "mfs_time", "mfs_event"


@pytest.fixture(scope="module")
def syn():
    return pd.read_csv(DATA / "synthetic.csv", index_col="patient_id", encoding="utf-8")


@pytest.fixture
def mdata(syn):
    rng = np.random.default_rng(0)
    rna = anndata.AnnData(X=rng.normal(size=(len(syn), 5)).astype(np.float32),
                          obs=syn.copy(), var=pd.DataFrame(index=[f"g{i}" for i in range(5)]))
    return mudata.MuData({"rna": rna})


def _equal(a: pd.DataFrame, b: pd.DataFrame):
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True), check_dtype=False,
                                  check_categorical=False)


def test_km_writes_the_documented_keys(mdata, syn):
    ad = mdata["rna"]
    assert tl.km(ad, groupby="hrf", time=TIME, event=EVENT, times=[24, 60]) is None
    entry = ad.uns["km"]
    assert set(entry) >= {"params", "summary", "table", "logrank"}
    assert entry["params"]["groupby"] == "hrf"
    km = kaplan_meier(syn[TIME], syn[EVENT], groups=syn["hrf"])
    _equal(entry["table"].drop(columns="grouping"), km.to_frame())
    _equal(entry["summary"].drop(columns="grouping"), km.wide_summary([24, 60]))
    assert entry["summary"]["surv_24"].notna().all()
    from omics.survival import logrank_test
    lr = logrank_test(syn[TIME], syn[EVENT], syn["hrf"])
    assert entry["logrank"].loc[0, "p"] == pytest.approx(lr.p_value, rel=1e-12)


def test_cox_formula_and_covariates_agree_with_cox_table(mdata, syn):
    ad = mdata["rna"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tl.cox(ad, formula="hrf + age", time=TIME, event=EVENT, reference={"hrf": "A_hRF"})
        tl.cox(ad, covariates=["hrf", "age"], time=TIME, event=EVENT, reference={"hrf": "A_hRF"},
               key_added="cox2")
        expected = cox_table(cox_fit(syn, "hrf + age", TIME, EVENT, reference={"hrf": "A_hRF"}))
    _equal(ad.uns["cox"]["table"], expected)
    _equal(ad.uns["cox2"]["table"], expected)
    assert ad.uns["cox"]["summary"].loc[0, "n"] == len(syn.dropna(subset=["hrf", "age"]))
    with pytest.raises(InputError, match="formula= or covariates="):
        tl.cox(ad, time=TIME, event=EVENT)


def test_cindex_and_associate(mdata, syn):
    ad = mdata["rna"]
    tl.cindex(ad, models={"hrf": "hrf", "both": "hrf + rna"}, comparisons=[("both", "hrf")], time=TIME,
              event=EVENT, n_boot=20, seed=3)
    res = cindex_models(syn, {"hrf": "hrf", "both": "hrf + rna"}, TIME, EVENT, comparisons=[("both", "hrf")],
                        n_boot=20, seed=3)
    _equal(ad.uns["cindex"]["estimates"], res.estimates)
    _equal(ad.uns["cindex"]["summary"], res.summary)
    tl.associate(ad, groupby="hrf", variables=["age", "grade"])
    tab = association_table(syn, ["hrf"], ["age", "grade"])
    _equal(ad.uns["association"]["tests"], tab.tests)
    _equal(ad.uns["association"]["summary"], tab.wide())


def test_copy_semantics(mdata):
    ad = mdata["rna"]
    out = tl.km(ad, groupby="hrf", time=TIME, event=EVENT, copy=True)
    assert out is not ad and "km" in out.uns and "km" not in ad.uns


def test_missing_obs_column_is_named(mdata):
    with pytest.raises(InputError, match="no obs column 'nope'"):
        tl.km(mdata["rna"], groupby="nope", time=TIME, event=EVENT)
    with pytest.raises(InputError, match="no obs column 'tumour size'"):
        tl.cox(mdata["rna"], covariates=["tumour size"], time=TIME, event=EVENT)
    with pytest.raises(InputError, match="modalit"):
        tl.km(mdata, groupby="hrf", time=TIME, event=EVENT)


def test_h5mu_round_trip_keeps_the_uns_tables(mdata, tmp_path):
    ad = mdata["rna"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tl.km(ad, groupby="hrf", time=TIME, event=EVENT)
        tl.cox(ad, formula="hrf + age", time=TIME, event=EVENT)
        tl.cindex(ad, models=["hrf"], time=TIME, event=EVENT, n_boot=5)
        tl.associate(ad, groupby=["hrf", "rna"], variables=["age", "grade"])
        mdata.write(tmp_path / "cohort.h5mu")
        back = mudata.read_h5mu(tmp_path / "cohort.h5mu")["rna"]
    for key, tables in {"km": ("summary", "table", "logrank"), "cox": ("table", "summary", "tests"),
                        "cindex": ("summary", "estimates"), "association": ("summary", "tests", "cells")}.items():
        for name in tables:
            got = back.uns[key][name]
            assert isinstance(got, pd.DataFrame), (key, name)
            _equal(got, ad.uns[key][name])
    assert back.uns["cox"]["params"]["formula"] == "hrf + age"


def test_plots_draw_from_uns(mdata):
    from matplotlib.figure import Figure

    ad = mdata["rna"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tl.km(ad, groupby="hrf", time=TIME, event=EVENT)
        tl.cox(ad, formula="hrf + age", time=TIME, event=EVENT)
    fig = pl.km(ad)
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    given = Figure().add_subplot()
    assert pl.forest(ad, ax=given) is given.figure
    with pytest.raises(InputError, match="omics.tl.km"):
        pl.km(ad, key="nothing")
