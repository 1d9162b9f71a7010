"""Pure logic of the widget support: buffers, the daemon's and the client's echo rules, view helpers."""

from __future__ import annotations

from typing import Any

import pytest

from runt_tui.client.widget_mirror import WidgetMirror, snapshot_states
from runt_tui.daemon.widgets import STATE_MIME, RoomWidgets
from runt_tui.protocol.fields import check_request
from runt_tui.protocol.payloads import WidgetEvent, decode_event
from runt_tui.protocol.widget_buffers import (
    encode_states,
    put_buffers,
    split_buffers,
    state_to_frame,
    state_with_buffers,
    unpack,
)
from runt_tui.tui.widgets.ipyw.logic import (
    bar,
    children,
    fmt,
    fraction,
    hidden,
    key_fields,
    step_value,
    value_at,
)
from runt_tui.tui.widgets.ipyw.ref import view_ref
from runt_tui.tui.widgets.ipyw.sources import SavedSource, saved_states

# ---- buffers ------------------------------------------------------------------------


def test_split_and_put_buffers_round_trip() -> None:
    state = {"value": b"\x89PNG", "nested": {"a": [1, b"xy"]}, "plain": 3}
    clean, paths, buffers = split_buffers(state)
    assert clean == {"nested": {"a": [1, None]}, "plain": 3}
    assert paths == [["value"], ["nested", "a", 1]] and buffers == [b"\x89PNG", b"xy"]
    assert put_buffers(clean, paths, buffers) == state


def test_frame_round_trip_and_bad_lengths() -> None:
    clean, meta, payload = state_to_frame({"value": b"abc", "x": 1})
    assert state_with_buffers(clean, meta, payload) == {"value": b"abc", "x": 1}
    with pytest.raises(ValueError):
        unpack([{"length": 5}], b"abc")
    with pytest.raises(ValueError):
        unpack([{"length": 1}], b"abc")
    fields, payload2 = encode_states({"m": {"a": "é"}}, [({"model_id": "m", "path": ["v"]}, b"zz")])
    assert set(fields) == {"states_length", "buffers"}
    assert snapshot_states(fields, payload2) == {"m": {"a": "é", "v": b"zz"}}
    with pytest.raises(ValueError):
        snapshot_states({**fields, "states_length": 10**6}, payload2)


def test_request_fields_are_checked() -> None:
    assert check_request("widget_update", {"model_id": "abc", "state": {"value": 1}}) is None
    assert check_request("widget_update", {"model_id": "abc"}) is not None
    assert check_request("widget_update", {"model_id": "a b", "state": {}}) is not None
    assert check_request("widget_custom", {"model_id": "abc", "content": "click"}) is not None


# ---- the daemon's store ----------------------------------------------------------------


def _comm(msg_type: str, content: dict[str, Any], parent: str = "", buffers: list[bytes] | None = None) -> dict[str, Any]:
    return {"msg_type": msg_type, "content": content, "parent_header": {"msg_id": parent}, "buffers": buffers or []}


class FakeKernel:
    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any], list[bytes]]] = []

    def __call__(self, msg_type: str, content: dict[str, Any], buffers: list[bytes]) -> str:
        self.sent.append((msg_type, content, buffers))
        return f"m{len(self.sent)}"


def _store() -> tuple[RoomWidgets, list[dict[str, Any]], FakeKernel]:
    events: list[dict[str, Any]] = []
    store = RoomWidgets(lambda e, p: events.append(e.to_json()))
    store.sender = kernel = FakeKernel()
    store.on_iopub(_comm("comm_open", {"comm_id": "s", "target_name": "jupyter.widget",
                                       "data": {"state": {"_model_name": "IntSliderModel", "value": 0}, "buffer_paths": []}}))
    return store, events, kernel


def test_echo_of_an_older_change_is_ignored() -> None:
    store, _events, kernel = _store()
    store.update("s", {"value": 1}, "peer", 1)
    store.update("s", {"value": 2}, "peer", 2)
    assert kernel.sent[-1][1]["data"] == {"method": "update", "state": {"value": 2}, "buffer_paths": []}
    store.on_iopub(_comm("comm_msg", {"comm_id": "s", "data": {"method": "echo_update", "state": {"value": 1}}}, "m1"))
    assert store.models["s"].state["value"] == 2  # no jump back to 1
    store.on_iopub(_comm("comm_msg", {"comm_id": "s", "data": {"method": "echo_update", "state": {"value": 2}}}, "m2"))
    assert store.models["s"].expected_echo == {}
    # A kernel-side update always applies.
    store.on_iopub(_comm("comm_msg", {"comm_id": "s", "data": {"method": "update", "state": {"value": 9}}}, "k"))
    assert store.models["s"].state["value"] == 9


def test_binary_buffers_and_saved_state() -> None:
    store, _, _ = _store()
    store.on_iopub(_comm("comm_open", {"comm_id": "i", "target_name": "jupyter.widget", "data": {
        "state": {"_model_name": "ImageModel", "_model_module": "@jupyter-widgets/controls", "format": "png"},
        "buffer_paths": [["value"]]}}, buffers=[b"PNGDATA"]))
    assert store.models["i"].state["value"] == b"PNGDATA"
    saved = store.saved_state()
    assert saved is not None and saved["version_major"] == 2
    entry = saved["state"]["i"]
    assert entry["model_name"] == "ImageModel" and "value" not in entry["state"]
    assert entry["buffers"] == [{"encoding": "base64", "path": ["value"], "data": "UE5HREFUQQ=="}]
    nb: dict[str, Any] = {"metadata": {"widgets": {"other": 1}}}
    store.add_to_notebook(nb)
    assert nb["metadata"]["widgets"]["other"] == 1 and STATE_MIME in nb["metadata"]["widgets"]


def test_unknown_comms_and_missing_models_never_raise() -> None:
    store, _, _ = _store()
    assert store.on_iopub(_comm("comm_open", {"comm_id": "x", "target_name": "other", "data": {}}))
    assert store.on_iopub(_comm("comm_msg", {"comm_id": "nope", "data": {"method": "update"}}))
    assert store.on_iopub(_comm("comm_msg", {"comm_id": "s", "data": {"method": "update", "state": "bad"}}))
    assert not store.on_iopub(_comm("stream", {"name": "stdout", "text": "x"}, "p"))
    with pytest.raises(KeyError):
        store.update("nope", {"value": 1}, "peer", 1)
    store.reset("kernel restarted")
    assert store.models == {} and store.saved_state() is not None


def test_output_model_captures_its_parent() -> None:
    store, _events, _ = _store()
    store.on_iopub(_comm("comm_open", {"comm_id": "o", "target_name": "jupyter.widget",
                                       "data": {"state": {"_model_name": "OutputModel", "outputs": [], "msg_id": ""}}}))
    store.on_iopub(_comm("comm_msg", {"comm_id": "o", "data": {"method": "update", "state": {"msg_id": "run1"}}}))
    assert store.on_iopub(_comm("stream", {"name": "stdout", "text": "a\n"}, "run1"))
    assert store.on_iopub(_comm("stream", {"name": "stdout", "text": "b\n"}, "run1"))
    assert not store.on_iopub(_comm("stream", {"name": "stdout", "text": "c\n"}, "other"))
    assert store.models["o"].state["outputs"] == [{"output_type": "stream", "name": "stdout", "text": "a\nb\n"}]
    store.on_iopub(_comm("clear_output", {"wait": False}, "run1"))
    assert store.models["o"].state["outputs"] == []


# ---- the client's mirror -------------------------------------------------------------------


class FakeSession:
    peer_id = "me"

    async def request(self, rtype: str, payload: bytes = b"", timeout: float | None = 60.0, **fields: Any) -> tuple[dict[str, Any], bytes]:
        return {}, b""


def ev(op: str, state: dict[str, Any], **fields: Any) -> tuple[WidgetEvent, bytes]:
    """A `widget` event as the daemon sends it (state in the payload)."""
    head, payload = encode_states(state, [])
    event = decode_event({"type": "widget", "op": op, "model_id": "s", **fields, **head})
    assert isinstance(event, WidgetEvent)
    return event, payload


async def test_mirror_ignores_others_while_its_own_change_is_in_flight() -> None:
    m = WidgetMirror(FakeSession())
    m.on_event(*ev("open", {"value": 0}))
    m.set("s", value=5)
    m.on_event(*ev("update", {"value": 3}, origin="other", seq=1))
    assert m.models["s"]["value"] == 5  # not yanked back while our change travels
    m.on_event(*ev("update", {"value": 5}, origin="me", seq=1))
    m.on_event(*ev("update", {"value": 8}, origin="other", seq=7))
    assert m.models["s"]["value"] == 8  # echo came back: others' changes apply again
    m.on_event(WidgetEvent(op="update", model_id="s", states_length=99), b"{}")  # malformed: dropped
    assert m.models["s"]["value"] == 8
    m.on_event(*ev("reset", {}, reason="kernel died"))
    assert m.models == {} and m.reset_reason == "kernel died"


# ---- view helpers ----------------------------------------------------------------------------


def test_slider_numbers() -> None:
    st = {"_model_name": "IntSliderModel", "min": 0, "max": 10, "step": 2}
    assert step_value(st, 4, 1) == 6 and step_value(st, 10, 5) == 10 and step_value(st, 0, -1) == 0
    assert value_at(st, 0.5) == 6 or value_at(st, 0.5) == 4
    assert fraction(st, 5) == 0.5 and fmt(3.0, st) == "3"
    assert fmt(0.12345, {"_model_name": "FloatSliderModel", "readout_format": ".3f"}) == "0.123"
    assert step_value({"_model_name": "FloatSliderModel", "min": 0, "max": 1, "step": 0.1}, 0.2, 1) == 0.3


def test_bar_and_fields() -> None:
    assert bar(1.0, 10).plain == "█" * 10 and len(bar(0.33, 10).plain) == 10 and bar(0, 4).plain == " ···"
    assert children({"children": ["IPY_MODEL_a", "junk", "IPY_MODEL_b"]}) == ["a", "b"]
    fields = key_fields({"_x": 1, "value": "\x1b[31mred", "layout": "IPY_MODEL_l"})
    assert fields.startswith("value=") and "red" in fields and "\x1b" not in fields


def test_layout_display_none_and_saved_source() -> None:
    saved = saved_states({"widgets": {STATE_MIME: {"state": {
        "w": {"model_name": "IntSliderModel", "model_module": "m", "state": {"value": 4, "layout": "IPY_MODEL_l"}},
        "l": {"model_name": "LayoutModel", "state": {"display": "none"}},
    }}}})
    src = SavedSource(saved)
    assert src.state("w") == {"_model_name": "IntSliderModel", "_model_module": "m", "value": 4, "layout": "IPY_MODEL_l"}
    assert hidden(src, src.state("w") or {}) and src.state("missing") is None
    assert saved_states({"widgets": "junk"}) == {}


def test_view_ref() -> None:
    out = {"output_type": "display_data", "data": {"text/plain": "IntSlider()", "application/vnd.jupyter.widget-view+json": {"model_id": "abc"}}}
    ref = view_ref(out)
    assert ref is not None and ref.model_id == "abc" and ref.fallback == "IntSlider()"
    assert view_ref({"data": {"application/vnd.jupyter.widget-view+json": {}}}) is None
