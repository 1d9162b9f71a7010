"""Pure helpers for the agent's edits: find-and-replace as minimal splices, cell positions."""

from __future__ import annotations

import re

from runt_tui.agent.tool_errors import AgentError

Splice = tuple[int, int, str]


def _trimmed(pos: int, old: str, new: str) -> Splice | None:
    """The one splice turning `old` (at `pos`) into `new`, without their common ends."""
    n = min(len(old), len(new))
    head = 0
    while head < n and old[head] == new[head]:
        head += 1
    tail = 0
    while tail < n - head and old[len(old) - 1 - tail] == new[len(new) - 1 - tail]:
        tail += 1
    delete = len(old) - head - tail
    insert = new[head : len(new) - tail]
    if delete == 0 and not insert:
        return None
    return (pos + head, delete, insert)


def replace_splices(source: str, old: str, new: str, regex: bool = False, replace_all: bool = False) -> list[Splice]:
    """The splices that replace `old` (exact text, or a regex with \\1-style groups in `new`) by `new`.

    Without `replace_all` the text must match exactly once, so that an agent's edit
    never lands on an occurrence it did not mean. Only the matched ranges are touched
    (and within them only what differs), so typing elsewhere in the cell is kept.
    """
    if not old:
        raise AgentError("'old' is empty: give the text (or regex) to replace")
    if regex:
        try:
            pattern = re.compile(old, re.MULTILINE)
        except re.error as e:
            raise AgentError(f"bad regex {old!r}: {e}") from None
    else:
        pattern = re.compile(re.escape(old))
    matches = list(pattern.finditer(source))
    if not matches:
        raise AgentError(f"{'the regex' if regex else 'the text'} {old!r} does not occur in the cell")
    if len(matches) > 1 and not replace_all:
        raise AgentError(f"{old!r} occurs {len(matches)} times in the cell: give more context, or replace_all=true")
    splices = []
    for m in matches:
        try:
            replacement = m.expand(new) if regex else new
        except (re.error, IndexError) as e:
            raise AgentError(f"bad replacement {new!r}: {e}") from None
        s = _trimmed(m.start(), m.group(0), replacement)
        if s is not None:
            splices.append(s)
    return splices


def end_of_splices(splices: list[Splice]) -> int | None:
    """Where the cursor is after applying the splices (new coordinates), for presence."""
    if not splices:
        return None
    shift = sum(len(ins) - delete for _, delete, ins in splices[:-1])
    pos, _, ins = splices[-1]
    return pos + shift + len(ins)


def insert_index(order: list[str], after: str | None, at_top: bool) -> int:
    """The index a new cell gets: after `after`, at the top, or (neither) at the end."""
    if at_top:
        if after is not None:
            raise AgentError("give after_cell_id or at_top, not both")
        return 0
    if after is None:
        return len(order)
    if after not in order:
        raise AgentError(f"no cell {after!r} in this notebook (cells: {short_list(order)})")
    return order.index(after) + 1


def move_index(order: list[str], cell_id: str, index: int | None, after: str | None) -> int:
    """The target index of a moved cell in the order without it."""
    rest = [c for c in order if c != cell_id]
    if (index is None) == (after is None):
        raise AgentError("give exactly one of index or after_cell_id ('' after means the top)")
    if after is not None:
        if after == "":
            return 0
        if after == cell_id or after not in rest:
            raise AgentError(f"no other cell {after!r} in this notebook (cells: {short_list(order)})")
        return rest.index(after) + 1
    assert index is not None
    if not 0 <= index <= len(rest):
        raise AgentError(f"index {index} is out of range: 0..{len(rest)}")
    return index


def short_list(ids: list[str], limit: int = 12) -> str:
    """Some cell ids for an error message."""
    shown = ", ".join(ids[:limit])
    return shown + (f", … {len(ids) - limit} more" if len(ids) > limit else "") if ids else "none"
