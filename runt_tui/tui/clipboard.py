"""Copy text to the system clipboard with OSC 52, or say plainly why the terminal will not take it.

OSC 52 is the one clipboard that works over SSH and through tmux; it has no
answer, so what we can know is decided beforehand: tmux passes it on only with
`set-clipboard on` (with `external`, the default, it drops it; we then put the
text in tmux's paste buffer instead), the Linux console has no clipboard, and
terminals cap the sequence's size.
"""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass

# xterm's default cap on a selection (and common elsewhere): the base64 grows by a third.
MAX_OSC52_BYTES = 74_994


def osc52(text: str) -> str:
    """The escape sequence that puts `text` on the system clipboard (selection "c")."""
    return f"\x1b]52;c;{base64.b64encode(text.encode('utf-8')).decode('ascii')}\x07"


@dataclass(frozen=True)
class CopyPlan:
    """How to copy: "osc52", "tmux-buffer" (tmux's paste buffer) or "refuse", and what to tell the user."""

    method: str
    message: str


def plan_copy(text: str, env: Mapping[str, str], tmux_clipboard: str | None, what: str = "text") -> CopyPlan:
    """Decide how `text` reaches a clipboard, given the environment and tmux's `set-clipboard` (None: not asked)."""
    size = len(text.encode("utf-8"))
    lines = text.count("\n") + (1 if text and not text.endswith("\n") else 0)
    summary = f"{what} ({lines} line{'s' if lines != 1 else ''}, {size} bytes)"
    if not text:
        return CopyPlan("refuse", f"nothing to copy: the {what} is empty")
    if env.get("TMUX"):
        if tmux_clipboard == "on" and len(osc52(text)) <= MAX_OSC52_BYTES:
            return CopyPlan("osc52", f"copied {summary} to the clipboard (OSC 52 through tmux)")
        why = ("it is too large for OSC 52" if tmux_clipboard == "on"
               else f"tmux's set-clipboard is {tmux_clipboard or 'unknown'}, so tmux drops OSC 52 from programs;"
                    " `tmux set -g set-clipboard on` lets it through")
        return CopyPlan("tmux-buffer", f"copied {summary} into tmux's paste buffer (prefix + ] pastes): {why}")
    if env.get("TERM") == "linux":
        return CopyPlan("refuse", "this terminal (the Linux console) has no clipboard for programs to write to")
    if len(osc52(text)) > MAX_OSC52_BYTES:
        return CopyPlan("refuse", f"not copied: {summary} is larger than terminals accept through OSC 52; save it to a file instead")
    return CopyPlan("osc52", f"copied {summary} to the clipboard (OSC 52; a terminal that refuses it shows no error)")


def tmux_set_clipboard(env: Mapping[str, str]) -> str | None:
    """tmux's `set-clipboard` option when we run inside tmux, else None."""
    tmux = shutil.which("tmux")
    if tmux is None or not env.get("TMUX"):
        return None
    try:
        done = subprocess.run([tmux, "show", "-gv", "set-clipboard"], capture_output=True, text=True, timeout=3, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None


def tmux_load_buffer(text: str) -> bool:
    """Put `text` in tmux's paste buffer (and, with `-w`, let tmux offer it to the outer clipboard)."""
    tmux = shutil.which("tmux")
    if tmux is None:
        return False
    try:
        done = subprocess.run([tmux, "load-buffer", "-w", "-"], input=text.encode("utf-8"), capture_output=True, timeout=3, check=False)
        if done.returncode != 0:  # tmux < 3.2 has no -w
            done = subprocess.run([tmux, "load-buffer", "-"], input=text.encode("utf-8"), capture_output=True, timeout=3, check=False)
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


def copy_text(text: str, write_osc52: Callable[[str], None], what: str = "text",
              env: Mapping[str, str] | None = None) -> tuple[bool, str]:
    """Copy `text` as planned; returns (copied, message for the user)."""
    env = os.environ if env is None else env
    plan = plan_copy(text, env, tmux_set_clipboard(env), what)
    if plan.method == "osc52":
        write_osc52(text)
        return True, plan.message
    if plan.method == "tmux-buffer":
        if tmux_load_buffer(text):
            return True, plan.message
        return False, "not copied: tmux refused both OSC 52 and its paste buffer"
    return False, plan.message
