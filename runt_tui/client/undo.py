"""Undo and redo of this terminal's own edits to one cell, by the identity of characters.

Each step remembers the Automerge ids of the characters it inserted and of the
one before it (read when the step reaches the document). Undoing deletes those
characters wherever they are now, even split up or shifted by other people's
typing, and puts back what the step removed where the step's text was (or after
its left neighbour). Only a step whose characters someone else already deleted
is skipped. Characters put back by an undo get new ids; the history maps the old
ids to the new ones, so earlier steps still find them.

Where the document has no per-character ids (a cell stored as line chunks, or
typing not yet written to the document) a step falls back to its position,
shifted through remote edits, and is skipped if its text changed under it.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field, replace

from runt_tui.doc import Edit

GROUP_SECONDS = 1.0

# What the document reports for one applied edit: the id before it (None at the
# start), the ids of the characters it inserted, and of those it deleted.
EditIds = tuple[bytes | None, list[bytes], list[bytes]]


@dataclass
class UndoStep:
    """Replacing `inserted` at `pos` by `removed` undoes the step."""

    pos: int
    removed: str
    inserted: str
    at: float
    # Local edit numbers whose ids are not known yet (see UndoHistory.resolve).
    seqs: list[int] = field(default_factory=list)
    anchor: bytes | None = None
    ids: list[bytes] | None = None
    removed_ids: list[bytes] | None = None
    # Ids of removed characters this step puts back (an undo of a deletion).
    restores: list[bytes] | None = None
    # Made by plan() (its removed ids are known whole), not by recording a keystroke.
    planned: bool = False


@dataclass
class Replay:
    """How to apply a step: edits (ascending, current coordinates), the step undoing it, the cursor."""

    edits: list[Edit]
    inverse: UndoStep
    cursor: int
    # Index into `edits` of the one inserting the inverse step's text (None: nothing inserted).
    insert_at: int | None


def _shift(step: UndoStep, edits: list[Edit]) -> UndoStep | None:
    """Move a step through remote edits (ascending, old coordinates); None if they touch it."""
    start, end = step.pos, step.pos + len(step.inserted)
    delta = 0
    for e in edits:
        e_end = e.pos + e.delete
        if e_end <= start and not (e.delete == 0 and e.pos == start and end > start):
            delta += len(e.insert) - e.delete
        elif e.pos >= end and not (e.delete == 0 and e.pos == end == start):
            break
        else:
            return None
    return replace(step, pos=step.pos + delta)


def undo_edit(step: UndoStep, text: str) -> tuple[Edit, str] | None:
    """The edit undoing `step` in `text` by position, and what it removes; None if the text moved on."""
    end = step.pos + len(step.inserted)
    if text[step.pos : end] != step.inserted:
        return None
    return Edit(step.pos, len(step.inserted), step.removed), step.inserted


class UndoHistory:
    """One cell's undo and redo stacks of this terminal's own edits."""

    def __init__(self) -> None:
        self.undo: list[UndoStep] = []
        self.redo: list[UndoStep] = []
        self._seq = itertools.count(1)
        self._resolved: dict[int, EditIds] = {}
        self._alias: dict[bytes, bytes] = {}

    def next_seq(self) -> int:
        """A number for a local edit, to match it with its ids once it is in the document."""
        return next(self._seq)

    def record(self, edit: Edit, removed: str, kind: str, seq: int | None = None) -> None:
        """Note a local edit; kind is "edit", "undo" or "redo"."""
        step = UndoStep(edit.pos, removed, edit.insert, time.monotonic(), [seq] if seq is not None else [])
        if kind == "undo":
            self.redo.append(step)
            return
        if kind == "edit":
            self.redo.clear()
            last = self.undo[-1] if self.undo else None
            if (
                last is not None
                and not removed
                and not last.removed
                and "\n" not in edit.insert
                and edit.pos == last.pos + len(last.inserted)
                and step.at - last.at < GROUP_SECONDS
                # A step followed by ids and one followed by position only never mix.
                and (seq is None) == (not last.seqs and last.ids is None)
            ):
                last.inserted += edit.insert
                last.at = step.at
                last.seqs += step.seqs
                return
        self.undo.append(step)

    def resolve(self, results: dict[int, EditIds]) -> None:
        """Learn the ids of local edits now in the document; complete the steps they make up."""
        self._resolved.update(results)
        waiting: set[int] = set()
        for step in itertools.chain(self.undo, self.redo):
            progressed = False
            while step.seqs and step.seqs[0] in self._resolved:
                anchor, inserted, deleted = self._resolved[step.seqs.pop(0)]
                if step.ids is None:
                    step.anchor, step.ids = anchor, []
                step.ids.extend(inserted)
                if not step.planned:
                    step.removed_ids = [*(step.removed_ids or []), *deleted]
                progressed = True
            waiting.update(step.seqs)
            done = progressed and not step.seqs and step.ids is not None
            if done and step.restores is not None and len(step.restores) == len(step.ids or []):
                self._alias.update(zip(step.restores, step.ids or [], strict=True))
        self._resolved = {s: r for s, r in self._resolved.items() if s in waiting}

    def transform(self, edits: list[Edit]) -> None:
        """Shift every step through edits made by someone else (identity steps are never dropped)."""
        if not edits:
            return
        self.undo = self._shifted(self.undo, edits)
        self.redo = self._shifted(self.redo, edits)

    @staticmethod
    def _shifted(steps: list[UndoStep], edits: list[Edit]) -> list[UndoStep]:
        out = []
        for step in steps:
            moved = _shift(step, edits)
            if moved is not None:
                out.append(moved)
            elif step.ids is not None:
                out.append(step)
        return out

    def _current(self, cid: bytes) -> bytes:
        seen = 0
        while cid in self._alias and seen < 1000:
            cid = self._alias[cid]
            seen += 1
        return cid

    def plan(self, step: UndoStep, text: str, ids: list[bytes] | None) -> Replay | None:
        """How to undo `step` in `text` (whose characters have `ids`); None to skip it."""
        if step.ids is None or ids is None or step.seqs:
            return self._plan_by_position(step, text)
        own = {self._current(i) for i in step.ids}
        found = [k for k, x in enumerate(ids) if x in own]
        if step.inserted and not found:
            return None  # someone else deleted every character of it
        runs: list[list[int]] = []
        for k in found:
            if runs and runs[-1][1] == k:
                runs[-1][1] = k + 1
            else:
                runs.append([k, k + 1])
        at = self._where(step, ids, text, found)
        edits = [Edit(a, b - a, step.removed if a == at else "") for a, b in runs]
        if not runs or runs[0][0] != at:
            edits.insert(0, Edit(at, 0, step.removed))
        inverse = UndoStep(
            pos=at,
            removed="".join(text[a:b] for a, b in runs),
            inserted=step.removed,
            at=time.monotonic(),
            anchor=ids[at - 1] if at > 0 else None,
            ids=[] if not step.removed else None,
            removed_ids=[ids[k] for k in found],
            restores=[self._current(i) for i in step.removed_ids] if step.removed_ids is not None else None,
            planned=True,
        )
        insert_at = next((n for n, e in enumerate(edits) if e.insert), None)
        return Replay(edits, inverse, at + len(step.removed), insert_at)

    def _where(self, step: UndoStep, ids: list[bytes], text: str, found: list[int]) -> int:
        """Where the removed text goes back: where the step's own text starts, else after its neighbour."""
        if found:
            return found[0]
        if step.anchor is None:
            return 0
        anchor = self._current(step.anchor)
        for k, x in enumerate(ids):
            if x == anchor:
                return k + 1
        return min(step.pos, len(text))

    @staticmethod
    def _plan_by_position(step: UndoStep, text: str) -> Replay | None:
        found = undo_edit(step, text)
        if found is None:
            return None
        edit, removed = found
        inverse = UndoStep(edit.pos, removed, step.removed, time.monotonic())
        return Replay([edit], inverse, edit.pos + len(step.removed), 0 if step.removed else None)
