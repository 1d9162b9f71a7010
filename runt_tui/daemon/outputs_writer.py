"""Writing a running cell's outputs into the document incrementally.

The accumulator's outputs are logical (one stream output may hold megabytes);
the document stores them as entries, long streams split at line boundaries
into chunks of a few KiB. Appending to a stream rewrites only its last chunk,
so the document and the sync traffic grow linearly with the output, not with
the square of it.
"""

from __future__ import annotations

import json

from runt_tui.doc import NotebookDoc, externalize_output
from runt_tui.doc.blobs import BlobSink
from runt_tui.doc.schema import CONT_KEY
from runt_tui.protocol.jsontypes import JSONDict, JSONValue

CHUNK = 4096


def _dumps(value: JSONValue) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class _StreamChunks:
    """Frozen chunks of one stream output's text, reused while the text only grows at its end."""

    __slots__ = ("frozen", "frozen_len", "frozen_text", "name")

    def __init__(self, name: str) -> None:
        self.name = name
        self.frozen: list[str] = []
        self.frozen_text: list[str] = []
        self.frozen_len = 0

    def entries(self, output: JSONDict) -> list[str]:
        text = str(output.get("text", ""))
        # Outputs only change at their end; checking the last frozen piece is enough.
        if self.frozen and not text.startswith(self.frozen_text[-1], self.frozen_len - len(self.frozen_text[-1])):
            self.frozen, self.frozen_text, self.frozen_len = [], [], 0
        start = self.frozen_len
        while len(text) - start > CHUNK:
            cut = text.find("\n", start + CHUNK)
            if cut < 0 or cut + 1 >= len(text):
                break
            piece = text[start : cut + 1]
            self._freeze(output, piece)
            start = cut + 1
        tail = text[start:]
        return [*self.frozen, self._entry(output, tail, first=not self.frozen)]

    def _freeze(self, output: JSONDict, piece: str) -> None:
        self.frozen.append(self._entry(output, piece, first=not self.frozen))
        self.frozen_text.append(piece)
        self.frozen_len += len(piece)

    def _entry(self, output: JSONDict, text: str, first: bool) -> str:
        if first:
            return _dumps({**output, "text": text})
        return _dumps({"output_type": "stream", "name": self.name, "text": text, CONT_KEY: True})


class CellOutputWriter:
    """Mirror of one cell's stored entries, updated from accumulator deltas."""

    def __init__(self, doc: NotebookDoc, cell_id: str, blobs: BlobSink | None, threshold: int) -> None:
        self.doc = doc
        self.cell_id = cell_id
        self.blobs = blobs
        self.threshold = threshold
        self.phys: list[list[str]] = []
        self.streams: dict[int, _StreamChunks] = {}
        self.written: list[str] = []
        # Set by begin(): the next apply replaces every stored entry and the count.
        self.reset_pending = False
        # The count last written by this writer (False: none yet); the same
        # count again (the execute_reply repeats it) makes no change.
        self.count_written: int | bool | None = False

    def _entries(self, index: int, output: JSONDict) -> list[str]:
        if output.get("output_type") == "stream" and isinstance(output.get("text"), str):
            chunks = self.streams.get(index)
            if chunks is None or chunks.name != output.get("name"):
                chunks = self.streams[index] = _StreamChunks(str(output.get("name")))
            return chunks.entries(output)
        self.streams.pop(index, None)
        return [_dumps(externalize_output(output, self.blobs, self.threshold))]

    def apply(self, length: int, changed: dict[int, JSONDict], execution_count: int | bool | None = False) -> None:
        """Bring the stored entries in line with the logical outputs; one document change."""
        first_logical = min([length, *changed.keys()]) if changed or length < len(self.phys) else len(self.phys)
        del self.phys[length:]
        for i in [k for k in self.streams if k >= length]:
            del self.streams[i]
        while len(self.phys) < length:
            self.phys.append([])
        for i in sorted(changed):
            self.phys[i] = self._entries(i, changed[i])
        keep = sum(len(p) for p in self.phys[:first_logical])
        new_tail = [e for p in self.phys[first_logical:] for e in p]
        # Skip entries that are identical (frozen chunks are the same objects).
        old_tail = self.written[keep:]
        k = 0
        while k < len(old_tail) and k < len(new_tail) and (old_tail[k] is new_tail[k] or old_tail[k] == new_tail[k]):
            k += 1
        keep += k
        new_tail = new_tail[k:]
        if self.reset_pending:
            self.reset_pending = False
            if execution_count is False:
                execution_count = None
        elif execution_count is not False and self.count_written is not False and execution_count == self.count_written:
            execution_count = False
        if keep == len(self.written) and not new_tail and execution_count is False:
            return
        self.doc.replace_outputs_tail(self.cell_id, keep, new_tail, execution_count)
        self.written = self.written[:keep] + new_tail
        if execution_count is not False:
            self.count_written = execution_count

    def forget_streams(self) -> None:
        """The outputs were cleared: the next stream at an index is new text, not a continuation.

        The frozen chunks are only checked against the end of the text (a
        stream only grows at its end), so a clear followed by a same-length
        stream that differs early on would otherwise keep stale chunks.
        """
        self.streams.clear()

    def begin(self) -> None:
        """A new execution starts: forget the mirror; the next `apply` clears the old outputs.

        The stored entries are not touched yet (the mirror being empty makes
        the next apply replace all of them), so clearing, the new count and
        the first outputs land in one document change.
        """
        self.phys, self.streams, self.written = [], {}, []
        self.reset_pending = True
        self.count_written = False

    def reset(self) -> None:
        """Clear the cell's outputs (and count) at the start of an execution."""
        self.phys, self.streams, self.written = [], {}, []
        self.doc.replace_outputs_tail(self.cell_id, 0, [], None)
        self.count_written = None
