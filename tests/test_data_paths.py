"""User text becomes a file name only through omics.data.safe_name / child_path."""

import pytest

from omics.data import InputError, child_path, safe_name


@pytest.mark.parametrize("text", ["STS001", "007", "patient_1.a-b", "A_hRF"])
def test_ordinary_names_are_kept(text):
    assert safe_name(text) == text


@pytest.mark.parametrize("text", ["STS001$(touch pwned)", "a`id`b", "../in", "/etc/passwd", "two words",
                                  "quo'te\"s", ".hidden", "..", "é-accent", "a/b\\c", "x" * 300])
def test_hostile_names_become_one_safe_component(text):
    name = safe_name(text)
    assert set(name) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-")
    assert not name.startswith(".") and "/" not in name and len(name) <= 120
    assert name != text


def test_distinct_texts_never_share_a_name():
    texts = ["a b", "a_b", "a/b", "a\tb", "a  b"]
    assert len({safe_name(t) for t in texts}) == len(texts)


@pytest.mark.parametrize("text", ["", "   "])
def test_empty_text_is_refused(text):
    with pytest.raises(InputError, match="empty patient ID"):
        safe_name(text, what="patient ID")


def test_child_path_stays_inside(tmp_path):
    path = child_path(tmp_path, "../../x", "..", suffix=".csv")
    assert tmp_path.resolve() in path.resolve().parents
    assert path.name.endswith(".csv")
