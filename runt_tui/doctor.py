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


# Terminals that speak kitty's graphics protocol with Unicode placeholders (what survives tmux).
_KITTY_TERMS = ("kitty", "ghostty")
TRUECOLOR_ADVICE = ("set COLORTERM=truecolor inside tmux (kitty sets it; `set -ga update-environment COLORTERM` "
                    "in ~/.tmux.conf keeps it) so images can name themselves in 24-bit colour")
PASSTHROUGH_ADVICE = "add `set -g allow-passthrough on` to ~/.tmux.conf and run `tmux set -g allow-passthrough on`"


@dataclass(frozen=True)
class TmuxGraphics:
    """What decides how images are drawn inside tmux."""

    version: str | None  # "3.4" from `tmux -V`
    passthrough: str | None  # allow-passthrough: on / off / all
    client_term: str | None  # the outer terminal's TERM, as tmux's client sees it
    client_features: str | None  # tmux's client_termfeatures ("...,sixel,...")
    kitty_env: bool  # KITTY_WINDOW_ID or TERM_PROGRAM names a kitty-protocol terminal
    # COLORTERM says 24-bit colour: placeholders carry the image id in their colour, which a
    # 256-colour downgrade would turn into another image's id.
    truecolor: bool = True


def tmux_graphics() -> TmuxGraphics:
    """Ask the tmux we run in about passthrough, the outer terminal and sixel."""
    version = _tmux("-V")
    program = os.environ.get("TERM_PROGRAM", "").lower()
    return TmuxGraphics(
        version.split()[-1] if version else None,
        _tmux("show", "-gv", "allow-passthrough"),
        _tmux("display", "-p", "#{client_termname}"),
        _tmux("display", "-p", "#{client_termfeatures}"),
        bool(os.environ.get("KITTY_WINDOW_ID")) or any(t in program for t in _KITTY_TERMS),
        os.environ.get("COLORTERM", "").lower() in ("truecolor", "24bit"),
    )


def _version_at_least(version: str | None, major: int, minor: int) -> bool:
    digits = "".join(ch if ch.isdigit() or ch == "." else " " for ch in version or "").split()
    parts = digits[0].split(".") if digits else []
    try:
        return (int(parts[0]), int(parts[1] or 0) if len(parts) > 1 else 0) >= (major, minor)
    except (ValueError, IndexError):
        return False


def choose_tmux_graphics(g: TmuxGraphics) -> tuple[str, str, str | None]:
    """(mode, why, advice) for images inside tmux: kitty placeholders, sixel or half blocks."""
    kitty = g.kitty_env or any(t in (g.client_term or "").lower() for t in _KITTY_TERMS)
    passthrough = (g.passthrough or "off") in ("on", "all")
    if kitty and passthrough and g.truecolor:
        return "kitty", "kitty Unicode placeholders through tmux passthrough", None
    sixel = "sixel" in (g.client_features or "").split(",")
    if sixel and _version_at_least(g.version, 3, 4):
        return "sixel", f"sixel (tmux {g.version} draws it for the outer terminal)", None
    if kitty and passthrough:
        return "halfblock", "half blocks (kitty placeholders need 24-bit colour)", TRUECOLOR_ADVICE
    if kitty:
        return "halfblock", "half blocks (tmux does not pass kitty graphics through)", PASSTHROUGH_ADVICE
    advice = None
    if not _version_at_least(g.version, 3, 4):
        advice = "tmux 3.4 or later draws sixel images when the outer terminal has them"
    return "halfblock", "half blocks (the outer terminal shows tmux no image protocol)", advice


def check_graphics() -> Iterable[Finding]:
    """How images will be drawn: kitty placeholders, sixel or half blocks, and what would improve it."""
    if not os.environ.get("TMUX"):
        program = os.environ.get("TERM_PROGRAM") or "(not set)"
        yield Finding("TERM_PROGRAM", program)
        kitty = bool(os.environ.get("KITTY_WINDOW_ID")) or any(
            t in (os.environ.get("TERM", "") + program).lower() for t in _KITTY_TERMS)
        yield Finding("images", "kitty graphics" if kitty else "probed at start (kitty, sixel or half blocks)")
        return
    g = tmux_graphics()
    yield Finding("outer terminal", g.client_term or "unknown")
    yield Finding("allow-passthrough", g.passthrough or "unknown")
    yield Finding("tmux sixel", "yes" if "sixel" in (g.client_features or "").split(",") else "no")
    _, why, advice = choose_tmux_graphics(g)
    yield Finding("images", why, advice)


def checks() -> list[Callable[[], Iterable[Finding]]]:
    """Every check, in the order `runt-tui doctor` prints them."""
    return [check_term, check_tmux, check_graphics]


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
