"""A cell's highlighted source, each line rendered once and kept by what it shows.

Rich renders a `Syntax` as a whole; a keystroke changes one line of it, and
rendering all the others again is most of what another terminal spends to
show that keystroke. Highlighting still runs over the whole source (a quote
can change every line after it); only the rendering of unchanged lines is
reused, keyed by their text and styles.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable, Iterator

from rich.console import Console, ConsoleOptions
from rich.segment import Segment
from rich.syntax import Syntax

from runt_tui.render.sanitize import clean_segments

Rows = list[list[Segment]]
MAX_LINES = 4096
_LINES: OrderedDict[Hashable, Rows] = OrderedDict()


def line_cached(syntax: Syntax) -> bool:
    """Whether `syntax` renders line by line exactly as a whole (what the cells use: no numbers, no wrap)."""
    bg = syntax.background_style.bgcolor
    return (
        not syntax.line_numbers and not syntax.word_wrap and not syntax.indent_guides and not syntax.dedent
        and syntax.line_range is None and syntax.code_width is None and not any(syntax.padding)
        and bg is not None and bg.is_default
    )


class SyntaxLines:
    """Wraps a Syntax: the same rows, with the rendering of each line cached."""

    def __init__(self, syntax: Syntax) -> None:
        self.syntax = syntax

    def lines(self, console: Console, options: ConsoleOptions) -> Rows:
        """The rows at options.max_width, padded to it, cleaned of control characters."""
        syntax = self.syntax
        if not line_cached(syntax):
            return [clean_segments(line) for line in console.render_lines(syntax, options, pad=True)]
        code = syntax.code
        ends_on_nl = code.endswith("\n")
        text = syntax.highlight((code if ends_on_nl else code + "\n").expandtabs(syntax.tab_size))
        if not ends_on_nl:
            text.remove_suffix("\n")
        shape = (options.max_width, options.justify, options.overflow, options.no_wrap)
        rows: Rows = []
        for line in text.split("\n", allow_blank=True):
            line.no_wrap = text.no_wrap  # split() drops it: a long line is cut, as the whole would be
            key = (line.plain, tuple(line.spans), line.style, line.justify, line.overflow, line.no_wrap, shape)
            drawn = _LINES.get(key)
            if drawn is None:
                drawn = [clean_segments(r) for r in console.render_lines(line, options, pad=True)]
                _LINES[key] = drawn
                if len(_LINES) > MAX_LINES:
                    _LINES.popitem(last=False)
            else:
                _LINES.move_to_end(key)
            rows.extend(drawn)
        return rows

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Segment]:
        new_line = Segment.line()
        for line in self.lines(console, options):
            yield from line
            yield new_line
