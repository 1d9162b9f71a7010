"""Highlighted tokens carried across one small edit inside one line, without lexing again.

An approximation, drawn only until the exact highlighting follows (see
syntax_lines.py): the edited text takes the style of the token it extends, so
typing inside or at the end of a word is usually already exact.
"""

from __future__ import annotations

from rich.style import Style

from runt_tui.doc import text_edits

Token = tuple[str, Style | None]
MAX_CHANGE = 32  # characters removed plus inserted: beyond that, lex again


def _wordy(text: str) -> bool:
    return bool(text) and all(ch.isalnum() or ch == "_" for ch in text)


def _cut(tokens: list[Token], start: int, end: int) -> tuple[list[Token], list[Token]]:
    """The tokens of the text before `start` and of the text from `end` on (tokens cut at both)."""
    head: list[Token] = []
    foot: list[Token] = []
    at = 0
    for text, style in tokens:
        lo, hi = at, at + len(text)
        at = hi
        if lo < start:
            head.append((text[: start - lo], style))
        if hi > end:
            foot.append((text[max(0, end - lo) :], style))
    return head, foot


def joined(tokens: list[Token]) -> list[Token]:
    """Adjacent tokens of one style as one token (as the lexer gives a word)."""
    out: list[Token] = []
    for text, style in tokens:
        if out and out[-1][1] == style:
            out[-1] = (out[-1][0] + text, style)
        elif text:
            out.append((text, style))
    return out


def splice_tokens(before: str, tokens: list[Token], after: str) -> list[Token] | None:
    """`tokens` of `before`, turned into tokens of `after`; None unless one small edit within a line does it."""
    edits = text_edits(before, after)
    if not edits:
        return tokens
    if len(edits) > 1 or edits[0].delete + len(edits[0].insert) > MAX_CHANGE:
        return None
    start, end, inserted = edits[0].pos, edits[0].pos + edits[0].delete, edits[0].insert
    if "\n" in before[start:end] or "\n" in inserted:
        return None
    head, foot = _cut(tokens, start, end)
    left = before[start - 1] if start > 0 else "\n"
    right = before[end] if end < len(before) else "\n"
    # The edit takes the style of the word it extends, else of what is before it on its line.
    if right != "\n" and (left == "\n" or (_wordy(inserted) and _wordy(right) and not _wordy(left))):
        style = foot[0][1]
    elif left != "\n":
        style = head[-1][1]
    else:
        style = None
    # Only the pieces of one token cut by the edit, and the edit, are joined again.
    middle = joined([*head[-1:], (inserted, style), *foot[:1]])
    return [*head[:-1], *middle, *foot[1:]]
