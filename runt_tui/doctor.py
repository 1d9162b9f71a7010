"""`runt-tui doctor`: facts about this terminal that decide whether runt-tui works well in it.

Each check returns Findings (a name, what was seen, and advice when something
should change); `checks()` lists them, so later checks (image protocols, the
clipboard) are one more function. No Textual here: the app reuses the tmux
check for its start-up notice.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterable
from dataclasses import dataclass

# Above this many milliseconds tmux may read Esc followed by a key as Alt+key.
MAX_ESCAPE_TIME_MS = 20


@dataclass(frozen=True)
class Finding:
    """One fact about the terminal, with advice when it should change."""

    name: str
    value: str
    advice: str | None = None


def _tmux(*args: str) -> str | None:
    """The output of a tmux command for the tmux we run in (None when that fails)."""
    tmux = shutil.which("tmux")
    if tmux is None or not os.environ.get("TMUX"):
        return None
    try:
        done = subprocess.run([tmux, *args], capture_output=True, text=True, timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def tmux_escape_time() -> int | None:
    """tmux's escape-time in milliseconds when we run inside tmux, else None."""
    value = _tmux("show", "-sv", "escape-time")
    return int(value) if value is not None and value.isdigit() else None


def escape_time_advice(ms: int) -> str | None:
    """What to do about an escape-time of `ms` (None when it is fine)."""
    if ms <= MAX_ESCAPE_TIME_MS:
        return None
    return (f"tmux waits {ms} ms after Esc, so Esc then a key is read as Alt+key "
            f"(runt-tui copes, but Esc feels slow): add `set -sg escape-time 10` to ~/.tmux.conf "
            f"and run `tmux set -sg escape-time 10`")


def check_term() -> Iterable[Finding]:
    """TERM and COLORTERM as the terminal set them."""
    yield Finding("TERM", os.environ.get("TERM") or "(not set)")
    yield Finding("COLORTERM", os.environ.get("COLORTERM") or "(not set)")


def check_tmux() -> Iterable[Finding]:
    """tmux's version and escape-time, when inside tmux."""
    if not os.environ.get("TMUX"):
        yield Finding("tmux", "not inside tmux")
        return
    version = _tmux("-V")
    yield Finding("tmux", version or "inside tmux (version unknown)")
    ms = tmux_escape_time()
    if ms is None:
        yield Finding("tmux escape-time", "unknown (`tmux show -sv escape-time` failed)")
    else:
        yield Finding("tmux escape-time", f"{ms} ms", escape_time_advice(ms))


def checks() -> list[Callable[[], Iterable[Finding]]]:
    """Every check, in the order `runt-tui doctor` prints them."""
    return [check_term, check_tmux]


def report(findings: Iterable[Finding]) -> tuple[str, int]:
    """The text `runt-tui doctor` prints, and how many findings carry advice."""
    lines: list[str] = []
    advised = 0
    for f in findings:
        lines.append(f"{f.name + ':':<20} {f.value}")
        if f.advice:
            advised += 1
            lines.append(f"{'':<20} ! {f.advice}")
    lines.append("all good" if not advised else f"{advised} thing(s) to change")
    return "\n".join(lines), advised
