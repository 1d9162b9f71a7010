"""Vi keys for the cell editor: a pure engine (keys in, text and cursor out) and its binding."""

from __future__ import annotations

from runt_tui.tui.vi.engine import enter_insert, feed, feed_keys, to_normal
from runt_tui.tui.vi.state import (
    INSERT,
    NORMAL,
    VISUAL,
    VISUAL_LINE,
    Register,
    ViResult,
    ViState,
    mode_label,
)
from runt_tui.tui.vi.visual import visual_span

__all__ = [
    "INSERT",
    "NORMAL",
    "VISUAL",
    "VISUAL_LINE",
    "Register",
    "ViResult",
    "ViState",
    "enter_insert",
    "feed",
    "feed_keys",
    "mode_label",
    "to_normal",
    "visual_span",
]
