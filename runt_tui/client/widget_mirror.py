"""ipywidgets from a client: the Session API (`widgets`, `widget_state`, `update_widget`) and a live mirror.

The daemon holds every model's state (daemon/widgets.py). `WidgetMirror` is a
client's live copy of it, kept by the `widget` events, for views such as the
TUI. Its changes are applied locally at once and sent with a sequence
number; the daemon sends every change to every client in one order, with the
origin and sequence number of a client's change. The echo rule (the widget
protocol's, client side): while a key has a change of ours in flight, other
changes of it are ignored, and the echo of our *last* change of it ends
that. Every client then ends on the daemon's value, and a dragged value never
jumps back to an older one.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging
from collections.abc import Callable, Coroutine
from typing import Protocol

from runt_tui.protocol.jsontypes import JSONDict
from runt_tui.protocol.payloads import WidgetEvent
from runt_tui.protocol.widget_buffers import WidgetState, decode_states, put_buffers, state_to_frame

log = logging.getLogger("runt_tui.client")

WidgetListener = Callable[[str | None], None]
# A request or refresh run in the background; its result is not used.
Background = Coroutine[object, object, object]


class _Requester(Protocol):
    peer_id: str

    async def request(
        self, rtype: str, payload: bytes = b"", timeout: float | None = 60.0, **fields: object
    ) -> tuple[JSONDict, bytes]: ...


def snapshot_states(header: JSONDict, payload: bytes) -> dict[str, WidgetState]:
    """The models of a `widgets` answer, with each buffer back at its path."""
    states, buffers = decode_states(header, payload)
    models = {str(k): dict(v) for k, v in (states or {}).items() if isinstance(v, dict)} if isinstance(states, dict) else {}
    for entry, data in buffers:
        state = models.get(str(entry.get("model_id")))
        if state is not None:
            put_buffers(state, [entry.get("path") or []], [data])
    return models


def event_state(event: WidgetEvent, payload: bytes) -> WidgetState:
    """The state a `widget` event carries, with its buffers; ValueError when malformed."""
    state, buffers = decode_states({"states_length": event.states_length, "buffers": event.buffers}, payload)
    if not isinstance(state, dict):
        raise ValueError("widget state is not an object")
    return put_buffers(state, [e.get("path") or [] for e, _ in buffers], [b for _, b in buffers])


def saved_model_state(entry: object) -> WidgetState | None:
    """A model's state from a notebook's saved widget state (JupyterLab's layout, base64 buffers)."""
    state = entry.get("state") if isinstance(entry, dict) else None
    if not isinstance(entry, dict) or not isinstance(state, dict):
        return None
    full = {"_model_name": entry.get("model_name", ""), "_model_module": entry.get("model_module", ""), **state}
    raw = entry.get("buffers")
    for item in raw if isinstance(raw, list) else []:
        if not isinstance(item, dict) or not isinstance(item.get("path"), list):
            continue
        try:
            data = base64.b64decode(str(item.get("data", "")), validate=True)
        except (binascii.Error, ValueError):
            continue
        put_buffers(full, [item["path"]], [data])
    return full


class WidgetMirror:
    """One client's live copy of the room's widget models."""

    def __init__(self, session: _Requester) -> None:
        self._session = session
        self.models: dict[str, WidgetState] = {}
        # model_id -> key -> seq of our last change of it not yet echoed.
        self._pending: dict[str, dict[str, int]] = {}
        self._seq = 0
        self.listeners: list[WidgetListener] = []
        # Why the models went away (kernel restarted, died), until new ones come.
        self.reset_reason: str | None = None
        # Models the kernel closed (`widget.close()`): their views say so.
        self.closed: set[str] = set()
        self._tasks: set[asyncio.Task[object]] = set()

    async def refresh(self) -> None:
        """Take the daemon's whole state (joining late, or after a reconnect)."""
        header, payload = await self._session.request("widgets")
        models = snapshot_states(header, payload)
        for model_id, keys in self._pending.items():
            mine = self.models.get(model_id, {})
            if model_id in models:
                models[model_id].update({k: mine[k] for k in keys if k in mine})
        self.models = models
        self._notify(None)

    def on_event(self, event: WidgetEvent, payload: bytes) -> None:
        """Apply one `widget` event from the daemon."""
        op, model_id = event.op, event.model_id
        try:
            state = event_state(event, payload)
        except ValueError:
            log.warning("widget event with bad buffers dropped")
            return
        if op == "reset":
            self.models.clear()
            self._pending.clear()
            self.closed.clear()
            self.reset_reason = event.reason or "the kernel went away"
            self._notify(None)
            return
        if not isinstance(model_id, str):
            return
        if op == "open":
            self.reset_reason = None
            self.models[model_id] = state
        elif op == "close":
            self.closed.add(model_id)
            self.models.pop(model_id, None)
            self._pending.pop(model_id, None)
        elif op == "update" and model_id in self.models:
            self._apply(model_id, state, event.origin, event.seq)
        else:
            return
        self._notify(model_id)

    def _apply(self, model_id: str, state: WidgetState, origin: str | None, seq: int | None) -> None:
        pending = self._pending.get(model_id, {})
        ours = origin is not None and origin == self._session.peer_id
        target = self.models[model_id]
        for key, value in state.items():
            if key in pending:
                if ours and pending[key] == seq:
                    del pending[key]  # our last change of it is the daemon's now
                continue
            target[key] = value

    def set(self, model_id: str, **changes: object) -> None:
        """Change a model here at once and send the change (a slider moved, a box ticked)."""
        if model_id not in self.models:
            return
        self._seq += 1
        self.models[model_id].update(changes)
        pending = self._pending.setdefault(model_id, {})
        for key in changes:
            pending[key] = self._seq
        clean, meta, payload = state_to_frame(changes)
        self._spawn(self._session.request("widget_update", payload, model_id=model_id, state=clean,
                                          buffers=meta, seq=self._seq))
        self._notify(model_id)

    def send(self, model_id: str, content: JSONDict) -> None:
        """A custom message to the kernel-side widget (a Button's click)."""
        self._spawn(self._session.request("widget_custom", model_id=model_id, content=content))

    def _spawn(self, coro: Background) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[object]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.warning("widget change not applied: %s", task.exception())

    def _notify(self, model_id: str | None) -> None:
        for cb in list(self.listeners):
            try:
                cb(model_id)
            except Exception:
                log.exception("widget listener failed")


class WidgetAPI:
    """The widget half of the Session API (a mixin of AsyncSession)."""

    peer_id: str
    _mirror: WidgetMirror | None = None

    async def request(
        self, rtype: str, payload: bytes = b"", timeout: float | None = 60.0, **fields: object
    ) -> tuple[JSONDict, bytes]:
        raise NotImplementedError

    async def widgets(self) -> dict[str, WidgetState]:
        """Every live widget model's state, by model id (binary values as bytes)."""
        header, payload = await self.request("widgets")
        return snapshot_states(header, payload)

    async def widget_state(self, model_id: str) -> WidgetState:
        """One model's state; KeyError when the room has no such model."""
        models = await self.widgets()
        if model_id not in models:
            raise KeyError(f"no widget model {model_id!r}")
        return models[model_id]

    async def update_widget(self, model_id: str, **changes: object) -> None:
        """Change a model's state as a user would (the kernel and every client see it)."""
        if self._mirror is not None and model_id in self._mirror.models:
            self._mirror.set(model_id, **changes)
            await asyncio.gather(*self._mirror._tasks)
            return
        clean, meta, payload = state_to_frame(changes)
        await self.request("widget_update", payload, model_id=model_id, state=clean, buffers=meta)

    async def send_widget_message(self, model_id: str, content: JSONDict) -> None:
        """A custom message to the kernel-side widget: `{"event": "click"}` presses a Button."""
        await self.request("widget_custom", model_id=model_id, content=content)

    async def comm_info(self, target_name: str | None = "jupyter.widget") -> JSONDict:
        """The kernel's comm_info_reply (its open comms of `target_name`)."""
        header, _ = await self.request("comm_info", target_name=target_name)
        reply = header.get("reply")
        return dict(reply) if isinstance(reply, dict) else {}

    def widget_mirror(self) -> WidgetMirror:
        """This session's live copy of the widget models (filled in the background)."""
        if self._mirror is None:
            self._mirror = WidgetMirror(self)
            self._mirror._spawn(self._mirror.refresh())
        return self._mirror

    def _on_widget_event(self, event: WidgetEvent, payload: bytes) -> None:
        if self._mirror is not None:
            self._mirror.on_event(event, payload)

    def _on_reconnected(self) -> None:
        if self._mirror is not None:
            self._mirror._spawn(self._mirror.refresh())
