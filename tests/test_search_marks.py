"""Search matches marked in drawn lines."""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style

from runt_tui.tui.search_marks import MATCH_STYLE, mark_line, marked_width, match_spans


def test_match_spans() -> None:
    assert match_spans("Foo foo", "foo") == [(0, 3), (4, 7)]
    assert match_spans("Foo foo", "Foo") == [(0, 3)]
    assert match_spans("aaaa", "aa") == [(0, 2), (2, 4)]
    assert match_spans("x", "") == []


def test_mark_line_across_segments() -> None:
    bold = Style(bold=True)
    line = [Segment("print(ne", bold), Segment("edle)"), Segment("  日本needle")]
    out = mark_line(line, "needle")
    assert "".join(s.text for s in out) == "print(needle)  日本needle"
    marked = "".join(s.text for s in out if s.style is not None and s.style.bgcolor == MATCH_STYLE.bgcolor)
    assert marked == "needleneedle"
    assert any(s.style is not None and s.style.bold and s.style.bgcolor is not None for s in out)  # style kept
    assert marked_width(out) == marked_width(line)
    assert mark_line(line, "absent") is line
