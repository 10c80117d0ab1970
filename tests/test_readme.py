"""The README's notebook session runs as written (so the tour never goes stale)."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def _run_block(marker: str) -> dict:
    """Execute the first python block after ``marker`` in the README; return its namespace."""
    block = README.read_text().split(marker)[1]
    code = re.search(r"```python\n(.*?)```", block, re.S).group(1)
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)
    return namespace


def test_readme_notebook_session_runs():
    namespace = _run_block("A notebook session, on the demo cohort:")
    result = namespace["result"]
    assert result.suggested_k == 2, "the demo's two RNA groups are found"
    at = namespace["km"].survival_at([24, 60])
    assert len(at) == 4, "two groups at two times"


def test_readme_scanpy_style_session_runs():
    """The tl/pl block writes the keys it promises (and plots draw from them)."""
    namespace = _run_block("The same analysis in scanpy style")
    rna, top = namespace["rna"], namespace["top"]
    assert {"voom", "voom_weights", "counts"} <= set(rna.layers)
    assert {"km", "dge", "voom"} <= set(rna.uns) and "dge" in rna.varm
    assert "rna_group_consensus" in top.obsp and top.obsp["rna_group_consensus"].shape == (top.n_obs, top.n_obs)
    assert rna.obs["rna_group"].notna().all()
    assert set(rna.uns["km"]["summary"]["group"]) == set(rna.obs["rna_group"].cat.categories)
