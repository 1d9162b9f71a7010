"""Minimal text edits between two strings, in code points (Python str indices).

Automerge Text must receive one code point per insert, so every writer of cell
source goes through these edits: a short edit for typing, and a line-then-char
diff for large replacements (disk merges, pastes) so that concurrent edits
elsewhere in the text survive.
"""

from __future__ import annotations

import difflib
from typing import NamedTuple

# Above this many characters on both sides, refine a replacement with difflib.
_REFINE_MIN = 64


class Edit(NamedTuple):
    """Delete `delete` code points at `pos` (old coordinates), then insert `insert`."""

    pos: int
    delete: int
    insert: str


def _common_prefix(a: str, b: str) -> int:
    n = min(len(a), len(b))
    lo, hi = 0, n
    # Binary search on slices is far faster than a per-character Python loop.
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[:mid] == b[:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _common_suffix(a: str, b: str, limit: int) -> int:
    lo, hi = 0, limit
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[len(a) - mid :] == b[len(b) - mid :]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _trimmed(old: str, new: str, base: int) -> list[Edit]:
    p = _common_prefix(old, new)
    s = _common_suffix(old, new, min(len(old), len(new)) - p)
    old_mid = old[p : len(old) - s]
    new_mid = new[p : len(new) - s]
    if not old_mid and not new_mid:
        return []
    if len(old_mid) >= _REFINE_MIN and len(new_mid) >= _REFINE_MIN:
        return _line_diff(old_mid, new_mid, base + p)
    return [Edit(base + p, len(old_mid), new_mid)]


def _line_diff(old: str, new: str, base: int, fine: bool = False) -> list[Edit]:
    """Edits by lines; within a replaced block the lines' shared start and end are kept,
    or with `fine` the block is diffed again by characters (when small enough)."""
    old_lines = old.splitlines(keepends=True)
    new_lines = new.splitlines(keepends=True)
    if not fine and len(old_lines) < 2 and len(new_lines) < 2:
        return [Edit(base, len(old), new)]
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    offsets = [0]
    for line in old_lines:
        offsets.append(offsets[-1] + len(line))
    edits: list[Edit] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        old_part = old[offsets[i1] : offsets[i2]]
        new_part = "".join(new_lines[j1:j2])
        at = base + offsets[i1]
        if tag == "replace" and fine and len(old_part) + len(new_part) <= _FINE_MAX:
            edits.extend(_char_diff(old_part, new_part, at))
        elif tag == "replace":
            # Within a replaced block, keep the characters the lines share.
            p = _common_prefix(old_part, new_part)
            s = _common_suffix(old_part, new_part, min(len(old_part), len(new_part)) - p)
            edits.append(Edit(at + p, len(old_part) - p - s, new_part[p : len(new_part) - s]))
        else:
            edits.append(Edit(at, len(old_part), new_part))
    return edits


# Character-level diffing is quadratic: beyond this, a replaced block is kept whole.
_FINE_MAX = 4000


def _char_diff(old: str, new: str, base: int) -> list[Edit]:
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    return [Edit(base + i1, i2 - i1, new[j1:j2]) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"]


def text_edits(old: str, new: str) -> list[Edit]:
    """Return ascending, non-overlapping edits turning `old` into `new`."""
    if old == new:
        return []
    return _trimmed(old, new, 0)


def fine_edits(old: str, new: str) -> list[Edit]:
    """Edits by lines, then by characters within changed lines: for three-way merges, where
    each side's edits must touch only what that side changed."""
    if old == new:
        return []
    return _line_diff(old, new, 0, fine=True)


def apply_edits(text: str, edits: list[Edit]) -> str:
    """Apply edits (old coordinates, ascending) to a string; the pure mirror of the CRDT path."""
    out: list[str] = []
    cursor = 0
    for e in edits:
        out.append(text[cursor : e.pos])
        out.append(e.insert)
        cursor = e.pos + e.delete
    out.append(text[cursor:])
    return "".join(out)
