"""A code cell's highlighted source, drawn line by line, each line rendered once and kept.

Rich renders a `Syntax` as a whole; a keystroke changes one line of it, and
rendering all the others again is most of what another terminal spends to
show that keystroke. Lines are kept by their text and styles, so only the
changed line is rendered again.

Highlighting must run over the whole source (a quote can change every line
after it), and Pygments has no way to resume from a line. So when another
terminal's keystroke changes one line of a cell shown here, that line is first
drawn with the styles of the tokens it changed (`approximate`) and the exact
highlighting follows right after the frame is out (`settle`): the keystroke
is on screen without waiting for the lexer, and its colours are exact a moment
later, redrawn only where they differ.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable, Iterator
from functools import lru_cache
from typing import TypeVar

from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound
from rich.console import Console, ConsoleOptions
from rich.segment import Segment
from rich.style import Style
from rich.syntax import Syntax, SyntaxTheme
from rich.text import Text

from runt_tui.render.sanitize import clean_segments
from runt_tui.tui.widgets.splice_tokens import Token, joined, splice_tokens

Rows = list[list[Segment]]
K = TypeVar("K")
V = TypeVar("V")
# (row, first column, end column, style): a peer's cursor, in the source's lines and columns.
Mark = tuple[int, int, int, Style]
TAB_SIZE = 4
MAX_LINES = 4096
MAX_EXACT = 256
_LINES: OrderedDict[Hashable, Rows] = OrderedDict()
# Exact tokens by (code, language, dark), and each cell's last exact highlighting by (cell, language, dark).
_EXACT: OrderedDict[tuple[str, str, bool], list[Token]] = OrderedDict()
_LAST: OrderedDict[tuple[str, str, bool], tuple[str, list[Token]]] = OrderedDict()


def _keep(cache: OrderedDict[K, V], key: K, value: V, limit: int) -> None:
    """Put `value` in an LRU cache of at most `limit` entries."""
    cache[key] = value
    cache.move_to_end(key)
    if len(cache) > limit:
        cache.popitem(last=False)


@lru_cache(maxsize=64)
def _lexer(language: str) -> Lexer:
    """The lexer Rich's Syntax would use for `language` (plain text when unknown)."""
    try:
        return get_lexer_by_name(language, stripnl=False, ensurenl=True, tabsize=TAB_SIZE)
    except ClassNotFound:
        return get_lexer_by_name("text", stripnl=False, ensurenl=True, tabsize=TAB_SIZE)


@lru_cache(maxsize=4)
def _theme(dark: bool) -> SyntaxTheme:
    return Syntax.get_theme("monokai" if dark else "default")


def exact_tokens(code: str, language: str, dark: bool) -> list[Token]:
    """The source's tokens with their theme styles, as Rich's Syntax highlights them (kept by value)."""
    key = (code, language, dark)
    tokens = _EXACT.get(key)
    if tokens is not None:
        _EXACT.move_to_end(key)
        return tokens
    style_for = _theme(dark).get_style_for_token
    # One token per run of one style: fewer segments to draw, and an edit's approximation compares equal.
    tokens = joined([(text, style_for(kind)) for kind, text in _lexer(language).get_tokens(code)])
    _keep(_EXACT, key, tokens, MAX_EXACT)
    return tokens


class SourceCode:
    """A code cell's source as drawn outside its editor: highlighted, with peers' cursors marked.

    `cell` names whose source this is: a change to one line of the source that
    cell showed last is drawn at once from that highlighting (see the module).
    """

    def __init__(self, code: str, language: str, dark: bool, line_numbers: bool = False,
                 marks: tuple[Mark, ...] = (), cell: str | None = None) -> None:
        self.code = code
        self.language = language
        self.dark = dark
        self.line_numbers = line_numbers
        self.marks = marks
        self.cell = cell
        self.approximate = False

    def syntax(self) -> Syntax:
        """The same source as a Rich Syntax, drawn whole (with line numbers, which only it draws)."""
        syntax = Syntax(self.code, self.language, theme="monokai" if self.dark else "default",
                        background_color="default", line_numbers=self.line_numbers, word_wrap=False,
                        indent_guides=False, tab_size=TAB_SIZE)
        for row, start, end, style in self.marks:
            syntax.stylize_range(style, (row + 1, start), (row + 1, end))
        return syntax

    def settle(self) -> bool:
        """Highlight exactly if this was drawn approximately; True when it was (its rows must be drawn again)."""
        if not self.approximate:
            return False
        self.approximate = False
        self._tokens(self._processed(), exact=True)
        return True

    def _processed(self) -> str:
        code = self.code
        return (code if code.endswith("\n") else code + "\n").expandtabs(TAB_SIZE)

    def _tokens(self, code: str, exact: bool) -> list[Token]:
        key = (code, self.language, self.dark)
        cell = None if self.cell is None else (self.cell, self.language, self.dark)
        if not exact and key not in _EXACT and cell is not None and cell in _LAST:
            before, tokens = _LAST[cell]
            if before == code:
                return tokens
            spliced = splice_tokens(before, tokens, code)
            if spliced is not None:
                self.approximate = True
                return spliced
        tokens = exact_tokens(code, self.language, self.dark)
        if cell is not None:
            _keep(_LAST, cell, (code, tokens), MAX_EXACT)
        return tokens

    def highlight(self, code: str) -> Text:
        """The processed source as Text: Rich's Syntax.highlight, from tokens kept or spliced."""
        base = _theme(self.dark).get_background_style() + Style(bgcolor="default")
        text = Text(justify="default" if base.transparent_background else "left", style=base,
                    tab_size=TAB_SIZE, no_wrap=True)
        text.append_tokens(self._tokens(code, exact=False))
        text.stylize("on default")
        if self.marks:
            starts = [0, *(i + 1 for i, ch in enumerate(code) if ch == "\n"), len(code) + 1]
            for row, start, end, style in self.marks:
                if row + 1 < len(starts):
                    length = starts[row + 1] - starts[row] - 1
                    text.stylize(style, starts[row] + min(start, length), starts[row] + min(end, length))
        return text

    def lines(self, console: Console, options: ConsoleOptions) -> Rows:
        """The rows at options.max_width, padded to it, cleaned of control characters."""
        if self.line_numbers:
            return [clean_segments(line) for line in console.render_lines(self.syntax(), options, pad=True)]
        text = self.highlight(self._processed())
        if not self.code.endswith("\n"):
            text.remove_suffix("\n")
        shape = (options.max_width, options.justify, options.overflow, options.no_wrap)
        rows: Rows = []
        for line in text.split("\n", allow_blank=True):
            line.no_wrap = True  # split() drops it: a long line is cut, as the whole would be
            key = (line.plain, tuple(line.spans), line.style, line.justify, line.overflow, shape)
            drawn = _LINES.get(key)
            if drawn is None:
                drawn = [clean_segments(r) for r in console.render_lines(line, options, pad=True)]
            _keep(_LINES, key, drawn, MAX_LINES)
            rows.extend(drawn)
        return rows

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Segment]:
        new_line = Segment.line()
        for line in self.lines(console, options):
            yield from line
            yield new_line
