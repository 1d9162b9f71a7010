"""The runtime state a client holds: the daemon's `runtime` events applied to the typed state.

The shapes and their decoding are protocol/runtime.py's; `AsyncSession.state`
is the result, and `AsyncSession.runtime` its JSON form for scripts.
"""

from __future__ import annotations

from runt_tui.protocol.jsontypes import JSONDict
from runt_tui.protocol.runtime import RuntimeState, RuntimeUpdate, merge_json_parts


def next_state(state: RuntimeState, update: RuntimeUpdate) -> RuntimeState:
    """The state after a runtime event; one older than the state (by version) changes nothing."""
    return state.apply(update) if update.version >= state.version else state


def merge_runtime(old: JSONDict, event_state: JSONDict) -> JSONDict:
    """The same merge on the JSON form: the event's parts replace ours, `<name>_changed` maps are merged.

    A `<name>_changed` entry whose value is None removes that key from `<name>`.
    `queue` stays a list in queue order: its changes are keyed by `exec_id` and
    its entries ordered by `seq`. The old state is not modified (listeners may
    still hold it).
    """
    return merge_json_parts(old, event_state)
