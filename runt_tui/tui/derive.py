"""What the app shows, derived from the session's model: pure functions, no app, no loop.

The app calls these with the session's runtime state and peer list and hands
the results down to the widgets; tests call them with plain values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from runt_tui.tui.model import PeerMark
from runt_tui.tui.widgets.status import StatusInfo

# A cell's run status and who asked for it, by cell id.
CellStatuses = dict[str, tuple[str, str]]
PeerMarks = dict[str, tuple[PeerMark, ...]]
Peers = Sequence[Mapping[str, Any]]


@dataclass(frozen=True)
class Local:
    """This terminal's own state that the status bar shows beside the session's."""

    mode: str = "command"
    follow: str | None = None
    kernel_wanted: str = ""


def kernel_state(runtime: Mapping[str, Any]) -> tuple[str, str, int]:
    """(name, status, queue length) from a runtime snapshot, tolerant of missing keys."""
    kernel = runtime.get("kernel") or {}
    name = str(kernel.get("name") or "")
    status = str(kernel.get("status") or "none")
    queue = runtime.get("queue") or []
    return name, status, len(queue) if isinstance(queue, list) else 0


def cell_statuses(runtime: Mapping[str, Any]) -> CellStatuses:
    """Queued / running cells (with who asked), and cells whose last run failed or was cancelled."""
    out: CellStatuses = {}
    executions = runtime.get("executions") or {}
    if isinstance(executions, dict):
        for cell_id, ex in executions.items():
            if isinstance(ex, dict) and ex.get("status") in ("error", "cancelled"):
                out[str(cell_id)] = (str(ex["status"]), "")
    for item in runtime.get("queue") or []:
        if isinstance(item, dict) and item.get("cell"):
            who = (item.get("requester") or {}).get("name") or ""
            out[str(item["cell"])] = (str(item.get("status") or "queued"), str(who))
    return out


def peer_marks(peers: Peers, me: str | None) -> PeerMarks:
    """The other peers on each cell, with their cursor when they are editing it."""
    marks: dict[str, list[PeerMark]] = {}
    for peer in peers:
        if peer.get("peer_id") == me or not peer.get("cell"):
            continue
        cursor = peer.get("cursor")
        editing = peer.get("mode") == "edit"
        mark = PeerMark(
            peer_id=str(peer.get("peer_id")), name=str(peer.get("name") or "peer"),
            colour=str(peer.get("colour") or "#888888"),
            cursor=cursor if isinstance(cursor, int) and editing else None, editing=editing,
        )
        marks.setdefault(str(peer["cell"]), []).append(mark)
    return {k: tuple(v) for k, v in marks.items()}


def changed_keys(new: Mapping[str, object], old: Mapping[str, object]) -> set[str]:
    """The keys whose value differs between two mappings (added and removed ones included)."""
    return {k for k in set(new) | set(old) if new.get(k) != old.get(k)}


def other_peer_names(peers: Peers, me: str | None) -> list[str]:
    """The names of the other peers, in the session's order."""
    return [str(p.get("name")) for p in peers if p.get("peer_id") != me]


def status_info(
    runtime: Mapping[str, Any], peers: Peers, me: tuple[str | None, str, str],
    connection: str, path: str, local: Local,
) -> StatusInfo:
    """The status bar's content; `me` is this peer's (id, name, colour)."""
    name, status, queue = kernel_state(runtime)
    others = tuple(
        (str(p.get("name") or "peer"), str(p.get("colour") or ""))
        for p in peers if p.get("peer_id") != me[0]
    )
    return StatusInfo(
        kernel_name=name or local.kernel_wanted, kernel_status=status, queue=queue,
        save=str((runtime.get("save") or {}).get("state") or "saved"),
        file=str((runtime.get("file") or {}).get("state") or "ok"),
        connection=connection, mode=local.mode, follow=local.follow,
        peers=others, me=(me[1], me[2]), title=path.rsplit("/", 1)[-1],
    )


def follow_target(follow: str | None, runtime: Mapping[str, Any], peers: Peers, me: str | None) -> str | None:
    """The cell to keep in view: the running one (follow == ""), a named peer's, or None."""
    if follow is None:
        return None
    if follow == "":
        for item in runtime.get("queue") or []:
            if isinstance(item, dict) and item.get("status") == "running":
                return str(item.get("cell"))
        return None
    for peer in peers:
        if peer.get("name") == follow and peer.get("peer_id") != me:
            cell = peer.get("cell")
            return str(cell) if cell else None
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


def runtime_notices(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[RuntimeNotice]:
    """What to tell the user about a runtime change: the kernel died, a save failed, the file went bad."""
    out: list[RuntimeNotice] = []
    _, old_kernel, _ = kernel_state(old)
    name, kernel, _ = kernel_state(new)
    if kernel == "dead" and old_kernel != "dead":
        info = new.get("kernel") or {}
        error = info.get("exception") or info.get("error") or "the kernel died"
        out.append(RuntimeNotice(f"{name or 'kernel'}: {error}", "Kernel died", "error"))
    save, old_save = new.get("save") or {}, old.get("save") or {}
    if save.get("state") in ("error", "read-only") and save != old_save:
        out.append(RuntimeNotice(str(save.get("message") or save.get("state")), "Save", "error"))
    file_state, old_file = new.get("file") or {}, old.get("file") or {}
    if file_state.get("state") in ("deleted", "invalid") and file_state != old_file:
        out.append(RuntimeNotice(str(file_state.get("message") or file_state.get("state")), "File", "warning"))
    return out
