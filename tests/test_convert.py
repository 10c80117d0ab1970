"""The one input converter, omics.data.convert.as_samples_by_features."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import anndata as ad
import mudata as md
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from omics.data.convert import as_samples_by_features
from omics.data.errors import InputError


@pytest.fixture
def adata():
    x = np.arange(12, dtype=float).reshape(4, 3)
    a = ad.AnnData(x, obs=pd.DataFrame(index=["007", "P2", "P3", "P4"]),
                   var=pd.DataFrame(index=["g1", "g2", "g3"]))
    a.layers["counts"] = sp.csr_matrix(x * 10)
    a.obsm["X_pca"] = np.ones((4, 2))
    return a


def test_anndata_x_layer_and_obsm(adata):
    frame = as_samples_by_features(adata)
    assert list(frame.index) == ["007", "P2", "P3", "P4"] and list(frame.columns) == ["g1", "g2", "g3"]
    assert as_samples_by_features(adata, layer="counts").loc["P2", "g1"] == 30.0   # sparse layer densified
    assert list(as_samples_by_features(adata, obsm="X_pca").columns) == ["X_pca_1", "X_pca_2"]
    with pytest.raises(InputError, match="no layer 'voom'; available: counts"):
        as_samples_by_features(adata, layer="voom")
    with pytest.raises(InputError, match="layer= or obsm=, not both"):
        as_samples_by_features(adata, layer="counts", obsm="X_pca")


def test_dataframe_is_copied_and_ids_become_text():
    frame = pd.DataFrame(np.ones((2, 2)), index=[7, 8], columns=["a", "b"])
    out = as_samples_by_features(frame)
    out.iloc[0, 0] = 5.0
    assert frame.iloc[0, 0] == 1.0, "the input is never modified"
    assert list(out.index) == ["7", "8"]


@pytest.mark.parametrize("bad, message", [
    (np.ones(3), r"2-D samples × features table, got shape \(3,\)"),
    (pd.Series([1.0, 2.0]), "got a Series"),
    (pd.DataFrame({"a": ["x", "y"]}), "non-numeric"),
    (pd.DataFrame({"a": [1.0, np.inf]}), "finite|non-finite|NaN|inf"),
    (pd.DataFrame({"a": [1.0, 2.0]}, index=["P1", "P1"]), "duplicated sample ID"),
])
def test_bad_tables_are_named(bad, message):
    with pytest.raises(InputError, match=message):
        as_samples_by_features(bad, source="expression")


def test_transposed_table_is_refused_when_sample_ids_are_known():
    genes_by_samples = pd.DataFrame(np.ones((3, 2)), index=["g1", "g2", "g3"], columns=["P1", "P2"])
    with pytest.raises(InputError, match=r"features × samples; pass its transpose \(\.T\)"):
        as_samples_by_features(genes_by_samples, sample_ids=["P1", "P2"])
    assert as_samples_by_features(genes_by_samples.T, sample_ids=["P1", "P2"]).shape == (2, 3)


def test_a_whole_mudata_is_refused_at_once_never_walked():
    """np.asarray(mdata) walks __getitem__ forever; the converter must answer at once (in a
    subprocess with a timeout, so a regression fails instead of hanging the suite)."""
    code = textwrap.dedent("""
        import warnings; warnings.simplefilter("ignore")
        import anndata as ad, mudata as md, numpy as np
        from omics.data.convert import as_samples_by_features
        from omics.data.errors import InputError
        m = md.MuData({"rna": ad.AnnData(np.ones((3, 2))), "hrf": ad.AnnData(np.ones((3, 4)))})
        try:
            as_samples_by_features(m, source="consensus")
        except InputError as exc:
            print(exc)
        print(as_samples_by_features(m["rna"]).shape)
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "a MuData holds several modalities (rna, hrf); pass one, e.g. mdata['rna']" in done.stdout
    assert "(3, 2)" in done.stdout


def test_layer_on_a_dataframe_is_refused():
    with pytest.raises(InputError, match="layer=/obsm= apply to an AnnData"):
        as_samples_by_features(pd.DataFrame({"a": [1.0]}), layer="counts")


def test_mudata_modality_is_accepted():
    m = md.MuData({"rna": ad.AnnData(np.ones((3, 2)))})
    assert as_samples_by_features(m["rna"]).shape == (3, 2)
