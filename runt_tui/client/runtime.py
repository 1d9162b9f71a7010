"""Merging the daemon's runtime events into the state a client holds."""

from __future__ import annotations

from typing import Any

_SUFFIX = "_changed"


def merge_runtime(old: dict[str, Any], event_state: dict[str, Any]) -> dict[str, Any]:
    """The new runtime state: the event's parts replace ours, `<name>_changed` maps are merged.

    A `<name>_changed` entry whose value is None removes that key from `<name>`.
    `queue` stays a list in queue order: its changes are keyed by `exec_id` and
    its entries ordered by `seq`. The old state is not modified (listeners may
    still hold it).
    """
    new: dict[str, Any] = {}
    for key, value in event_state.items():
        if key.endswith(_SUFFIX) and isinstance(value, dict):
            name = key[: -len(_SUFFIX)]
            base = old.get(name)
            if name == "queue":
                new[name] = _merge_queue(base, value)
                continue
            merged = dict(base) if isinstance(base, dict) else {}
            for k, v in value.items():
                if v is None:
                    merged.pop(k, None)
                else:
                    merged[k] = v
            new[name] = merged
        else:
            new[key] = value
    return new


def _merge_queue(base: Any, changes: dict[str, Any]) -> list[dict[str, Any]]:
    entries = {str(e.get("exec_id")): e for e in base if isinstance(e, dict)} if isinstance(base, list) else {}
    for exec_id, entry in changes.items():
        if isinstance(entry, dict):
            entries[exec_id] = entry
        else:
            entries.pop(exec_id, None)
    return sorted(entries.values(), key=_seq)


def _seq(entry: dict[str, Any]) -> int:
    seq = entry.get("seq")
    return seq if isinstance(seq, int) else 0
