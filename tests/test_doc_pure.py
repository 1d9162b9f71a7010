"""Pure units of the doc layer: fractional indexing and text diffs."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runt_tui.doc.fracindex import FracIndexError, key_between, n_keys_between
from runt_tui.doc.textdiff import apply_edits, text_edits


def test_key_between_basics() -> None:
    assert key_between(None, None) == "a0"
    assert key_between("a0", None) == "a1"
    assert key_between(None, "a0") == "Zz"
    assert "a0" < key_between("a0", "a1") < "a1"
    with pytest.raises(FracIndexError):
        key_between("a1", "a0")
    with pytest.raises(FracIndexError):
        key_between("a1", "a1")


def test_many_appends_stay_short() -> None:
    key = None
    for _ in range(1000):
        key = key_between(key, None)
    assert key is not None and len(key) <= 4


@given(st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=200))
def test_random_inserts_keep_order(choices: list[int]) -> None:
    keys: list[str] = []
    for c in choices:
        i = c % (len(keys) + 1)
        lo = keys[i - 1] if i > 0 else None
        hi = keys[i] if i < len(keys) else None
        k = key_between(lo, hi)
        assert (lo is None or lo < k) and (hi is None or k < hi)
        keys.insert(i, k)
    assert keys == sorted(keys) and len(set(keys)) == len(keys)


@pytest.mark.parametrize(
    ("a", "b", "n"), [(None, None, 10), ("a0", "a1", 50), (None, "a0", 5), ("a5", None, 70)]
)
def test_n_keys_between(a: str | None, b: str | None, n: int) -> None:
    keys = n_keys_between(a, b, n)
    assert len(keys) == n and keys == sorted(keys) and len(set(keys)) == n
    assert all((a is None or a < k) and (b is None or k < b) for k in keys)


TEXT = st.text(alphabet=st.sampled_from(list("ab\n xé你👩‍👧\u0301")), max_size=300)


@settings(max_examples=300)
@given(TEXT, TEXT)
def test_text_edits_transform(old: str, new: str) -> None:
    edits = text_edits(old, new)
    assert apply_edits(old, edits) == new
    positions = [e.pos for e in edits]
    assert positions == sorted(positions)


def test_text_edits_are_small() -> None:
    old = "line one\n" * 50
    new = old.replace("line one\n", "line ONE\n", 1) + "tail"
    edits = text_edits(old, new)
    assert sum(e.delete + len(e.insert) for e in edits) < 20
    assert text_edits("same", "same") == []
    assert text_edits("", "abc") == [(0, 0, "abc")]
