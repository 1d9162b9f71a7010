"""Writing a cell's source into its CRDT representations: Text, or a list of line chunks.

Text (one element per code point) merges concurrent typing character by
character but costs ~540 bytes of daemon memory per character ever inserted;
a chunk list (one string element per line, long lines cut every CHUNK_MAX
code points) costs one element per line (~25 bytes per character) and merges
concurrent edits line by line. schema.py says which cells get which.

Automerge's insert walks over every deleted element next to the insertion
point, so a replacement inserts the new elements before deleting the old ones:
deleting first left a run of tombstones in front of every insert, and a
40k-character replacement took 36 s instead of 0.5 s.
"""

from __future__ import annotations

import bisect

from automerge.core import ScalarType, Transaction

from runt_tui.doc.reader import stable_id
from runt_tui.doc.textdiff import Edit, apply_edits

# A chunk list's elements hold at most this many code points (one line, or part of one).
CHUNK_MAX = 1_000

# One edit as character ids (the same in every replica, see reader.stable_id): the
# element before it (None at the start), the elements it inserted, those it deleted.
EditIds = tuple[bytes | None, list[bytes], list[bytes]]


def apply_text_edits(tx: Transaction, obj: bytes, edits: list[Edit]) -> None:
    """Apply edits (ascending, old coordinates) to a Text object, one code point per insert."""
    for e in reversed(edits):
        for i, ch in enumerate(e.insert):
            tx.insert(obj, e.pos + i, ScalarType.Str, ch)
        at = e.pos + len(e.insert)
        for _ in range(e.delete):
            tx.delete(obj, at)


def insert_text(tx: Transaction, obj: bytes, text: str) -> None:
    """Fill an empty Text object with `text`, one code point per insert."""
    for i, ch in enumerate(text):
        tx.insert(obj, i, ScalarType.Str, ch)


def _element_id(tx: Transaction, obj: bytes, index: int) -> bytes:
    got = tx.get(obj, index)
    assert got is not None
    return stable_id(got[1])


def splice_text_steps(tx: Transaction, obj: bytes, edits: list[Edit]) -> list[EditIds]:
    """Apply edits one after the other (each in the coordinates the previous left) to a
    Text object; return what each touched, by character ids (for undo by identity)."""
    out: list[EditIds] = []
    for e in edits:
        before = _element_id(tx, obj, e.pos - 1) if e.pos > 0 else None
        deleted = [_element_id(tx, obj, e.pos + i) for i in range(e.delete)]
        ids = []
        for i, ch in enumerate(e.insert):
            tx.insert(obj, e.pos + i, ScalarType.Str, ch)
            ids.append(_element_id(tx, obj, e.pos + i))
        at = e.pos + len(e.insert)
        for _ in range(e.delete):
            tx.delete(obj, at)
        out.append((before, ids, deleted))
    return out


def chunk_text(text: str) -> list[str]:
    """Cut text into lines (with their newline), and long lines into CHUNK_MAX pieces."""
    out: list[str] = []
    for line in text.splitlines(keepends=True):
        if len(line) <= CHUNK_MAX:
            out.append(line)
        else:
            out.extend(line[i : i + CHUNK_MAX] for i in range(0, len(line), CHUNK_MAX))
    return out


def fill_chunks(tx: Transaction, obj: bytes, text: str) -> None:
    """Fill an empty list object with the chunks of `text`."""
    for i, chunk in enumerate(chunk_text(text)):
        tx.insert(obj, i, ScalarType.Str, chunk)


def chunk_regions(chunks: list[str], edits: list[Edit]) -> list[tuple[int, int, str]]:
    """Which chunks the edits touch and what they become: (first, end, new text), descending.

    An edit touches the chunks its deleted range overlaps, or for an insertion the chunk
    it lands in (the last one at the very end); edits touching a common chunk are grouped.
    """
    starts = [0]
    for c in chunks:
        starts.append(starts[-1] + len(c))
    groups: list[tuple[int, int, list[Edit]]] = []
    for e in edits:
        first = min(bisect.bisect_right(starts, e.pos) - 1, max(len(chunks) - 1, 0))
        end = max(first + 1, bisect.bisect_left(starts, e.pos + e.delete)) if e.delete else first + 1
        end = min(end, len(chunks)) if chunks else 0
        if groups and first < groups[-1][1]:
            prev = groups[-1]
            groups[-1] = (prev[0], max(prev[1], end), [*prev[2], e])
        else:
            groups.append((first, end, [e]))
    out = []
    for first, end, group in reversed(groups):
        lo = starts[first] if chunks else 0
        text = "".join(chunks[first:end])
        out.append((first, end, apply_edits(text, [Edit(e.pos - lo, e.delete, e.insert) for e in group])))
    return out


def apply_chunk_edits(tx: Transaction, obj: bytes, chunks: list[str], edits: list[Edit]) -> int:
    """Apply text edits (ascending, old coordinates) to a chunk list holding `chunks`;
    return how many elements were written. Unchanged chunks are never touched."""
    written = 0
    for first, end, text in chunk_regions(chunks, edits):
        old = chunks[first:end]
        new = chunk_text(text)
        # Keep the chunks both ends share; put in place, then insert before deleting.
        p = 0
        while p < len(old) and p < len(new) and old[p] == new[p]:
            p += 1
        s = 0
        while s < len(old) - p and s < len(new) - p and old[-1 - s] == new[-1 - s]:
            s += 1
        old_mid, new_mid = old[p : len(old) - s], new[p : len(new) - s]
        at = first + p
        common = min(len(old_mid), len(new_mid))
        for k in range(common):
            tx.put(obj, at + k, ScalarType.Str, new_mid[k])
        for k in range(common, len(new_mid)):
            tx.insert(obj, at + k, ScalarType.Str, new_mid[k])
        for _ in range(len(old_mid) - common):
            tx.delete(obj, at + len(new_mid))
        written += max(len(old_mid), len(new_mid))
    return written
