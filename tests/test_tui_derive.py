"""The app's pure derivations from the session's model: statuses, peer marks, status bar, follow."""

from __future__ import annotations

from typing import Any

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

RUNTIME: dict[str, Any] = {
    "kernel": {"name": "python3", "status": "busy"},
    "queue": [
        {"cell": "c2", "status": "running", "requester": {"name": "bob"}},
        {"cell": "c3", "requester": {"name": "ann"}},
        "not a dict",
    ],
    "executions": {"c1": {"status": "error"}, "c4": {"status": "done"}, "c5": "junk"},
    "save": {"state": "unsaved"},
}
PEERS: list[dict[str, Any]] = [
    {"peer_id": "me", "name": "ann", "colour": "#111111", "cell": "c1", "mode": "edit", "cursor": 3},
    {"peer_id": "p2", "name": "bob", "colour": "#222222", "cell": "c2", "mode": "edit", "cursor": 5},
    {"peer_id": "p3", "name": "cy", "cell": "c2", "mode": "command", "cursor": 7},
    {"peer_id": "p4", "name": "dee"},
]


def test_cell_statuses_from_queue_and_executions() -> None:
    assert cell_statuses(RUNTIME) == {"c1": ("error", ""), "c2": ("running", "bob"), "c3": ("queued", "ann")}
    assert cell_statuses({}) == {}
    assert cell_statuses({"queue": None, "executions": []}) == {}


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
    assert kernel_state(RUNTIME) == ("python3", "busy", 3)
    assert kernel_state({}) == ("", "none", 0)


def test_status_info() -> None:
    info = status_info(RUNTIME, PEERS, ("me", "ann", "#111111"), "connected", "/tmp/dir/nb.ipynb",
                       Local(mode="edit", follow="bob", kernel_wanted="other"))
    assert (info.kernel_name, info.kernel_status, info.queue) == ("python3", "busy", 3)
    assert (info.save, info.file, info.mode, info.follow, info.title) == ("unsaved", "ok", "edit", "bob", "nb.ipynb")
    assert info.peers == (("bob", "#222222"), ("cy", ""), ("dee", ""))
    assert info.me == ("ann", "#111111")
    empty = status_info({}, [], (None, "", ""), "connecting", "", Local(kernel_wanted="ir"))
    assert (empty.kernel_name, empty.save, empty.mode, empty.follow) == ("ir", "saved", "command", None)


def test_follow_target() -> None:
    assert follow_target(None, RUNTIME, PEERS, "me") is None
    assert follow_target("", RUNTIME, PEERS, "me") == "c2"
    assert follow_target("", {"queue": [{"cell": "c3"}]}, PEERS, "me") is None
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
    dead = {"kernel": {"name": "python3", "status": "dead", "error": "segfault"}}
    assert [(n.title, n.message, n.severity) for n in runtime_notices({}, dead)] == [
        ("Kernel died", "python3: segfault", "error")]
    assert runtime_notices(dead, dead) == []
    bad = {"save": {"state": "error", "message": "disk full"}, "file": {"state": "invalid"}}
    assert [(n.title, n.message) for n in runtime_notices({}, bad)] == [("Save", "disk full"), ("File", "invalid")]
    assert runtime_notices(bad, bad) == []
