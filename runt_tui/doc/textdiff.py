"""Minimal text edits between two strings, in code points (Python str indices).

Automerge Text must receive one code point per insert, so every writer of cell
source goes through these edits: a short edit for typing, and a line-then-char
diff for large replacements (disk merges, pastes) so that concurrent edits
elsewhere in the text survive. The work is near linear in the text's size
(see seqdiff), and the edits' size follows the change, not the text.
"""

from __future__ import annotations

from typing import NamedTuple

from runt_tui.doc.seqdiff import diff_blocks

# Above this many characters on both sides, refine a replacement by lines.
_REFINE_MIN = 64
# A replaced block of lines is diffed by characters up to this size (fine_edits),
# beyond which its shared start and end are kept and the middle replaced.
_FINE_MAX = 20_000


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


def _trim_edit(old: str, new: str, at: int) -> list[Edit]:
    """One edit replacing `old` by `new` at `at`, keeping their shared start and end."""
    p = _common_prefix(old, new)
    s = _common_suffix(old, new, min(len(old), len(new)) - p)
    if p == len(old) == len(new):
        return []
    return [Edit(at + p, len(old) - p - s, new[p : len(new) - s])]


def _line_ids(a: list[str], b: list[str]) -> tuple[list[int], list[int]]:
    """Each line as a small int (equal lines, equal ints): cheap to compare and hash."""
    ids: dict[str, int] = {}
    return [ids.setdefault(x, len(ids)) for x in a], [ids.setdefault(x, len(ids)) for x in b]


def _line_diff(old: str, new: str, base: int, fine: bool) -> list[Edit]:
    """Edits by lines; within a replaced block of lines, by characters (`fine`) or by trimming."""
    old_lines = old.splitlines(keepends=True)
    new_lines = new.splitlines(keepends=True)
    if not fine and len(old_lines) < 2 and len(new_lines) < 2:
        return [Edit(base, len(old), new)]
    a, b = _line_ids(old_lines, new_lines)
    old_at = [0]
    for line in old_lines:
        old_at.append(old_at[-1] + len(line))
    new_at = [0]
    for line in new_lines:
        new_at.append(new_at[-1] + len(line))
    edits: list[Edit] = []
    for i1, i2, j1, j2 in diff_blocks(a, b):
        old_part = old[old_at[i1] : old_at[i2]]
        new_part = new[new_at[j1] : new_at[j2]]
        at = base + old_at[i1]
        if fine and old_part and new_part and len(old_part) + len(new_part) <= _FINE_MAX:
            edits.extend(_char_diff(old_part, new_part, at))
        else:
            edits.extend(_trim_edit(old_part, new_part, at))
    return edits


def _char_diff(old: str, new: str, base: int) -> list[Edit]:
    p = _common_prefix(old, new)
    s = _common_suffix(old, new, min(len(old), len(new)) - p)
    mid_old, mid_new = old[p : len(old) - s], new[p : len(new) - s]
    return [
        Edit(base + p + i1, i2 - i1, mid_new[j1:j2]) for i1, i2, j1, j2 in diff_blocks(mid_old, mid_new)
    ]


def text_edits(old: str, new: str) -> list[Edit]:
    """Return ascending, non-overlapping edits turning `old` into `new`."""
    if old == new:
        return []
    p = _common_prefix(old, new)
    s = _common_suffix(old, new, min(len(old), len(new)) - p)
    old_mid = old[p : len(old) - s]
    new_mid = new[p : len(new) - s]
    if len(old_mid) >= _REFINE_MIN and len(new_mid) >= _REFINE_MIN:
        return _line_diff(old_mid, new_mid, p, fine=False)
    return [Edit(p, len(old_mid), new_mid)]


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
