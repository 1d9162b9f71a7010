"""merge_runtime: runtime events carry changed executions only; the client keeps the rest."""

from __future__ import annotations

from runt_tui.client.runtime import merge_runtime


def test_changes_merge_and_none_removes() -> None:
    old = {"version": 1, "queue": [], "executions": {"a": {"status": "done"}, "b": {"status": "error"}}}
    new = merge_runtime(old, {"version": 2, "queue": [{"cell": "c"}], "executions_changed": {"c": {"status": "queued"}, "b": None}})
    assert new == {"version": 2, "queue": [{"cell": "c"}], "executions": {"a": {"status": "done"}, "c": {"status": "queued"}}}
    assert old["executions"] == {"a": {"status": "done"}, "b": {"status": "error"}}  # untouched


def test_whole_state_replaces_and_missing_base_starts_empty() -> None:
    assert merge_runtime({"executions": {"a": {}}}, {"version": 3, "executions": {"z": {}}}) == {"version": 3, "executions": {"z": {}}}
    assert merge_runtime({}, {"executions_changed": {"a": {"status": "running"}}}) == {"executions": {"a": {"status": "running"}}}
