"""SyntaxLines draws a cell's source exactly as Rich draws the whole Syntax, line by line."""

from __future__ import annotations

import pytest
from rich.console import Console
from rich.style import Style
from rich.syntax import Syntax

from runt_tui.render.sanitize import clean_segments, visible_controls
from runt_tui.tui.widgets.cellrender import _syntax
from runt_tui.tui.widgets.syntax_lines import SyntaxLines, line_cached

SOURCES = [
    "", "\n", "a\n", "a\n\n", "\n\nb", "x = '''\nabc\n'''\n", "\tif x:\n\t\treturn 1",
    "s = '" + "é" * 200 + "'", "中文 = 1\nprint('中文字符串很长' * 20)", visible_controls("a = '\x1b[31m'\r\nb"),
    "def f(stats, scale=2):\n    \"\"\"Doc.\"\"\"\n    return [stats[k] * scale for k in range(len(stats))]   \n",
    "# a comment that is much longer than the narrowest width the test draws at, to be cut\nx = 1",
]


@pytest.mark.parametrize("dark", [True, False])
@pytest.mark.parametrize("width", [20, 57, 94])
@pytest.mark.parametrize("cursor", [False, True])
def test_lines_are_the_whole_syntax_rendered(dark: bool, width: int, cursor: bool) -> None:
    console = Console(width=100, color_system="truecolor", force_terminal=True)
    options = console.options.update(width=width, height=None, highlight=False)
    for source in SOURCES:
        syntax = _syntax(source, "python", dark, False)
        if cursor:  # as a peer's cursor is drawn: a range stylized on a fresh Syntax
            syntax = Syntax(syntax.code, "python", theme="monokai" if dark else "default",
                            background_color="default", line_numbers=False, word_wrap=False)
            syntax.stylize_range(Style(bgcolor="#ff0000", color="black"), (1, 0), (1, 1))
        assert line_cached(syntax)
        whole = [clean_segments(line) for line in console.render_lines(syntax, options, pad=True)]
        assert SyntaxLines(syntax).lines(console, options) == whole, source
        assert SyntaxLines(syntax).lines(console, options) == whole, source  # from the cache


def test_other_syntaxes_are_rendered_whole() -> None:
    console = Console(width=60, color_system="truecolor", force_terminal=True)
    syntax = Syntax("x = 1\ny = 2", "python", line_numbers=True)
    assert not line_cached(syntax)
    whole = [clean_segments(line) for line in console.render_lines(syntax, console.options, pad=True)]
    assert SyntaxLines(syntax).lines(console, console.options) == whole

