"""The room's ipywidgets: every model's state, kept by the daemon and shared by every client.

The daemon is the one Jupyter frontend the kernel sees. Comm messages of the
`jupyter.widget` target (protocol 2, with binary buffers) arrive on iopub
through the kernel session's tap; the daemon keeps each model's state here —
runtime state, never the notebook's CRDT — and pushes every change to every
client as `widget` events (`open`, `update`, `close`, `reset`, `custom`).
A client's change is applied here first, pushed to every client with its
origin and sequence number (see client/widgets.py for the client's echo rule)
and sent to the kernel as a frontend would (`update`, `request_state`,
`custom`). The kernel's `echo_update` of a key we are still changing is
ignored until the echo of our last change arrives, as JupyterLab does, so a
dragged slider never jumps back to an older value.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from runt_tui.daemon.widget_capture import OutputCaptures
from runt_tui.protocol.jsontypes import JSONDict, JSONValue
from runt_tui.protocol.payloads import WidgetEvent
from runt_tui.protocol.widget_buffers import (
    Path,
    WidgetState,
    encode_states,
    put_buffers,
    split_buffers,
)

log = logging.getLogger("runt_tui.daemon")

TARGET = "jupyter.widget"
STATE_MIME = "application/vnd.jupyter.widget-state+json"
# Sends a comm message to the kernel: (msg_type, content, buffers) -> msg_id.
CommSender = Callable[[str, dict[str, object], list[bytes]], str]
EventSender = Callable[[WidgetEvent, bytes], None]


@dataclass
class WidgetModel:
    """One widget model: its state (binary values inline as bytes) and the echoes we wait for."""

    model_id: str
    state: WidgetState
    # key -> msg_id of our last update of it whose echo has not come back.
    expected_echo: dict[str, str] = field(default_factory=dict)

    def saved(self) -> JSONDict:
        """This model as JupyterLab writes it into the notebook's widget state."""
        clean, paths, buffers = split_buffers(self.state)
        entry: JSONDict = {
            "model_name": str(self.state.get("_model_name", "")),
            "model_module": str(self.state.get("_model_module", "")),
            "model_module_version": str(self.state.get("_model_module_version", "")),
            "state": clean,
        }
        if buffers:
            import base64

            entry["buffers"] = [
                {"encoding": "base64", "path": _json_path(p), "data": base64.b64encode(b).decode("ascii")}
                for p, b in zip(paths, buffers, strict=True)
            ]
        return entry


def _json_path(path: Path) -> list[JSONValue]:
    """A buffer's path as a JSON list (the same keys and indexes)."""
    return list(path)


def _object(value: object) -> Mapping[str, object]:
    """A JSON object from a kernel message, or {} when it is missing or not an object."""
    return value if isinstance(value, dict) else {}


def _msg_state(data: Mapping[str, object], msg: Mapping[str, object]) -> WidgetState:
    state = data.get("state")
    if not isinstance(state, dict):
        return {}
    paths = data.get("buffer_paths") or []
    raw = msg.get("buffers")
    buffers = [bytes(b) for b in raw if isinstance(b, bytes | bytearray | memoryview)] if isinstance(raw, list | tuple) else []
    return put_buffers(dict(state), paths if isinstance(paths, list) else [], buffers)


@dataclass
class _Queued:
    """A widget event waiting for the end of this loop iteration, with the state it carries."""

    op: str
    state: WidgetState
    model_id: str | None = None
    origin: str | None = None
    seq: int | None = None
    reason: str | None = None
    content: JSONValue = None


class RoomWidgets:
    """The widget models of one room's kernel."""

    def __init__(self, send_event: EventSender) -> None:
        self._send_event = send_event
        self.sender: CommSender | None = None
        self.models: dict[str, WidgetModel] = {}
        self.captures = OutputCaptures()
        # The state of the models the last kernel had, kept for saving after it went.
        self.last_saved: JSONDict | None = None
        self._outbox: list[_Queued] = []
        self._flush_handle: asyncio.Handle | None = None

    # ---- from the kernel ---------------------------------------------------

    def on_iopub(self, msg: Mapping[str, object]) -> bool:
        """Take a comm message, or an output an Output model captures; False for anything else."""
        msg_type = msg.get("msg_type")
        content = _object(msg.get("content"))
        if msg_type == "comm_open":
            if content.get("target_name") == TARGET:
                self._open(str(content.get("comm_id")), _object(content.get("data")), msg)
            return True
        if msg_type == "comm_msg":
            model = self.models.get(str(content.get("comm_id")))
            if model is not None:
                self._comm_msg(model, _object(content.get("data")), msg)
            return True
        if msg_type == "comm_close":
            self._close(str(content.get("comm_id")))
            return True
        captured = self.captures.feed(msg)
        if captured is None:
            return False
        model_id, outputs = captured
        if model_id in self.models:
            self.models[model_id].state["outputs"] = outputs
            self._emit_update(model_id, {"outputs": outputs})
        return True

    def _open(self, model_id: str, data: Mapping[str, object], msg: Mapping[str, object]) -> None:
        state = _msg_state(data, msg)
        self.models[model_id] = WidgetModel(model_id, state)
        self._capture_changed(model_id, state)
        self._emit(_Queued("open", state, model_id=model_id))

    def _comm_msg(self, model: WidgetModel, data: Mapping[str, object], msg: Mapping[str, object]) -> None:
        method = data.get("method")
        if method in ("update", "echo_update"):
            state = _msg_state(data, msg)
            if method == "echo_update":
                parent = _object(msg.get("parent_header")).get("msg_id")
                for key in list(state):
                    expected = model.expected_echo.get(key)
                    if expected is None:
                        continue
                    if expected == parent:
                        del model.expected_echo[key]
                    del state[key]  # ours: applied when we sent it
            if state:
                model.state.update(state)
                self._capture_changed(model.model_id, state)
                self._emit_update(model.model_id, state)
        elif method == "custom":
            # Decoded from the kernel's JSON, so a JSON value as it is.
            content = typing.cast(JSONValue, data.get("content"))
            self._emit(_Queued("custom", {}, model_id=model.model_id, content=content))

    def _close(self, model_id: str) -> None:
        if self.models.pop(model_id, None) is not None:
            self.captures.forget(model_id)
            self._emit(_Queued("close", {}, model_id=model_id))

    def _capture_changed(self, model_id: str, state: WidgetState) -> None:
        if "msg_id" in state:
            model = self.models.get(model_id)
            outputs = model.state.get("outputs") if model is not None else None
            self.captures.set_msg_id(model_id, state["msg_id"], outputs)

    # ---- from clients ------------------------------------------------------

    def update(self, model_id: str, state: WidgetState, origin: str, seq: int) -> None:
        """A client changed a model: apply it, tell every client, send it to the kernel."""
        model = self._model(model_id)
        model.state.update(state)
        self._emit(_Queued("update", state, model_id=model_id, origin=origin, seq=seq))
        clean, paths, buffers = split_buffers(state)
        msg_id = self._send(model_id, {"method": "update", "state": clean, "buffer_paths": paths}, buffers)
        for key in state:
            model.expected_echo[key] = msg_id

    def custom(self, model_id: str, content: JSONDict) -> None:
        """A client's custom message (a Button's click) to the kernel-side widget."""
        self._model(model_id)
        self._send(model_id, {"method": "custom", "content": content}, [])

    def request_state(self, model_id: str) -> None:
        """Ask the kernel for a model's whole state (it answers with an update)."""
        self._model(model_id)
        self._send(model_id, {"method": "request_state"}, [])

    def _model(self, model_id: str) -> WidgetModel:
        model = self.models.get(model_id)
        if model is None:
            raise KeyError(f"no widget model {model_id!r} (the kernel may have restarted)")
        return model

    def _send(self, model_id: str, data: dict[str, object], buffers: list[bytes]) -> str:
        if self.sender is None:
            raise KeyError("no kernel is running")
        return self.sender("comm_msg", {"comm_id": model_id, "data": data}, buffers)

    # ---- lifecycle and reads -----------------------------------------------

    def reset(self, reason: str) -> None:
        """The kernel restarted, died or stopped: its models are gone; say so to every client."""
        if self.models:
            self.last_saved = self.saved_state()
        self.models.clear()
        self.captures.clear()
        self._emit(_Queued("reset", {}, reason=reason))

    def snapshot(self) -> tuple[JSONDict, bytes]:
        """Every model's state: header fields and payload (see protocol/widget_buffers.encode_states)."""
        states: JSONDict = {}
        entries: list[tuple[JSONDict, bytes]] = []
        for model_id, model in self.models.items():
            clean, paths, buffers = split_buffers(model.state)
            states[model_id] = clean
            entries.extend(({"model_id": model_id, "path": _json_path(p)}, b) for p, b in zip(paths, buffers, strict=True))
        return encode_states(states, entries)

    def saved_state(self) -> JSONDict | None:
        """The notebook's `metadata.widgets` value (JupyterLab's layout), or None with nothing to save."""
        if not self.models:
            return self.last_saved
        state: JSONDict = {mid: m.saved() for mid, m in self.models.items()}
        return {"version_major": 2, "version_minor": 0, "state": state}

    # ---- events --------------------------------------------------------------

    def _emit_update(self, model_id: str, state: WidgetState) -> None:
        # Kernel-side updates of one model within one loop iteration travel as one
        # event (a tqdm loop sends thousands); a client's own changes never merge.
        last = self._outbox[-1] if self._outbox else None
        if last is not None and last.op == "update" and last.model_id == model_id and last.origin is None:
            last.state.update(copy.copy(state))
            return
        self._emit(_Queued("update", state, model_id=model_id))

    def _emit(self, event: _Queued) -> None:
        event.state = dict(event.state)
        self._outbox.append(event)
        if self._flush_handle is None:
            try:
                self._flush_handle = asyncio.get_running_loop().call_soon(self.flush)
            except RuntimeError:
                self.flush()

    def flush(self) -> None:
        """Send the queued widget events, each state and its buffers in the payload."""
        self._flush_handle = None
        out, self._outbox = self._outbox, []
        for event in out:
            clean, paths, buffers = split_buffers(event.state)
            fields, payload = encode_states(clean, [({"path": p}, b) for p, b in zip(paths, buffers, strict=True)])
            shaped = WidgetEvent(
                op=event.op, states_length=int(fields["states_length"]), buffers=fields["buffers"],
                model_id=event.model_id, origin=event.origin, seq=event.seq,
                reason=event.reason, content=event.content,
            )
            try:
                self._send_event(shaped, payload)
            except Exception:  # a peer that cannot take it is dropped by the room
                log.exception("widget event not sent")

    def add_to_notebook(self, nb: JSONDict) -> None:
        """Put the live models' state into a notebook about to be saved (`metadata.widgets`)."""
        saved = self.saved_state()
        if saved is None:
            return  # no kernel made widgets: whatever the file had stays
        metadata = nb.setdefault("metadata", {})
        if not isinstance(metadata, dict):
            return  # not a notebook's metadata: left as it is rather than replaced
        widgets = metadata.get("widgets")
        # Assigned whole: a NotebookNode copies a dict it is given.
        metadata["widgets"] = {**(widgets if isinstance(widgets, dict) else {}), STATE_MIME: saved}
