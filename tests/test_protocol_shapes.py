"""The message shapes of protocol/runtime.py and protocol/payloads.py: encode and decode, pure.

Every shape survives a round trip through JSON text; the runtime state follows
its events (changes merged, removals, queue order, parts it does not know);
and a malformed payload is an InvalidPayload naming the bad field, never
another exception.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from runt_tui.client import AsyncSession
from runt_tui.client.runtime_view import next_state
from runt_tui.protocol import InvalidPayload
from runt_tui.protocol.codec import Payload, decode, encode
from runt_tui.protocol.payloads import (
    EVENTS,
    BlobReply,
    DaemonStatus,
    DaemonStopping,
    EpochEvent,
    ErrorEvent,
    HeadsReply,
    InputPromptEvent,
    InputRequestEvent,
    JoinReply,
    KernelAnswer,
    KernelReply,
    KernelspecsReply,
    NoticeEvent,
    PeerInfo,
    Presence,
    PresenceEvent,
    QueueCleared,
    RoomStatus,
    RuntimeEvent,
    SaveResult,
    decode_event,
    event_header,
)
from runt_tui.protocol.runtime import (
    CancelledEntry,
    EnvProgress,
    EnvState,
    ExecError,
    ExecutionSummary,
    FileState,
    FinishedExecution,
    HistoryEntry,
    InputRequest,
    KernelEnv,
    KernelInfo,
    KernelState,
    PersistState,
    QueueEntry,
    Requester,
    RuntimeState,
    RuntimeUpdate,
    SaveState,
    decode_runtime,
    decode_update,
)

ALICE = Requester("p1", "alice")
FAILED = ExecError("ZeroDivisionError", "division by zero", ["Traceback", "  1 / 0"])


def summary(cell: str, status: str = "done", n: int = 1) -> ExecutionSummary:
    return ExecutionSummary(f"x{n}", cell, status, ALICE, 1.5, 2.0, 3.25, n, FAILED if status == "error" else None)


def entry(n: int, status: str = "queued") -> QueueEntry:
    return QueueEntry(f"x{n}", n, f"c{n}", status, ALICE)


KERNEL = KernelState("busy", "python3", None, 4242, InputRequest("c1", "name? ", False, "x1", ALICE))
STATE = RuntimeState(
    version=7,
    save=SaveState("error", "disk full"),
    file=FileState("ok", merged_at=12.5),
    path="/tmp/a.ipynb",
    persist=PersistState("error", "cannot persist"),
    kernel=KERNEL,
    queue=[entry(1, "running"), entry(2)],
    executions={"c0": summary("c0", "error"), "c1": summary("c1", "running", 2)},
)
PEER = PeerInfo("p1", "alice", "#e06c75", "tui", 100.0, "c1", [3, 4], "edit", 7)
HISTORY = HistoryEntry("x1", "c1", "error", ALICE, 3, 0.25, 9.5)
CANCELLED = CancelledEntry("x2", "c2", ALICE, Requester("p2", "bob", "#61afef"), "interrupted", 10.0)

SHAPES: list[Payload] = [
    ALICE, FAILED, entry(3), summary("c9"), summary("c9", "error"),
    FinishedExecution("x1", "c1", "done", ALICE, 1.0, heads=["ab" * 32]),
    KERNEL, KernelState(), SaveState(), SaveState("paused", "why"), FileState("deleted", "gone"), PersistState(),
    STATE, RuntimeState(), RuntimeUpdate(version=3, queue_changed={"x1": None, "x2": entry(2)}, executions_changed={"c": None}),
    Presence(), Presence("c1", 3, "edit", [1, 2]), PEER, PeerInfo("p2", "bob", "#fff"),
    JoinReply("room", "p1", "#fff", "epoch", "/a.ipynb", None, STATE, [PEER], 2.5),
    SaveResult(True, bytes=10, path="/a.ipynb", explicit=True), SaveResult(False, reason="unchanged"),
    HeadsReply(["cd" * 32]), KernelReply(KERNEL), KernelspecsReply({"python3": {"display_name": "Python 3"}}),
    KernelAnswer({"matches": ["a", "b"], "cursor_start": 0, "metadata": {"x": [1, None, {"y": 2.5}]}}),
    BlobReply("ef" * 32, 3),
    DaemonStatus(True, 1, "0.1.0", "/s", "/h", 1.0, 2, {"autosave": True}, [
        RoomStatus("k", None, "scratch", 3, [PEER], SaveState(), FileState(), KernelState()),
    ]),
    RuntimeEvent(RuntimeUpdate(version=1)), PresenceEvent([PEER]), NoticeEvent("info", "merged"),
    InputRequestEvent("c1", "?", True, "x1", ALICE), InputPromptEvent("c1", "?", False, "x1", ALICE),
    EpochEvent("e2"), DaemonStopping("runt-tui daemon stop"), ErrorEvent("NOT_JOINED", "sync for unknown room"),
    # The kernel pane's parts (daemon/queue_log.py).
    Requester("p2", "bob", "#61afef"), HISTORY, CANCELLED, KernelInfo("Python 3", "python", "/v", "ipc", 1.0, 2048, 3.5),
    KernelInfo(), QueueCleared(3), Presence("c1", None, "command", follow="p2"),
    PeerInfo("p2", "bob", "#fff", follow="", active_at=99.5),
    RuntimeState(kernel_info=KernelInfo(rss=1), history={"x1": HISTORY}, cancelled={"x2": CANCELLED},
                 kernel_log={"0": "warning", "1": "more"}),
    RuntimeUpdate(history_changed={"x1": HISTORY, "x0": None}, cancelled_changed={"x2": CANCELLED},
                  kernel_log_changed={"5": "line", "0": None}),
    EnvState(), EnvState("building", None, EnvProgress("downloading", "numpy", 12, 3, ["Resolved 12 packages"])),
    EnvState("ready", KernelEnv("k1", "inline", "/envs/k1", "/envs/k1/bin/python", "3.11.7", ["six"], 1.0),
             approved_by="bob"),
    RuntimeUpdate(version=4, env=EnvState("awaiting_approval")),
]


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: type(s).__name__)
def test_every_shape_survives_a_round_trip_through_json_text(shape: Payload) -> None:
    text = json.dumps(shape.to_json(), allow_nan=False)
    assert decode(type(shape), json.loads(text)) == shape


def test_the_wire_form_is_the_one_clients_and_tests_read() -> None:
    # Unset optional fields are left out rather than sent as null, as the daemon always did.
    assert SaveState().to_json() == {"state": "saved"}
    assert FileState("ok", merged_at=1.0).to_json() == {"state": "ok", "merged_at": 1.0}
    assert Presence("c1").to_json() == {"cell": "c1"}
    assert KernelState().to_json() == {"status": "none", "name": None, "exception": None, "pid": None, "input": None}
    assert summary("c0", "error").to_json()["exception"] == {
        "ename": "ZeroDivisionError", "evalue": "division by zero", "traceback": ["Traceback", "  1 / 0"],
    }
    header = event_header(NoticeEvent("error", "Kernel died: x"), "room-key")
    assert header == {"type": "notice", "room": "room-key", "level": "error", "message": "Kernel died: x"}
    assert isinstance(decode_event(header), NoticeEvent)
    assert set(EVENTS) >= {"runtime", "presence", "notice", "input_request", "input_prompt", "epoch", "error"}


def test_runtime_events_merge_changes_remove_entries_and_keep_queue_order() -> None:
    state = decode_runtime(STATE.to_json())
    update = decode_update({
        "version": 8,
        "kernel": {"status": "idle", "name": "python3", "exception": None, "pid": 4242, "input": None},
        # x1 finished, x2 started, x4 and x3 queued (given out of order).
        "queue_changed": {"x1": None, "x2": entry(2, "running").to_json(), "x4": entry(4).to_json(),
                          "x3": entry(3).to_json()},
        "executions_changed": {"c1": summary("c1", "done", 2).to_json(), "c0": None},
    })
    new = next_state(state, update)
    assert [e.exec_id for e in new.queue] == ["x2", "x3", "x4"] and new.queue[0].status == "running"
    assert new.executions == {"c1": summary("c1", "done", 2)}
    assert new.kernel.status == "idle" and new.kernel.input is None and new.version == 8
    # The old state is untouched (listeners may hold it), and an older event changes nothing.
    assert state == STATE
    assert next_state(new, RuntimeUpdate(version=2)) is new
    # An update without changes for a part leaves it; a whole part replaces.
    assert next_state(new, RuntimeUpdate(version=9)).executions == new.executions


def test_parts_a_side_does_not_know_are_kept_and_merged_as_json() -> None:
    # A newer daemon's part (say, widget models) reaches an older client intact.
    state = decode_runtime({**RuntimeState().to_json(), "widgets": {"w1": {"value": 1}}})
    assert state.extra == {"widgets": {"w1": {"value": 1}}}
    assert state.to_json()["widgets"] == {"w1": {"value": 1}}
    update = decode_update({"version": 1, "widgets_changed": {"w2": {"value": 2}, "w1": None}})
    assert next_state(state, update).extra == {"widgets": {"w2": {"value": 2}}}


GARBAGE: list[Any] = [None, 0, -1, 1.5, True, "", "x", [], [1, "a", None], {}, {"a": [1]}, {"status": 3}]


def _bad_variants(shape: Payload) -> list[tuple[str, Any]]:
    """The shape's JSON with one field at a time set to each garbage value."""
    good = shape.to_json()
    return [(name, {**good, name: bad}) for name in good for bad in GARBAGE]


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: type(s).__name__)
def test_garbage_in_any_field_is_an_invalid_payload_never_a_crash(shape: Payload) -> None:
    cls = type(shape)
    for field, value in _bad_variants(shape):
        try:
            decoded = decode(cls, value)
        except InvalidPayload as e:
            assert field in str(e)  # the message names the field
        else:
            assert dataclasses.is_dataclass(decoded) and isinstance(decoded, cls)
    for not_an_object in GARBAGE[:9]:
        with pytest.raises(InvalidPayload, match="must be an object"):
            decode(cls, not_an_object)


def test_the_error_names_the_path_to_the_bad_value() -> None:
    bad = STATE.to_json()
    bad["kernel"] = {**KERNEL.to_json(), "pid": "4242"}
    with pytest.raises(InvalidPayload, match=r"^runtime\.kernel\.pid must be an integer$"):
        decode_runtime(bad)
    bad = STATE.to_json()
    bad["executions"] = {"c0": {**summary("c0").to_json(), "requester": {"peer_id": "p"}}}
    with pytest.raises(InvalidPayload, match=r"^runtime\.executions\['c0'\]\.requester\.name is missing$"):
        decode_runtime(bad)
    with pytest.raises(InvalidPayload, match=r"queue_changed\['x1'\]\.seq must be an integer"):
        decode_update({"queue_changed": {"x1": {**entry(1).to_json(), "seq": True}}})
    with pytest.raises(InvalidPayload, match="needs a string 'type'"):
        decode_event({"type": 3})
    assert decode_event({"type": "from-a-newer-daemon", "x": 1}) is None


def test_a_malformed_event_from_the_daemon_leaves_the_session_as_it_was() -> None:
    session = AsyncSession(notebook_id="offline", home="/nonexistent")
    seen: list[dict[str, Any]] = []
    session.event_listeners.append(seen.append)
    session._set_state(STATE)  # as the join reply sets it
    session._on_event({"type": "runtime", "state": {"version": 8, "kernel": KernelState("idle").to_json()}}, b"")
    assert session.state.kernel.status == "idle" and session.runtime["kernel"]["status"] == "idle"
    assert session.state.queue == STATE.queue and session.runtime["version"] == 8
    before = session.state
    for bad in ({"type": "runtime", "state": {"version": "8"}}, {"type": "runtime"}, {"type": "presence", "peers": 3}):
        session._on_event(bad, b"")
    assert session.state is before and len(seen) == 1
    # An ERROR frame (no type: a complaint about the connection) still reaches the listeners.
    session._on_event({"code": "BAD_REQUEST", "message": "unexpected frame kind"}, b"")
    assert seen[-1] == {"code": "BAD_REQUEST", "message": "unexpected frame kind"} and session.state is before
    session._on_event({"type": "presence", "peers": [PEER.to_json()]}, b"")
    assert session.peer_list == [PEER] and session.peers() == [PEER.to_json()]


def test_encode_refuses_what_is_not_json() -> None:
    with pytest.raises(TypeError):
        encode({"a": object()})
    assert encode([ALICE, None, {"k": (1, 2)}]) == [{"peer_id": "p1", "name": "alice"}, None, {"k": [1, 2]}]


def test_kernel_pane_parts_merge_by_key() -> None:
    state = RuntimeState(history={"x0": HISTORY}, kernel_log={"0": "a"})
    after = state.apply(decode_update(RuntimeUpdate(
        history_changed={"x1": HISTORY, "x0": None}, cancelled_changed={"x2": CANCELLED},
        kernel_log_changed={"1": "b"}, kernel_info=KernelInfo(cpu=5.0),
    ).to_json()))
    assert set(after.history) == {"x1"} and after.cancelled["x2"].by.name == "bob"
    assert after.kernel_log == {"0": "a", "1": "b"} and after.kernel_info.cpu == 5.0
