"""Marking search matches in lines already drawn (Rich segments), whatever drew them."""

from __future__ import annotations

import itertools

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style

MATCH_STYLE = Style(bgcolor="yellow", color="black")


def match_spans(text: str, query: str) -> list[tuple[int, int]]:
    """Character spans of `query` in `text` (case-insensitive unless the query has a capital)."""
    if not query:
        return []
    hay, needle = (text, query) if query != query.lower() else (text.lower(), query.lower())
    spans = []
    at = hay.find(needle)
    while at >= 0:
        spans.append((at, at + len(needle)))
        at = hay.find(needle, at + len(needle))
    return spans


def mark_line(line: list[Segment], query: str, style: Style = MATCH_STYLE) -> list[Segment]:
    """The segments of one drawn line with every match of `query` restyled."""
    text = "".join(s.text for s in line if not s.control)
    spans = match_spans(text, query)
    if not spans:
        return line
    out: list[Segment] = []
    pos = 0  # character offset of the current segment's start
    for seg in line:
        if seg.control:
            out.append(seg)
            continue
        end = pos + len(seg.text)
        cuts = sorted({pos, end, *(x for s in spans for x in s if pos < x < end)})
        for a, b in itertools.pairwise(cuts):
            piece = seg.text[a - pos : b - pos]
            inside = any(s <= a and b <= e for s, e in spans)
            if inside:
                out.append(Segment(piece, seg.style + style if seg.style else style))
            else:
                out.append(Segment(piece, seg.style))
        pos = end
    return out


def marked_width(line: list[Segment]) -> int:
    """The cells a line takes (unchanged by marking)."""
    return sum(cell_len(s.text) for s in line if not s.control)
