"""Our fast `output_from_msg` agrees with nbformat's on valid and invalid messages."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nbformat.v4 import output_from_msg as nbformat_output_from_msg

from runt_tui.kernel.nbout import InvalidOutput, output_from_msg


def theirs(msg_type: str, content: dict[str, Any]) -> dict[str, Any] | None:
    try:
        out: dict[str, Any] = nbformat_output_from_msg({"header": {"msg_type": msg_type}, "content": content})
    except Exception:
        return None
    return out


def ours(msg_type: str, content: dict[str, Any]) -> dict[str, Any] | None:
    try:
        return output_from_msg(msg_type, content)
    except InvalidOutput:
        return None


CASES: list[tuple[str, dict[str, Any]]] = [
    ("stream", {"name": "stdout", "text": "hi\n"}),
    ("stream", {"name": "stderr", "text": ""}),
    ("stream", {"name": "bogus", "text": "x"}),  # the schema allows any name
    ("stream", {"name": "stdout", "text": 3}),
    ("stream", {"name": "stdout"}),
    ("execute_result", {"data": {"text/plain": "2"}, "metadata": {}, "execution_count": 3}),
    ("execute_result", {"data": {"text/plain": ["a", "b"]}, "metadata": {}, "execution_count": None}),
    ("execute_result", {"data": {"text/plain": 2}, "metadata": {}, "execution_count": 3}),
    ("execute_result", {"data": None, "metadata": {}, "execution_count": 1}),
    ("execute_result", {"data": {"application/json": {"a": [1, None]}}, "metadata": {}, "execution_count": 1}),
    ("execute_result", {"data": {"text/plain": "x"}, "metadata": {}, "execution_count": -1}),
    ("execute_result", {"data": {"text/plain": "x"}, "metadata": []}),
    ("display_data", {"data": {"image/png": "iVBOR", "text/plain": "<img>"}, "metadata": {"image/png": {"width": 3}}}),
    ("display_data", {"data": {"not a mime": "x"}, "metadata": {}}),
    ("display_data", {"data": {"text/html": "<b>"}, "metadata": None}),
    ("display_data", {"data": {"text/html": "<b>"}, "metadata": {}, "transient": {"display_id": "d"}}),
    ("error", {"ename": "ValueError", "evalue": "bad", "traceback": ["\x1b[31mline\x1b[0m"]}),
    ("error", {"ename": "ValueError", "evalue": "bad", "traceback": "not a list"}),
    ("error", {"ename": None, "evalue": "bad", "traceback": []}),
    ("update_display_data", {"data": {}, "metadata": {}}),
    ("status", {"execution_state": "idle"}),
]


@pytest.mark.parametrize(("msg_type", "content"), CASES)
def test_same_as_nbformat(msg_type: str, content: dict[str, Any]) -> None:
    assert ours(msg_type, content) == theirs(msg_type, content)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=8,
)
mimes = st.sampled_from(["text/plain", "text/html", "image/png", "application/json", "application/x.y+json", "nomime", ""])


@settings(max_examples=300, deadline=None)
@given(
    msg_type=st.sampled_from(["stream", "execute_result", "display_data", "error"]),
    content=st.fixed_dictionaries(
        {},
        optional={
            "name": st.sampled_from(["stdout", "stderr"]) | json_values,
            "text": st.text(max_size=5) | json_values,
            "data": st.dictionaries(mimes, json_values, max_size=3) | json_values,
            "metadata": st.dictionaries(mimes, json_values, max_size=2) | json_values,
            "execution_count": st.integers(-2, 5) | st.none() | json_values,
            "ename": st.text(max_size=4) | json_values,
            "evalue": st.text(max_size=4) | json_values,
            "traceback": st.lists(st.text(max_size=4), max_size=2) | json_values,
        },
    ),
)
def test_fuzz_same_as_nbformat(msg_type: str, content: dict[str, Any]) -> None:
    assert ours(msg_type, content) == theirs(msg_type, content)
