"""The document schema: key names, the cell view, and the small errors of the doc layer.

Root:  schema_version, epoch, nbformat, nbformat_minor, metadata{key: json},
       extra{key: json} (unknown top-level keys), cells{id: cell},
       stamps{cell:actor: token}, authors{actor hex: json {name, t}} (authors.py).
Cell:  id, cell_type, position (fractional index), source (str), text (Text,
       optional), lines (list of str, optional), metadata{key: json},
       attachments (json, optional), extra{key: json} (optional: absent when empty), execution_count
       (int|null), outputs [json str], rev, orev.
A cell's source is `lines` joined when it exists, else `text`, else the plain
string `source`. Loading a notebook writes plain strings: an Automerge Text
costs one op per character, which made building, loading and syncing a big
notebook slow. The daemon alone turns a cell's source into `text` when someone
first edits it ("prepares" it), because two replicas creating `text`
concurrently would conflict and one side's typing would be lost. Documents of
schema 1 keep `source` as a Text, which is read and edited in place.

Large sources. A Text keeps every character ever inserted as an operation of
about 540 bytes of memory (30 cells of 96 KB took a daemon to 1.25 GB), so a
source longer than TEXT_LIMIT code points is kept as `lines` instead: a list of
line chunks (see source.py), 10-25 bytes per character, merged line by line.
It gets there three ways: the daemon prepares a cell over the limit as
`lines`; a write into a Text that inserts more than BULK_INSERT code points at
once (a paste, a script's set_source, a change on disk) and leaves it over the
limit switches it; and a client writing more than the limit into a cell that
is still a plain string creates `lines` itself (no prepare needed). Typing
alone never switches a Text, so nobody's editor changes under their fingers,
and a cell never goes back to Text. The price: concurrent edits of the *same
line* of a large cell keep one side's version of that line (last writer wins)
where a Text would interleave them; edits on different lines merge as usual;
and edits typed into a cell's Text by someone else at the very moment another
replica switches it are lost, as are edits into one of two `lines` created at
once (Automerge keeps one of two objects put under one key).
`rev` and `orev` are random tokens rewritten by every change to the cell's
client-written fields and daemon-written fields respectively, so change
detection compares two small values per cell instead of whole cells.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

SCHEMA_VERSION = 2
# Sources longer than this (code points) are stored as line chunks, not Text (see above).
TEXT_LIMIT = 10_000
# A write inserting more than this many code points may switch a source to line chunks.
BULK_INSERT = 1_000
CELL_TYPES = ("code", "markdown", "raw")
# A stored output with this key continues the stream output before it: long
# streams are stored in chunks so that appending rewrites only the last chunk.
CONT_KEY = "runt_cont"


class DocError(Exception):
    """A document operation cannot be done (unknown cell, bad argument, corrupt bytes)."""


class NotPreparedError(DocError):
    """A replica cannot edit a cell's source until the daemon has prepared it (see module doc)."""


def is_panic(e: BaseException) -> bool:
    """True for a Rust panic inside Automerge (pyo3's PanicException, a BaseException)."""
    return type(e).__name__ == "PanicException"


def dumps(value: Any) -> str:
    """Serialize a JSON value compactly, keeping key order and non-ASCII text."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def map_key(key: str) -> str:
    """Encode a JSON object key for an Automerge map, which refuses the empty key."""
    return "~" + key if key == "" or key.startswith("~") else key


def unmap_key(key: str) -> str:
    """Decode a key written by map_key."""
    return key[1:] if key.startswith("~") else key


@dataclass(frozen=True)
class CellView:
    """A read-only snapshot of one cell."""

    id: str
    cell_type: str
    source: str
    position: str
    metadata: dict[str, Any] = field(default_factory=dict)
    execution_count: int | None = None
    outputs_json: tuple[str, ...] = ()
    attachments: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    rev: str = ""
    orev: str = ""

    @cached_property
    def outputs(self) -> list[dict[str, Any]]:
        """The outputs as dicts, stream chunks joined (blob references not resolved)."""
        out: list[dict[str, Any]] = []
        parts: list[str] | None = None
        for raw in self.outputs_json:
            try:
                value = json.loads(raw)
            except ValueError:
                value = {"output_type": "stream", "name": "stderr", "text": "<corrupt output>"}
            if not isinstance(value, dict):
                value = {"output_type": "unknown"}
            if value.get(CONT_KEY) and parts is not None and out[-1].get("name") == value.get("name"):
                parts.append(str(value.get("text", "")))
                continue
            if parts is not None and len(parts) > 1:
                out[-1]["text"] = "".join(parts)
            out.append(value)
            is_stream = value.get("output_type") == "stream" and isinstance(value.get("text"), str)
            parts = [value["text"]] if is_stream else None
        if parts is not None and len(parts) > 1:
            out[-1]["text"] = "".join(parts)
        return out


@dataclass(frozen=True)
class DocDelta:
    """What changed between two versions of a document."""

    structure: bool = False
    metadata: bool = False
    added: frozenset[str] = frozenset()
    removed: frozenset[str] = frozenset()
    content: frozenset[str] = frozenset()
    outputs: frozenset[str] = frozenset()

    @property
    def empty(self) -> bool:
        """True when nothing changed."""
        return not (self.structure or self.metadata or self.content or self.outputs)
