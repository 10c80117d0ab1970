"""The README's notebook session runs as written (so the tour never goes stale)."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_notebook_session_runs():
    text = README.read_text()
    block = text.split("A notebook session, on the demo cohort:")[1]
    code = re.search(r"```python\n(.*?)```", block, re.S).group(1)
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)
    result = namespace["result"]
    assert result.suggested_k == 2, "the demo's two RNA groups are found"
    at = namespace["km"].survival_at([24, 60])
    assert len(at) == 4, "two groups at two times"
