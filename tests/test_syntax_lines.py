"""SourceCode draws a cell's source as Rich draws the whole Syntax, line by line; a peer's edit first approximately."""

from __future__ import annotations

import pytest
from rich.console import Console, ConsoleOptions
from rich.segment import Segment
from rich.style import Style

from runt_tui.render.sanitize import clean_segments, visible_controls
from runt_tui.tui.widgets.syntax_lines import SourceCode, exact_tokens

SOURCES = [
    "", "\n", "a\n", "a\n\n", "\n\nb", "x = '''\nabc\n'''\n", "\tif x:\n\t\treturn 1",
    "s = '" + "é" * 200 + "'", "中文 = 1\nprint('中文字符串很长' * 20)", visible_controls("a = '\x1b[31m'\r\nb"),
    "def f(stats, scale=2):\n    \"\"\"Doc.\"\"\"\n    return [stats[k] * scale for k in range(len(stats))]   \n",
    "# a comment that is much longer than the narrowest width the test draws at, to be cut\nx = 1",
]
CURSOR = ((0, 0, 1, Style(bgcolor="#ff0000", color="black")), (1, 3, 4, Style(bgcolor="#00ff00", color="black")))


def drawn(rows: list[list[Segment]]) -> list[list[Segment]]:
    """Rows as seen on screen: runs of one style as one segment."""
    return [list(Segment.simplify(row)) for row in rows]


def whole(console: Console, options: ConsoleOptions, source: SourceCode) -> list[list[Segment]]:
    """What Rich draws for the same source and marks as one Syntax."""
    return drawn([clean_segments(line) for line in console.render_lines(source.syntax(), options, pad=True)])


@pytest.mark.parametrize("dark", [True, False])
@pytest.mark.parametrize("width", [20, 57, 94])
@pytest.mark.parametrize("cursor", [False, True])
def test_lines_are_the_whole_syntax_rendered(dark: bool, width: int, cursor: bool) -> None:
    console = Console(width=100, color_system="truecolor", force_terminal=True)
    options = console.options.update(width=width, height=None, highlight=False)
    for text in SOURCES:
        source = SourceCode(text or " ", "python", dark, marks=CURSOR if cursor else ())
        expected = whole(console, options, source)
        assert drawn(source.lines(console, options)) == expected, text
        assert drawn(source.lines(console, options)) == expected, text  # from the caches


def test_line_numbers_are_drawn_by_rich_whole() -> None:
    console = Console(width=60, color_system="truecolor", force_terminal=True)
    source = SourceCode("x = 1\ny = 2", "python", True, line_numbers=True)
    assert drawn(source.lines(console, console.options)) == whole(console, console.options, source)
    assert "1" in "".join(s.text for s in source.lines(console, console.options)[0])


def test_an_unknown_language_is_drawn_as_plain_text() -> None:
    console = Console(width=60, color_system="truecolor", force_terminal=True)
    source = SourceCode("x = 1", "no-such-language", True)
    assert drawn(source.lines(console, console.options)) == whole(console, console.options, source)


def test_a_peers_edit_is_drawn_at_once_from_the_last_highlighting_then_exactly() -> None:
    console = Console(width=80, color_system="truecolor", force_terminal=True)
    options = console.options.update(width=70, height=None, highlight=False)
    before = "def f(x):\n    return x  # done\n"
    SourceCode(before, "python", True, cell="approx-1").lines(console, options)
    # A peer deletes a letter, then types it again: the text seen before is drawn exactly at once.
    deleted = SourceCode(before.replace("return", "retur"), "python", True, cell="approx-1")
    deleted.lines(console, options)
    assert deleted.approximate
    typed = SourceCode(before, "python", True, cell="approx-1")
    assert drawn(typed.lines(console, options)) == whole(console, options, typed)
    assert not typed.approximate
    renamed = SourceCode(before.replace("return x", "return xy"), "python", True, cell="approx-1")
    rows = drawn(renamed.lines(console, options))
    assert renamed.approximate  # never lexed: spliced into the last highlighting
    assert rows == whole(console, options, renamed)  # inside a word: already exact
    assert renamed.settle() and not renamed.approximate
    assert drawn(renamed.lines(console, options)) == whole(console, options, renamed)
    assert not renamed.settle()  # nothing left to do


def test_an_approximation_that_differs_is_corrected_by_settle() -> None:
    console = Console(width=80, color_system="truecolor", force_terminal=True)
    options = console.options.update(width=70, height=None, highlight=False)
    SourceCode("x = 1\nretur = 2\n", "python", True, cell="approx-2").lines(console, options)
    keyword = SourceCode("x = 1\nreturn = 2\n", "python", True, cell="approx-2")
    approx = drawn(keyword.lines(console, options))
    exact = whole(console, options, keyword)
    assert keyword.approximate and approx != exact  # `return` is a keyword only to the lexer
    assert approx[0] == exact[0]  # the other line is as it was
    assert "".join(s.text for s in approx[1]) == "".join(s.text for s in exact[1])  # the text is right at once
    assert keyword.settle()
    assert drawn(keyword.lines(console, options)) == exact


def test_a_change_across_lines_is_lexed_again() -> None:
    console = Console(width=80, color_system="truecolor", force_terminal=True)
    options = console.options.update(width=70, height=None, highlight=False)
    SourceCode("x = 1\ny = 2\n", "python", True, cell="approx-3").lines(console, options)
    opened = SourceCode("x = '''1\ny = 2\n", "python", True, cell="approx-3")
    opened.lines(console, options)
    assert opened.approximate  # one small edit in one line: still spliced, the quote fixed by settle
    split = SourceCode("x = 1\n\ny = 2\n", "python", True, cell="approx-3")
    assert drawn(split.lines(console, options)) == whole(console, options, split)
    assert not split.approximate  # a new line: lexed again


def test_exact_tokens_are_kept_by_value() -> None:
    assert exact_tokens("a = 1\n", "python", True) is exact_tokens("a = 1\n", "python", True)
    assert "".join(t for t, _ in exact_tokens("a = 1\n", "python", True)) == "a = 1\n"
