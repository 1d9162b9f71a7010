"""What the app shows, derived from the session's model: pure functions, no app, no loop.

The app calls these with the session's runtime state and peer list and hands
the results down to the widgets; tests call them with plain values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from runt_tui.client import PeerInfo, RuntimeState
from runt_tui.env.describe import env_label
from runt_tui.tui.model import PeerMark
from runt_tui.tui.widgets.status import StatusInfo

# A cell's run status and who asked for it, by cell id.
CellStatuses = dict[str, tuple[str, str]]
PeerMarks = dict[str, tuple[PeerMark, ...]]
Peers = Sequence[PeerInfo]


@dataclass(frozen=True)
class Local:
    """This terminal's own state that the status bar shows beside the session's."""

    mode: str = "command"
    follow: str | None = None
    kernel_wanted: str = ""
    detail: str = ""  # vi's mode while editing with vi keys, VIEW for a read-only viewer
    message: str = ""  # where the notebook search is


def kernel_state(runtime: RuntimeState) -> tuple[str, str, int]:
    """(name, status, queue length) from a runtime snapshot."""
    kernel = runtime.kernel
    return kernel.name or "", kernel.status or "none", len(runtime.queue)


def cell_statuses(runtime: RuntimeState) -> CellStatuses:
    """Queued / running cells (with who asked), and cells whose last run failed or was cancelled."""
    out: CellStatuses = {}
    for cell_id, ex in runtime.executions.items():
        if ex.status in ("error", "cancelled"):
            out[cell_id] = (ex.status, "")
    for item in runtime.queue:
        if item.cell:
            out[item.cell] = (item.status or "queued", item.requester.name)
    return out


def requester_colours(runtime: RuntimeState) -> dict[str, str]:
    """The colour of whoever queued or runs each cell (the cells pane draws `[…]` / `[*]` in it)."""
    return {item.cell: item.requester.colour for item in runtime.queue if item.cell and item.requester.colour}


def last_started(runtime: RuntimeState) -> str | None:
    """The cell whose execution started last (a quick cell may run between two runtime events)."""
    started = [(ex.started_at, cell_id) for cell_id, ex in runtime.executions.items() if ex.started_at is not None]
    latest = max(started, default=None)
    return latest[1] if latest is not None else None


def peer_marks(peers: Peers, me: str | None) -> PeerMarks:
    """The other peers on each cell, with their cursor when they are editing it."""
    marks: dict[str, list[PeerMark]] = {}
    for peer in peers:
        if peer.peer_id == me or not peer.cell:
            continue
        editing = peer.mode == "edit"
        mark = PeerMark(
            peer_id=peer.peer_id, name=peer.name or "peer", colour=peer.colour or "#888888",
            cursor=peer.cursor if isinstance(peer.cursor, int) and editing else None, editing=editing,
        )
        marks.setdefault(peer.cell, []).append(mark)
    return {k: tuple(v) for k, v in marks.items()}


def changed_keys(new: Mapping[str, object], old: Mapping[str, object]) -> set[str]:
    """The keys whose value differs between two mappings (added and removed ones included)."""
    return {k for k in set(new) | set(old) if new.get(k) != old.get(k)}


def other_peer_names(peers: Peers, me: str | None) -> list[str]:
    """The names of the other peers, in the session's order."""
    return [p.name for p in peers if p.peer_id != me]


def status_info(
    runtime: RuntimeState, peers: Peers, me: tuple[str | None, str, str],
    connection: str, path: str, local: Local,
) -> StatusInfo:
    """The status bar's content; `me` is this peer's (id, name, colour)."""
    name, status, queue = kernel_state(runtime)
    others = tuple(((p.name or "peer") + (" (viewer)" if p.kind == "viewer" else ""), p.colour)
                   for p in peers if p.peer_id != me[0])
    return StatusInfo(
        kernel_name=name or local.kernel_wanted, kernel_status=status, queue=queue,
        save=runtime.save.state or "saved",
        file=runtime.file.state or "ok",
        connection=connection, mode=local.mode, follow=local.follow,
        peers=others, me=(me[1], me[2]), title=path.rsplit("/", 1)[-1],
        detail=local.detail, message=local.message,
        env=env_label(runtime.env.to_json()),
    )


def follow_target(follow: str | None, runtime: RuntimeState, peers: Peers, me: str | None) -> str | None:
    """The cell to keep in view: the running one (follow == ""), a named peer's, or None."""
    if follow is None:
        return None
    if follow == "":
        for item in runtime.queue:
            if item.status == "running":
                return item.cell
        return None
    for peer in peers:
        if peer.name == follow and peer.peer_id != me:
            return peer.cell or None
    return None


def next_follow(follow: str | None, names: list[str]) -> str | None:
    """The peer to follow after `follow` when cycling through `names` (None after the last)."""
    i = names.index(follow) + 1 if follow in names else 0
    return names[i] if i < len(names) else None


@dataclass(frozen=True)
class RuntimeNotice:
    """A toast the app shows when the runtime state changes for the worse."""

    message: str
    title: str
    severity: Literal["error", "warning"]


def runtime_notices(old: RuntimeState, new: RuntimeState) -> list[RuntimeNotice]:
    """What to tell the user about a runtime change: the kernel died, a save failed, the file went bad."""
    out: list[RuntimeNotice] = []
    _, old_kernel, _ = kernel_state(old)
    name, kernel, _ = kernel_state(new)
    if kernel == "dead" and old_kernel != "dead":
        error = new.kernel.exception or "the kernel died"
        out.append(RuntimeNotice(f"{name or 'kernel'}: {error}", "Kernel died", "error"))
    save, old_save = new.save, old.save
    if save.state in ("error", "read-only") and save != old_save:
        out.append(RuntimeNotice(save.message or save.state, "Save", "error"))
    file_state, old_file = new.file, old.file
    if file_state.state in ("deleted", "invalid") and file_state != old_file:
        out.append(RuntimeNotice(file_state.message or file_state.state, "File", "warning"))
    return out
