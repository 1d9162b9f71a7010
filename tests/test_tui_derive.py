"""The app's pure derivations from the session's model: statuses, peer marks, status bar, follow."""

from __future__ import annotations

from runt_tui.client import (
    ExecutionSummary,
    FileState,
    KernelState,
    PeerInfo,
    QueueEntry,
    Requester,
    RuntimeState,
    SaveState,
)
from runt_tui.tui.derive import (
    Local,
    cell_statuses,
    changed_keys,
    follow_target,
    kernel_state,
    next_follow,
    other_peer_names,
    peer_marks,
    runtime_notices,
    status_info,
)
from runt_tui.tui.model import PeerMark

ANN, BOB = Requester("p1", "ann"), Requester("p2", "bob")
RUNTIME = RuntimeState(
    kernel=KernelState(status="busy", name="python3"),
    queue=[QueueEntry("e2", 2, "c2", "running", BOB), QueueEntry("e3", 3, "c3", "", ANN)],
    executions={
        "c1": ExecutionSummary("e1", "c1", "error", ANN, 0.0),
        "c4": ExecutionSummary("e4", "c4", "done", ANN, 0.0),
    },
    save=SaveState("unsaved"),
)
PEERS = [
    PeerInfo("me", "ann", "#111111", cell="c1", mode="edit", cursor=3),
    PeerInfo("p2", "bob", "#222222", cell="c2", mode="edit", cursor=5),
    PeerInfo("p3", "cy", "", cell="c2", mode="command", cursor=7),
    PeerInfo("p4", "dee", ""),
]


def test_cell_statuses_from_queue_and_executions() -> None:
    assert cell_statuses(RUNTIME) == {"c1": ("error", ""), "c2": ("running", "bob"), "c3": ("queued", "ann")}
    assert cell_statuses(RuntimeState()) == {}


def test_peer_marks_skip_me_and_show_cursors_only_while_editing() -> None:
    marks = peer_marks(PEERS, "me")
    assert list(marks) == ["c2"]
    assert marks["c2"] == (
        PeerMark("p2", "bob", "#222222", cursor=5, editing=True),
        PeerMark("p3", "cy", "#888888", cursor=None, editing=False),
    )


def test_changed_keys() -> None:
    assert changed_keys({"a": 1, "b": 2}, {"b": 3, "c": 4}) == {"a", "b", "c"}
    assert changed_keys({"a": 1}, {"a": 1}) == set()


def test_kernel_state_tolerates_missing_keys() -> None:
    assert kernel_state(RUNTIME) == ("python3", "busy", 2)
    assert kernel_state(RuntimeState()) == ("", "none", 0)


def test_status_info() -> None:
    info = status_info(RUNTIME, PEERS, ("me", "ann", "#111111"), "connected", "/tmp/dir/nb.ipynb",
                       Local(mode="edit", follow="bob", kernel_wanted="other"))
    assert (info.kernel_name, info.kernel_status, info.queue) == ("python3", "busy", 2)
    assert (info.save, info.file, info.mode, info.follow, info.title) == ("unsaved", "ok", "edit", "bob", "nb.ipynb")
    assert info.peers == (("bob", "#222222"), ("cy", ""), ("dee", ""))
    assert info.me == ("ann", "#111111")
    empty = status_info(RuntimeState(), [], (None, "", ""), "connecting", "", Local(kernel_wanted="ir"))
    assert (empty.kernel_name, empty.save, empty.mode, empty.follow) == ("ir", "saved", "command", None)


def test_follow_target() -> None:
    assert follow_target(None, RUNTIME, PEERS, "me") is None
    assert follow_target("", RUNTIME, PEERS, "me") == "c2"
    assert follow_target("", RuntimeState(queue=[QueueEntry("e3", 3, "c3", "queued", ANN)]), PEERS, "me") is None
    assert follow_target("bob", RUNTIME, PEERS, "me") == "c2"
    assert follow_target("ann", RUNTIME, PEERS, "me") is None  # that is me
    assert follow_target("dee", RUNTIME, PEERS, "me") is None  # on no cell


def test_next_follow_cycles_through_the_others_then_stops() -> None:
    names = other_peer_names(PEERS, "me")
    assert names == ["bob", "cy", "dee"]
    assert next_follow(None, names) == "bob"
    assert next_follow("", names) == "bob"
    assert next_follow("bob", names) == "cy"
    assert next_follow("dee", names) is None


def test_runtime_notices_only_for_changes_for_the_worse() -> None:
    dead = RuntimeState(kernel=KernelState(status="dead", name="python3", exception="segfault"))
    assert [(n.title, n.message, n.severity) for n in runtime_notices(RuntimeState(), dead)] == [
        ("Kernel died", "python3: segfault", "error")]
    assert runtime_notices(dead, dead) == []
    bad = RuntimeState(save=SaveState("error", "disk full"), file=FileState("invalid"))
    assert [(n.title, n.message) for n in runtime_notices(RuntimeState(), bad)] == [
        ("Save", "disk full"), ("File", "invalid")]
    assert runtime_notices(bad, bad) == []
