"""The vi engine: one key, the text and the cursor in; new text, cursor, mode and register out.

A pure state machine (no Textual): the editor binding (`tui/vi/binding.py`)
feeds it the keys of an editor in vi mode and applies what comes back.
Insert mode leaves typing to the editor (action "pass") and only records the
keys, so that `.` can type them again; undo and redo are handed back to the
app, whose history only ever undoes this terminal's own edits.
"""

from __future__ import annotations

from dataclasses import replace

from runt_tui.tui.vi.motions import (
    MOTIONS,
    Motion,
    change_word_end,
    line_span,
    move,
    span,
    word_for_operator,
)
from runt_tui.tui.vi.ops import apply_operator, insert_at, put, small_change, type_keys, typeable
from runt_tui.tui.vi.state import (
    INSERT,
    NORMAL,
    PENDING,
    VISUAL,
    VISUAL_LINE,
    Change,
    Command,
    ViResult,
    ViState,
    parse,
)
from runt_tui.tui.vi.text import clamp_normal, find_text, line_start
from runt_tui.tui.vi.visual import visual_key

# Shorthands for an operator and a motion.
ALIASES = {
    "x": ("d", "l"), "delete": ("d", "l"), "X": ("d", "h"), "D": ("d", "$"), "C": ("c", "$"), "s": ("c", "l"),
    "S": ("c", "c"),
}
INSERTS = frozenset("iaIAoO")


def feed(state: ViState, key: str, text: str, cursor: int) -> ViResult:
    """Handle one key: a character ("x", "$") or a key name ("escape", "enter", "ctrl+r")."""
    if state.prompt is not None:
        return _prompt_key(state, key, text, cursor)
    if state.mode == INSERT:
        return _insert_key(state, key, text, cursor)
    if state.mode in (VISUAL, VISUAL_LINE):
        return visual_key(state, key, text, cursor)
    return _normal_key(state, key, text, cursor)


def feed_keys(state: ViState, keys: list[str] | tuple[str, ...], text: str, cursor: int) -> ViResult:
    """Feed several keys; insert mode's typing is done as the editor would do it."""
    result = ViResult(state, text, cursor)
    for key in keys:
        result = feed(result.state, key, result.text, result.cursor)
        if result.action == "pass" and typeable(key):
            new, at = type_keys(result.text, result.cursor, (key,))
            result = replace(result, text=new, cursor=at)
    return result


def _printable(key: str) -> bool:
    return len(key) == 1


def _normal_key(state: ViState, key: str, text: str, cursor: int) -> ViResult:
    cursor = clamp_normal(text, cursor)
    if key == "escape":
        if state.keys:
            return ViResult(replace(state, keys=()), text, cursor)
        return ViResult(state, text, cursor, action="leave")
    keys = (*state.keys, key)
    parsed = parse(keys)
    if parsed == PENDING:
        return ViResult(replace(state, keys=keys), text, cursor)
    state = replace(state, keys=())
    if isinstance(parsed, str):
        return ViResult(state, text, cursor, action="" if _printable(key) or len(keys) > 1 else "pass")
    return run_command(state, parsed, text, cursor)


def run_command(state: ViState, cmd: Command, text: str, cursor: int) -> ViResult:
    """Run a complete normal-mode command."""
    if cmd.operator is not None:
        return _operate(state, cmd, text, cursor)
    key = cmd.key
    if key in MOTIONS:
        motion = move(text, cursor, key, cmd.count, cmd.has_count, state.column, cmd.arg)
        if motion is None and key in ("j", "k") and not cmd.has_count:
            # At the cell's edge j / k go on to the next / previous cell (JupyterLab's vim keys do).
            return ViResult(state, text, cursor, action="walk", count=1 if key == "j" else -1)
        if motion is None:
            return ViResult(state, text, cursor)
        column = motion.column if key in ("j", "k", "$") else None
        return ViResult(replace(state, column=column), text, clamp_normal(text, motion.target))
    if key in ALIASES:
        op, motion_key = ALIASES[key]
        alias = Command(motion_key, cmd.count, cmd.has_count, op, (key,))
        return _operate(state, alias, text, cursor)
    if key in INSERTS:
        new, at = insert_at(key, text, cursor)
        recording = Change((key,), cmd.count, ())
        return ViResult(replace(state, mode=INSERT, recording=recording, recording_done=False), new, at)
    return _other(state, cmd, text, cursor)


def _other(state: ViState, cmd: Command, text: str, cursor: int) -> ViResult:
    key = cmd.key
    if key in ("p", "P"):
        done = put(state, text, cursor, cmd.count, key == "P")
        if done is None:
            return ViResult(state, text, cursor)
        return ViResult(replace(state, last_change=Change(cmd.keys, cmd.count)), done[0], done[1])
    if key in ("r", "J", "~"):
        done = small_change(key, text, cursor, cmd.count, cmd.arg)
        if done is None:
            return ViResult(state, text, cursor)
        return ViResult(replace(state, last_change=Change(cmd.keys, cmd.count)), done[0], done[1])
    if key in ("u", "ctrl+r"):
        return ViResult(state, text, cursor, action="undo" if key == "u" else "redo", count=cmd.count)
    if key == ".":
        return _repeat(state, cmd, text, cursor)
    if key in ("v", "V"):
        return ViResult(replace(state, mode=VISUAL if key == "v" else VISUAL_LINE, anchor=cursor), text, cursor)
    if key in ("/", "?"):
        return ViResult(replace(state, prompt="", backwards=key == "?"), text, cursor)
    if key in ("n", "N"):
        return search(state, text, cursor, state.backwards == (key == "N"), cmd.count)
    return ViResult(state, text, cursor, action="" if _printable(key) or cmd.has_count else "pass")


def _operate(state: ViState, cmd: Command, text: str, cursor: int) -> ViResult:
    op = cmd.operator or "d"
    change = None if op == "y" else Change(cmd.keys, cmd.count)
    if cmd.key == op or (op == "c" and cmd.key == "c"):
        lines = line_span(text, cursor, cmd.count)
        if lines is None:
            return ViResult(state, text, cursor)
        return apply_operator(state, op, (lines[0], lines[1], True), text, cursor, change)
    if cmd.key not in MOTIONS:
        return ViResult(state, text, cursor)
    motion: Motion | None
    if op == "c" and cmd.key in ("w", "W") and cursor < len(text) and not text[cursor].isspace():
        motion = change_word_end(text, cursor, cmd.count, cmd.key == "W")
    else:
        motion = move(text, cursor, cmd.key, cmd.count, cmd.has_count, state.column, cmd.arg)
        if motion is not None and cmd.key in ("w", "W"):
            motion = word_for_operator(text, cursor, motion)
    if motion is None:
        return ViResult(state, text, cursor)
    return apply_operator(state, op, span(text, cursor, motion), text, cursor, change)


def _repeat(state: ViState, cmd: Command, text: str, cursor: int) -> ViResult:
    """`.`: the last change again, with a new count when one is given."""
    change = state.last_change
    if change is None:
        return ViResult(state, text, cursor)
    count = cmd.count if cmd.has_count else change.count
    keys = (*(tuple(str(count)) if count > 1 else ()), *change.keys)
    result = ViResult(replace(state, keys=()), text, cursor)
    for key in keys:
        result = feed(result.state, key, result.text, result.cursor)
    if result.state.mode == INSERT:
        new, at = type_keys(result.text, result.cursor, change.typed or ())
        st = replace(result.state, recording=Change(change.keys, count, change.typed or ()))
        result = feed(st, "escape", new, at)
    return replace(result, state=replace(result.state, last_change=Change(change.keys, count, change.typed)))


def _insert_key(state: ViState, key: str, text: str, cursor: int) -> ViResult:
    if key == "escape":
        return _leave_insert(state, text, cursor)
    rec = state.recording
    if rec is not None and not state.recording_done:
        if typeable(key):
            return ViResult(replace(state, recording=replace(rec, typed=(*(rec.typed or ()), key))),
                            text, cursor, action="pass")
        state = replace(state, recording_done=True)
    return ViResult(state, text, cursor, action="pass")


def _leave_insert(state: ViState, text: str, cursor: int) -> ViResult:
    rec = state.recording
    if rec is not None and rec.count > 1 and rec.keys[0] in INSERTS:
        for _ in range(rec.count - 1):
            if rec.keys[0] in "oO":
                text, cursor = insert_at(rec.keys[0], text, cursor)
            text, cursor = type_keys(text, cursor, rec.typed or ())
    last = state.last_change if rec is None else rec
    if cursor > line_start(text, cursor):
        cursor -= 1
    state = replace(state, mode=NORMAL, recording=None, recording_done=False, last_change=last, column=None)
    return ViResult(state, text, clamp_normal(text, cursor))


def _prompt_key(state: ViState, key: str, text: str, cursor: int) -> ViResult:
    prompt = state.prompt or ""
    if key == "escape" or (key == "backspace" and not prompt):
        return ViResult(replace(state, prompt=None), text, cursor)
    if key == "backspace":
        return ViResult(replace(state, prompt=prompt[:-1]), text, cursor)
    if key == "enter":
        pattern = prompt or state.search
        return search(replace(state, prompt=None, search=pattern), text, cursor, not state.backwards, 1)
    if _printable(key):
        return ViResult(replace(state, prompt=prompt + key), text, cursor)
    return ViResult(state, text, cursor)


def search(state: ViState, text: str, cursor: int, forward: bool, count: int) -> ViResult:
    """Move to the `count`-th match of the last pattern, wrapping around the cell."""
    if not state.search:
        return ViResult(state, text, cursor, message="No previous pattern")
    message = ""
    for _ in range(count):
        found = find_text(text, state.search, cursor, forward)
        if found is None:
            return ViResult(state, text, cursor, message=f"Pattern not found: {state.search}")
        cursor, wrapped = found
        if wrapped:
            message = "search hit BOTTOM, continuing at TOP" if forward else "search hit TOP, continuing at BOTTOM"
    return ViResult(replace(state, column=None), text, cursor, message=message)


def enter_insert(state: ViState) -> ViState:
    """Insert mode, as when Enter opens a cell."""
    return replace(state, mode=INSERT, keys=(), recording=None, recording_done=False, prompt=None)


def to_normal(state: ViState) -> ViState:
    """Normal mode with nothing pending."""
    return replace(state, mode=NORMAL, keys=(), recording=None, recording_done=False, prompt=None)

