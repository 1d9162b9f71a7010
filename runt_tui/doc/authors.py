"""Who wrote a change and about when: the document's `authors` map.

Automerge changes carry an actor id but, from these bindings, neither a time
nor a message. So each writer that knows its name keeps one entry in the root
`authors` map, keyed by its actor id: `{"name": ..., "t": unix seconds}`,
refreshed inside its next transaction once the last refresh is `REFRESH`
seconds old. Read at a change's own heads, that entry names the change's author
and dates it to within `REFRESH` seconds (timeline.py), at the cost of one map
write per writer per `REFRESH` seconds. Only the daemon creates the map (with
the document); in a document made before it existed nobody signs.
"""

from __future__ import annotations

import json
import time
from typing import Any

from automerge.core import ROOT, Document, ScalarType, Transaction

AUTHORS_KEY = "authors"
# How the daemon signs: outputs, execution counts, prepared sources, merges of disk changes.
DAEMON_AUTHOR = "runt-tui daemon"
REFRESH = 20.0


def needs_signature(signed_at: float | None, now: float) -> bool:
    """True when a writer's entry is missing or older than REFRESH seconds."""
    return signed_at is None or now - signed_at >= REFRESH or now < signed_at


def sign(tx: Transaction, authors: bytes, actor: str, name: str, now: float) -> None:
    """Write this writer's entry (inside the transaction it dates)."""
    tx.put(authors, actor, ScalarType.Str, json.dumps({"name": name, "t": int(now)}))


def authors_obj(doc: Document, heads: list[bytes] | None = None) -> bytes | None:
    """The authors map's object id (None in documents made before it existed)."""
    got = doc.get(ROOT, AUTHORS_KEY, heads)
    return None if got is None else got[1]


def entry_at(doc: Document, authors: bytes, actor: str, heads: list[bytes]) -> tuple[str | None, float | None]:
    """(name, time) of an actor's entry as it read at `heads` (None for what is unknown)."""
    got = doc.get(authors, actor, heads)
    if got is None:
        return None, None
    value: Any = got[0]
    raw = value[1] if isinstance(value, tuple) and len(value) == 2 else None
    try:
        data = json.loads(raw) if isinstance(raw, str) else None
    except ValueError:
        data = None
    if not isinstance(data, dict):
        return None, None
    name = data.get("name")
    t = data.get("t")
    return (name if isinstance(name, str) else None,
            float(t) if isinstance(t, int | float) and not isinstance(t, bool) else None)


def now() -> float:
    """The wall clock (a function so callers read it once per transaction)."""
    return time.time()
