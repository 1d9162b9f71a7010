"""What the daemon pushes to a session: the runtime state, the peers, a new epoch, its stop.

Mixed into AsyncSession. Events are decoded into their shapes
(protocol/payloads.py); a malformed one is logged and dropped. Listeners get
every event's header as the daemon sent it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING

from runt_tui.client.runtime_view import next_state
from runt_tui.doc import DocError, NotebookDoc
from runt_tui.protocol import InvalidPayload
from runt_tui.protocol.jsontypes import JSONDict
from runt_tui.protocol.payloads import (
    DaemonStopping,
    EpochEvent,
    PeerInfo,
    PresenceEvent,
    RuntimeEvent,
    WidgetEvent,
    decode_event,
)
from runt_tui.protocol.runtime import RuntimeState

if TYPE_CHECKING:
    from runt_tui.client.replica import Replica

log = logging.getLogger("runt_tui.client")

# Called with each event's header as the daemon sent it (see protocol/payloads.py), and
# with the session's own `{"type": "connection", "state": ...}` events.
EventListener = Callable[[JSONDict], None]


class Pushed:
    """The state the daemon pushes, kept by AsyncSession (which provides the attributes below)."""

    replica: Replica | None
    room: str
    epoch: str

    if TYPE_CHECKING:  # provided by WidgetAPI
        def _on_widget_event(self, event: WidgetEvent, payload: bytes) -> None: ...

    if TYPE_CHECKING:  # provided by WriteAPI

        def _replay_unprepared(self) -> Coroutine[object, object, None]: ...

    def _init_pushed(self) -> None:
        # The room's runtime state as last pushed by the daemon (`runtime` is its JSON form).
        self.state = RuntimeState()
        self._runtime_json: JSONDict | None = None
        self.peer_list: list[PeerInfo] = []
        self.event_listeners: list[EventListener] = []
        # Set when the daemon said it was asked to stop: losing it then is not a crash.
        self.stopped_reason: str | None = None

    @property
    def runtime(self) -> JSONDict:
        """The runtime state as JSON (what the daemon sends): for scripts; code reads `state`."""
        if self._runtime_json is None:
            self._runtime_json = self.state.to_json()
        return self._runtime_json

    def _set_state(self, state: RuntimeState) -> None:
        self.state = state
        self._runtime_json = None

    def _on_event(self, header: JSONDict, payload: bytes) -> None:
        if "type" not in header:  # an ERROR frame (a complaint about the connection): for the listeners
            self._emit(header)
            return
        try:
            event = decode_event(header)
        except InvalidPayload as e:
            log.warning("ignored a malformed event from the daemon: %s", e)
            return
        if isinstance(event, RuntimeEvent):
            self._set_state(next_state(self.state, event.state))
        elif isinstance(event, PresenceEvent):
            self.peer_list = event.peers
        elif isinstance(event, DaemonStopping):
            self.stopped_reason = event.reason or "stopped"
        elif isinstance(event, EpochEvent) and header.get("room") == self.room:
            self._adopt_epoch(event.epoch, payload)
        elif isinstance(event, WidgetEvent):
            self._on_widget_event(event, payload)
        self._emit(header)

    def _adopt_epoch(self, epoch: str, data: bytes) -> None:
        """The daemon compacted the document: take its new one, replaying our unsynced source edits."""
        if self.replica is None or epoch == self.epoch:
            return
        try:
            doc = NotebookDoc.load(data)
        except DocError as e:
            log.warning("the daemon's compacted document is unreadable: %s", e)
            return
        log.info("the daemon compacted the notebook's history (epoch %s): replaying unsynced edits", epoch[:8])
        self.replica.replace(doc)
        self.epoch = epoch
        self.replica.flush()
        if self.replica.unreplayed:
            asyncio.get_running_loop().create_task(self._replay_unprepared())

    def _emit(self, event: JSONDict) -> None:
        for cb in list(self.event_listeners):
            try:
                cb(event)
            except Exception:
                log.exception("event listener failed")
