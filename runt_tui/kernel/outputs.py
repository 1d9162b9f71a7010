"""A cell's nbformat outputs built from kernel messages, with nbclient's semantics."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from runt_tui.kernel.nbout import output_from_msg
from runt_tui.kernel.streams import StreamText

log = logging.getLogger(__name__)

JSONDict = dict[str, Any]

# Message types whose content becomes a stored output through nbformat.
_RICH = frozenset({"display_data", "execute_result"})


@dataclass(frozen=True)
class ErrorSummary:
    """The exception a cell raised."""

    ename: str
    evalue: str
    traceback: tuple[str, ...]


@dataclass(frozen=True)
class OutputDelta:
    """What changed in one accumulator since the last `take_delta`."""

    # The output list now has `length` entries: truncate or extend to it, then
    # rewrite the entries at `changed` (sorted, all < length). A clear shows up
    # as a smaller length; nothing outside `changed` below `length` moved.
    length: int
    changed: tuple[int, ...]
    execution_count: int | None
    status: str | None


class _Stream:
    """One stream output under construction."""

    __slots__ = ("name", "text")

    def __init__(self, name: str, text: str) -> None:
        self.name = name
        self.text = StreamText(text)

    def as_output(self) -> JSONDict:
        return {"output_type": "stream", "name": self.name, "text": self.text.value()}


class DisplayIdIndex:
    """Where each display id appears: display_id -> [(cell_id, output_index)]."""

    # One index is shared by every accumulator of a notebook, because
    # update_display_data must rewrite a display wherever it was shown, also
    # in cells that finished long ago. It keeps the accumulator that owns each
    # such cell so an update can rewrite that cell's outputs and mark it dirty.

    def __init__(self) -> None:
        self._where: dict[str, dict[str, list[int]]] = {}
        self._ids_of_cell: dict[str, set[str]] = {}
        self._owners: dict[str, OutputAccumulator] = {}

    def locations(self, display_id: str) -> list[tuple[str, int]]:
        """Return every (cell_id, output_index) showing `display_id`."""
        cells = self._where.get(display_id, {})
        return [(cell_id, i) for cell_id, idxs in cells.items() for i in idxs]

    def accumulator(self, cell_id: str) -> OutputAccumulator | None:
        """Return the accumulator currently owning `cell_id`'s outputs, if any."""
        return self._owners.get(cell_id)

    def forget_cell(self, cell_id: str) -> None:
        """Drop a cell (deleted, cleared or re-executed) from the index."""
        self._clear_cell(cell_id)
        self._owners.pop(cell_id, None)

    def _claim(self, acc: OutputAccumulator) -> None:
        # A new execution of a cell replaces its outputs: the old locations
        # would point into a list that no longer exists.
        self.forget_cell(acc.cell_id)
        self._owners[acc.cell_id] = acc

    def _owns(self, acc: OutputAccumulator) -> bool:
        return self._owners.get(acc.cell_id) is acc

    def _add(self, display_id: str, acc: OutputAccumulator, index: int) -> None:
        if not self._owns(acc):
            return  # a superseded execution: its outputs are gone from the cell
        self._where.setdefault(display_id, {}).setdefault(acc.cell_id, []).append(index)
        self._ids_of_cell.setdefault(acc.cell_id, set()).add(display_id)

    def _clear_cell(self, cell_id: str) -> None:
        for display_id in self._ids_of_cell.pop(cell_id, ()):
            cells = self._where.get(display_id)
            if cells is not None:
                cells.pop(cell_id, None)
                if not cells:
                    del self._where[display_id]

    def _update(self, display_id: str, data: JSONDict, metadata: JSONDict) -> set[str]:
        changed: set[str] = set()
        for cell_id, idxs in self._where.get(display_id, {}).items():
            owner = self._owners.get(cell_id)
            if owner is None:
                continue
            for i in idxs:
                owner._replace_display(i, data, metadata)
            changed.add(cell_id)
        return changed


class OutputAccumulator:
    """The nbformat outputs, execution count and status of one execution of one cell."""

    # Feed it every iopub message routed to the execution (and the shell
    # execute_reply) with `handle`; read outputs with `outputs`/`output`; poll
    # `take_delta`/`take_dirty` on a timer so a flood of messages becomes a
    # few document writes. Streams merge only with the output right before
    # them (what a live view shows): nbclient's end-of-cell pass also merges
    # same-name streams across other outputs and swaps stderr-before-stdout.

    def __init__(self, cell_id: str = "", index: DisplayIdIndex | None = None) -> None:
        self.cell_id = cell_id
        # Without a shared index, display ids still work within this cell.
        self._index = index if index is not None else DisplayIdIndex()
        self._index._claim(self)
        self._outputs: list[_Stream | JSONDict] = []
        self._clear_pending = False
        self._changed: set[int] = set()
        self._dirty = False
        self.execution_count: int | None = None
        self.status: str | None = None
        self.error: ErrorSummary | None = None
        self.reply: JSONDict | None = None

    # -- reading ---------------------------------------------------------

    @property
    def done(self) -> bool:
        """Whether the ``execute_reply`` has been seen."""
        return self.reply is not None

    def __len__(self) -> int:
        return len(self._outputs)

    def output(self, index: int) -> JSONDict:
        """Return output `index` as an nbformat v4 dict (do not mutate it)."""
        entry = self._outputs[index]
        return entry.as_output() if isinstance(entry, _Stream) else entry

    def outputs(self) -> list[JSONDict]:
        """Return all outputs as nbformat v4 dicts (do not mutate them)."""
        return [self.output(i) for i in range(len(self._outputs))]

    def take_delta(self) -> OutputDelta | None:
        """Return what changed since the last call, or None if nothing did."""
        if not self._dirty:
            return None
        n = len(self._outputs)
        delta = OutputDelta(
            length=n,
            changed=tuple(sorted(i for i in self._changed if i < n)),
            execution_count=self.execution_count,
            status=self.status,
        )
        self._changed.clear()
        self._dirty = False
        return delta

    def take_dirty(self) -> bool:
        """Return whether anything changed since the last call, and reset."""
        return self.take_delta() is not None

    # -- writing ---------------------------------------------------------

    def clear(self) -> None:
        """Remove every output now (as ``clear_output(wait=False)`` does)."""
        self._clear_pending = False
        self._outputs.clear()
        self._changed.clear()
        self._index._clear_cell(self.cell_id)
        self._dirty = True

    def handle(self, msg: Mapping[str, Any]) -> set[str]:
        """Apply one kernel message; return the ids of the cells it changed."""
        msg_type = msg.get("msg_type") or msg["header"]["msg_type"]
        content: Mapping[str, Any] = msg.get("content") or {}
        if msg_type == "stream":
            self._stream(content)
        elif msg_type in _RICH:
            return self._rich(msg_type, content)
        elif msg_type == "update_display_data":
            display_id = _display_id(content)
            if display_id is None:
                return set()
            return self._index._update(
                display_id, content.get("data") or {}, content.get("metadata") or {}
            )
        elif msg_type == "error":
            self._error(content)
        elif msg_type == "clear_output":
            if content.get("wait"):
                # Deferred to the next output so animations do not flicker.
                self._clear_pending = True
                return set()
            self.clear()
        elif msg_type == "execute_input":
            if not self._set_count(content):
                return set()
        elif msg_type == "execute_reply":
            self._reply(content)
        else:
            return set()  # status, comms, input requests, unknown types
        return {self.cell_id}

    def _stream(self, content: Mapping[str, Any]) -> None:
        self._flush_clear()
        name = content.get("name", "stdout")
        text = content.get("text", "")
        outs = self._outputs
        last = outs[-1] if outs else None
        # Merge into the previous output when it is the same stream, so a
        # print loop makes one output (nbformat would reject one per chunk).
        if isinstance(last, _Stream) and last.name == name:
            last.text.feed(text)
            self._changed.add(len(outs) - 1)
        else:
            outs.append(_Stream(name, text))
            self._changed.add(len(outs) - 1)
        self._dirty = True

    def _rich(self, msg_type: str, content: Mapping[str, Any]) -> set[str]:
        changed: set[str] = set()
        display_id = _display_id(content)
        if display_id is not None:
            # A new display with a known id also refreshes the old ones.
            changed = self._index._update(
                display_id, content.get("data") or {}, content.get("metadata") or {}
            )
        normal = dict(content)
        normal.setdefault("metadata", {})
        normal.setdefault("data", {})
        if msg_type == "execute_result":
            normal.setdefault("execution_count", None)
            self._set_count(normal)
        out = _build(msg_type, normal)
        if out is None:
            return changed
        self._flush_clear()
        if display_id is not None:
            self._index._add(display_id, self, len(self._outputs))
        self._append(out)
        changed.add(self.cell_id)
        return changed

    def _error(self, content: Mapping[str, Any]) -> None:
        normal = {
            "ename": str(content.get("ename", "")),
            "evalue": str(content.get("evalue", "")),
            "traceback": [str(line) for line in content.get("traceback") or []],
        }
        out = _build("error", normal)
        self.error = _summary(normal)
        if out is not None:
            self._flush_clear()
            self._append(out)
        self._dirty = True

    def _reply(self, content: Mapping[str, Any]) -> None:
        self.reply = dict(content)
        self.status = str(content.get("status", "ok"))
        self._set_count(content)
        if self.status == "error" and self.error is None:
            self.error = _summary(content)
        self._dirty = True

    def _set_count(self, content: Mapping[str, Any]) -> bool:
        count = content.get("execution_count")
        if not isinstance(count, int) or count == self.execution_count:
            return False
        self.execution_count = count
        self._dirty = True
        return True

    def _append(self, out: JSONDict) -> None:
        self._outputs.append(out)
        self._changed.add(len(self._outputs) - 1)
        self._dirty = True

    def _flush_clear(self) -> None:
        if self._clear_pending:
            self.clear()

    def _replace_display(self, index: int, data: JSONDict, metadata: JSONDict) -> None:
        entry = self._outputs[index]
        if isinstance(entry, _Stream):
            return  # cannot happen through the index; be defensive
        # Same as nbclient: only data and metadata change, never the type or
        # an execute_result's count; the dict is replaced, not mutated,
        # because callers may still hold the previous one.
        new = dict(entry)
        new["data"] = data
        new["metadata"] = metadata
        self._outputs[index] = new
        self._changed.add(index)
        self._dirty = True


def _display_id(content: Mapping[str, Any]) -> str | None:
    # `transient` may be missing or explicitly None.
    transient = content.get("transient")
    if not transient:
        return None
    display_id = transient.get("display_id")
    return str(display_id) if display_id else None


def _build(msg_type: str, content: Mapping[str, Any]) -> JSONDict | None:
    # An output the nbformat schema rejects would make the saved notebook
    # invalid, so it is dropped (and logged).
    try:
        out: JSONDict = output_from_msg(msg_type, content)
    except Exception as exc:
        log.warning("dropping invalid %s output: %s", msg_type, exc)
        return None
    return out


def _summary(content: Mapping[str, Any]) -> ErrorSummary:
    return ErrorSummary(
        ename=str(content.get("ename", "")),
        evalue=str(content.get("evalue", "")),
        traceback=tuple(str(line) for line in content.get("traceback") or []),
    )
