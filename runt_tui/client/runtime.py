"""Merging the daemon's runtime events into the state a client holds."""

from __future__ import annotations

from typing import Any

_SUFFIX = "_changed"


def merge_runtime(old: dict[str, Any], event_state: dict[str, Any]) -> dict[str, Any]:
    """The new runtime state: the event's parts replace ours, `<name>_changed` maps are merged.

    A `<name>_changed` entry whose value is None removes that key from `<name>`.
    The old state is not modified (listeners may still hold it).
    """
    new: dict[str, Any] = {}
    for key, value in event_state.items():
        if key.endswith(_SUFFIX) and isinstance(value, dict):
            name = key[: -len(_SUFFIX)]
            base = old.get(name)
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
