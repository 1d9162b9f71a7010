"""What a kernel's reply and input() prompt mean for a room: pure routing, no kernel state."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from runt_tui.kernel import OutputAccumulator
from runt_tui.protocol.payloads import InputPromptEvent, InputRequestEvent
from runt_tui.protocol.runtime import ExecError, InputRequest

if TYPE_CHECKING:
    from runt_tui.daemon.room import Room


def reply_outcome(reply: Mapping[str, object], acc: OutputAccumulator) -> tuple[str, ExecError | None]:
    """(done / error / cancelled, the error) from an execute_reply and the outputs it produced."""
    status = str(reply.get("status", "ok"))
    if status == "ok":
        return "done", None
    if status == "error":
        err = acc.error
        return "error", ExecError(err.ename, err.evalue, list(err.traceback)) if err else None
    return "cancelled", ExecError("Aborted", str(reply.get("reason", "aborted")))


def announce_input(room: Room, request: InputRequest) -> None:
    """Ask whoever ran the cell for input; show the others the prompt (everyone asked if they left)."""
    asker = request.requester.peer_id
    if asker not in room.peers:
        room.send_event(InputRequestEvent(**vars(request)))
        return
    room.send_event(InputRequestEvent(**vars(request)), only=asker)
    for pid in list(room.peers):
        if pid != asker:
            room.send_event(InputPromptEvent(**vars(request)), only=pid)
