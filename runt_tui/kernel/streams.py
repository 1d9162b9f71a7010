"""Incremental carriage-return and backspace handling for one stream output."""

from __future__ import annotations

import re

# Splits an unterminated line into plain runs, single carriage returns and runs
# of backspaces; capturing groups keep the separators in the result.
_SPECIAL = re.compile(r"(\r|\x08+)")

CR = "\r"
BS = "\x08"


# Carriage returns match nbclient's coalesce_streams (the regex
# `.*\r(?=[^\n])` over the whole text): "\r" followed by more text on the
# same line drops the line so far, and "\r" right before "\n" (or at the very
# end) is kept. A backspace removes the previous character of its line (the
# classic notebook's `[^\n]\x08` rule; nbclient 0.11 never applies its own,
# whose `\b` is a regex word boundary inside a loop that never runs), except
# that it cannot reach back through a "\r" already overwritten, and one with
# nothing to erase is dropped, as a terminal does at column 0.


class StreamText:
    """The text of one stream output, with carriage returns and backspaces applied."""

    __slots__ = ("_done", "_line")

    def __init__(self, text: str = "") -> None:
        # Completed lines (each piece ends with "\n") are never touched again,
        # so they live in a list that is only joined when somebody reads the
        # text; the open line is a list of pieces so that appending is O(chunk)
        # and a progress bar that never prints "\n" does not go quadratic.
        # Invariant: pieces never contain "\n"; "\r" only ever appears as a
        # piece of its own, and only as the last piece (a pending return).
        self._done: list[str] = []
        self._line: list[str] = []
        if text:
            self.feed(text)

    def feed(self, text: str) -> None:
        """Append one chunk of stream text."""
        if not text:
            return
        if CR not in text and BS not in text and not self._pending_cr():
            # Fast path for ordinary output: nothing to rewrite.
            nl = text.rfind("\n")
            if nl < 0:
                self._line.append(text)
                return
            head = "".join(self._line) if self._line else ""
            self._done.append(head + text[: nl + 1])
            rest = text[nl + 1 :]
            self._line = [rest] if rest else []
            return
        segments = text.split("\n")
        self._feed_line(segments[0])
        for seg in segments[1:]:
            self._done.append("".join(self._line) + "\n")
            self._line = []
            self._feed_line(seg)

    def value(self) -> str:
        """Return the processed text so far."""
        if len(self._done) > 1:
            # Collapse so repeated reads only pay for what arrived since.
            self._done = ["".join(self._done)]
        done = self._done[0] if self._done else ""
        if not self._line:
            return done
        return done + "".join(self._line)

    def __len__(self) -> int:
        return sum(map(len, self._done)) + sum(map(len, self._line))

    def _pending_cr(self) -> bool:
        return bool(self._line) and self._line[-1] == CR

    def _feed_line(self, seg: str) -> None:
        # `seg` holds no "\n": it extends the open line.
        if not seg:
            return
        if CR not in seg and BS not in seg:
            self._append_text(seg)
            return
        for tok in _SPECIAL.split(seg):
            if not tok:
                continue
            if tok[0] == BS:
                self._backspace(len(tok))
            elif tok == CR:
                self._append_text(CR)
            else:
                self._append_text(tok)

    def _append_text(self, tok: str) -> None:
        if self._pending_cr():
            # "\r" followed by anything but "\n" returns to the line start.
            self._line = []
        self._line.append(tok)

    def _backspace(self, count: int) -> None:
        line = self._line
        while count and line:
            last = line[-1]
            if len(last) <= count:
                count -= len(last)
                line.pop()
            else:
                line[-1] = last[:-count]
                count = 0
        # Backspaces with nothing left to erase on the line are dropped, as a
        # terminal ignores them at column 0 (the regex form keeps some of them
        # depending on how they pair up, which no display can mean).
