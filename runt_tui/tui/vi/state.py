"""The vi engine's state and results, and the parser of a normal-mode command (pure)."""

from __future__ import annotations

from dataclasses import dataclass, field

NORMAL, INSERT, VISUAL, VISUAL_LINE = "normal", "insert", "visual", "visual-line"
OPERATORS = frozenset({"d", "c", "y"})
# Keys followed by a character: find on the line, till it, replace with it.
ARG_KEYS = frozenset({"f", "F", "t", "T", "r"})


@dataclass(frozen=True)
class Register:
    """The unnamed register: the last deleted or yanked text, and whether it is whole lines."""

    text: str = ""
    linewise: bool = False


@dataclass(frozen=True)
class Change:
    """The last change, for `.`: its keys (without count), its count, what insert mode typed."""

    keys: tuple[str, ...]
    count: int = 1
    typed: tuple[str, ...] | None = None


@dataclass(frozen=True)
class ViState:
    """Everything the engine remembers between keys."""

    mode: str = NORMAL
    keys: tuple[str, ...] = ()  # the command typed so far
    register: Register = field(default_factory=Register)
    last_change: Change | None = None
    recording: Change | None = None  # the change whose insert mode is being typed
    recording_done: bool = False  # a key that cannot be replayed ended the recording
    anchor: int = 0  # where visual mode started
    column: int | None = None  # the column j / k keep
    search: str = ""  # the last pattern searched
    backwards: bool = False
    prompt: str | None = None  # the search pattern being typed after `/`


@dataclass(frozen=True)
class ViResult:
    """What one key did: the new state, text and cursor, and what the editor must do.

    action: "" (done), "pass" (the editor handles the key as usual), "undo" / "redo"
    (`count` times, through the app's own-edits-only undo), "leave" (to command mode),
    "walk" (to the next cell, `count` +1, or the previous one, -1).
    """

    state: ViState
    text: str
    cursor: int
    action: str = ""
    count: int = 1
    message: str = ""


@dataclass(frozen=True)
class Command:
    """A parsed normal-mode command: [count] [operator [count]] key."""

    key: str
    count: int = 1
    has_count: bool = False
    operator: str | None = None
    keys: tuple[str, ...] = ()  # the keys without the counts (for `.`)
    arg: str = ""  # the character after f F t T r


PENDING = "pending"
INVALID = "invalid"


def _digits(keys: tuple[str, ...], i: int) -> tuple[int | None, int]:
    start = i
    while i < len(keys) and len(keys[i]) == 1 and keys[i].isdigit() and (i > start or keys[i] != "0"):
        i += 1
    return (int("".join(keys[start:i])) if i > start else None), i


def parse(keys: tuple[str, ...], operators: frozenset[str] = OPERATORS) -> Command | str:
    """A complete command, PENDING while more keys are needed, or INVALID."""
    count1, i = _digits(keys, 0)
    operator = None
    count2: int | None = None
    if i < len(keys) and keys[i] in operators:
        operator = keys[i]
        count2, i = _digits(keys, i + 1)
    if i >= len(keys):
        return PENDING
    key = keys[i]
    if key == "g":
        if i + 1 >= len(keys):
            return PENDING
        key = "g" + keys[i + 1]
        i += 1
        if key != "gg":
            return INVALID
    arg = ""
    if key in ARG_KEYS:
        if i + 1 >= len(keys):
            return PENDING
        arg = keys[i + 1]
        i += 1
        if len(arg) != 1:
            return INVALID
    if i + 1 != len(keys):
        return INVALID
    count = (count1 or 1) * (count2 or 1)
    plain = tuple(k for k in (operator, key) if k is not None)
    if key == "gg":
        plain = (*plain[:-1], "g", "g")
    return Command(key, count, count1 is not None or count2 is not None, operator, (*plain, *((arg,) if arg else ())), arg)


def mode_label(state: ViState) -> str:
    """The mode as the status bar shows it, with a command being typed."""
    if state.prompt is not None:
        return "/" + state.prompt
    name = {NORMAL: "NORMAL", INSERT: "INSERT", VISUAL: "VISUAL", VISUAL_LINE: "V-LINE"}[state.mode]
    return f"{name} {''.join(state.keys)}".rstrip()
