"""Vi visual mode (`v` by characters, `V` by lines): motions extend, operators take the selection."""

from __future__ import annotations

from dataclasses import replace

from runt_tui.tui.vi.motions import MOTIONS, move
from runt_tui.tui.vi.ops import apply_operator
from runt_tui.tui.vi.state import NORMAL, PENDING, VISUAL, VISUAL_LINE, ViResult, ViState, parse
from runt_tui.tui.vi.text import clamp_normal, line_end, line_start

_OPERATOR_KEYS = {"d": "d", "x": "d", "delete": "d", "y": "y", "c": "c", "s": "c"}


def visual_span(state: ViState, text: str, cursor: int) -> tuple[int, int]:
    """The selected text [start, end): inclusive of the cursor's character, or whole lines."""
    a, b = sorted((state.anchor, cursor))
    if state.mode == VISUAL_LINE:
        return line_start(text, a), min(len(text), line_end(text, b) + 1)
    return a, min(len(text), b + 1)


def visual_key(state: ViState, key: str, text: str, cursor: int) -> ViResult:
    """One key in visual mode."""
    mode = state.mode
    if key == "escape" or (key == "v" and mode == VISUAL) or (key == "V" and mode == VISUAL_LINE):
        return ViResult(replace(state, mode=NORMAL, keys=()), text, clamp_normal(text, cursor))
    if key in ("v", "V"):
        return ViResult(replace(state, mode=VISUAL if key == "v" else VISUAL_LINE, keys=()), text, cursor)
    if key == "o" and not state.keys:
        return ViResult(replace(state, anchor=cursor), text, state.anchor)
    if key in _OPERATOR_KEYS and not state.keys:
        start, end = visual_span(state, text, cursor)
        linewise = mode == VISUAL_LINE
        at = start if not linewise else cursor if cursor < end else start
        return apply_operator(state, _OPERATOR_KEYS[key], (start, end, linewise), text, min(at, cursor), None)
    keys = (*state.keys, key)
    parsed = parse(keys, frozenset())
    if parsed == PENDING:
        return ViResult(replace(state, keys=keys), text, cursor)
    state = replace(state, keys=())
    if isinstance(parsed, str) or parsed.key not in MOTIONS:
        return ViResult(state, text, cursor, action="" if len(key) == 1 or len(keys) > 1 else "pass")
    motion = move(text, cursor, parsed.key, parsed.count, parsed.has_count, state.column, parsed.arg)
    if motion is None:
        return ViResult(state, text, cursor)
    column = motion.column if parsed.key in ("j", "k", "$") else None
    return ViResult(replace(state, column=column), text, clamp_normal(text, motion.target))
