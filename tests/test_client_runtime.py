"""merge_runtime: runtime events carry changed executions only; the client keeps the rest."""

from __future__ import annotations

from runt_tui.client.runtime_view import merge_runtime


def test_changes_merge_and_none_removes() -> None:
    old = {"version": 1, "queue": [], "executions": {"a": {"status": "done"}, "b": {"status": "error"}}}
    new = merge_runtime(old, {"version": 2, "queue": [{"cell": "c"}], "executions_changed": {"c": {"status": "queued"}, "b": None}})
    assert new == {"version": 2, "queue": [{"cell": "c"}], "executions": {"a": {"status": "done"}, "c": {"status": "queued"}}}
    assert old["executions"] == {"a": {"status": "done"}, "b": {"status": "error"}}  # untouched


def test_whole_state_replaces_and_missing_base_starts_empty() -> None:
    assert merge_runtime({"executions": {"a": {}}}, {"version": 3, "executions": {"z": {}}}) == {"version": 3, "executions": {"z": {}}}
    assert merge_runtime({}, {"executions_changed": {"a": {"status": "running"}}}) == {"executions": {"a": {"status": "running"}}}


def test_queue_changes_keep_queue_order() -> None:
    def entry(n: int, status: str = "queued") -> dict[str, object]:
        return {"exec_id": f"x{n}", "seq": n, "cell": f"c{n}", "status": status}

    old = {"queue": [entry(1, "running"), entry(2), entry(3)]}
    # x1 finished, x2 started, x4 and x5 queued (given out of order): the list stays in queue order.
    new = merge_runtime(old, {"queue_changed": {"x1": None, "x2": entry(2, "running"), "x5": entry(5), "x4": entry(4)}})
    assert new["queue"] == [entry(2, "running"), entry(3), entry(4), entry(5)]
    assert old["queue"] == [entry(1, "running"), entry(2), entry(3)]  # untouched
    assert merge_runtime({}, {"queue_changed": {"x7": entry(7)}})["queue"] == [entry(7)]
    assert merge_runtime(new, {"queue": []})["queue"] == []  # a whole queue replaces
