"""Reading ESC+key from the terminal as Alt+key, whatever the key.

tmux (escape-time 500 ms by default) and most terminals send Alt+key, and Esc
pressed shortly before a key, as ESC followed by that key. Textual's parser
reads ESC+letter as alt+letter, but drops the Alt from ESC+Enter (a plain
Enter: a newline typed into the cell) and from ESC+punctuation, and when the
next ESC arrives before such a pair was understood it reissues the pair with
the ESC shown as a literal `^`. We rewrite those pairs into the kitty keyboard
protocol's CSI-u form before Textual parses them, which it reads as alt+key;
the app then treats an Alt+key nothing binds as Esc followed by the key.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual import constants
from textual._xterm_parser import XTermParser
from textual.message import Message

ESC = "\x1b"
PASTE_START = "\x1b[200~"
PASTE_END = "\x1b[201~"
# After ESC these start a terminal sequence (CSI, SS3, DCS, OSC, APC, PM, SOS, ST).
_INTRODUCERS = frozenset("[O]P_^X\\")
# Keys Textual already reads as alt+key after ESC (letters, digits), or maps itself.
_LEFT_ALONE = frozenset("\x1b\t\x7f")


def _needs_rewrite(char: str) -> bool:
    if char in _INTRODUCERS or char in _LEFT_ALONE or char.isalnum():
        return False
    return char == "\r" or (char.isprintable() and ord(char) < 0x7F)


def meta_keys_as_csi_u(data: str, in_paste: bool = False) -> tuple[str, bool]:
    """Rewrite ESC+Enter and ESC+punctuation as CSI-u Alt keys; returns (text, still in a paste).

    Text inside a bracketed paste is left as it is; so is an ESC at the very end
    of `data` (Textual's own timer decides whether it was the Esc key).
    """
    out: list[str] = []
    i = 0
    n = len(data)
    while i < n:
        if data.startswith(PASTE_START, i):
            in_paste = True
            out.append(PASTE_START)
            i += len(PASTE_START)
            continue
        if data.startswith(PASTE_END, i):
            in_paste = False
            out.append(PASTE_END)
            i += len(PASTE_END)
            continue
        char = data[i]
        if char == ESC and not in_paste and i + 1 < n and _needs_rewrite(data[i + 1]):
            out.append(f"\x1b[{ord(data[i + 1])};3u")
            i += 2
            continue
        out.append(char)
        i += 1
    return "".join(out), in_paste


class MetaKeyParser(XTermParser):
    """Textual's parser, fed with ESC+key pairs rewritten as Alt keys."""

    def __init__(self, debug: bool = False) -> None:
        super().__init__(debug)
        self._in_paste = False

    def feed(self, data: str) -> Iterable[Message]:
        if data and not constants.DISABLE_KITTY_KEY:
            data, self._in_paste = meta_keys_as_csi_u(data, self._in_paste)
        return super().feed(data)


def install() -> None:
    """Make Textual's terminal driver read keys with MetaKeyParser (call before the app runs)."""
    from textual.drivers import linux_driver

    # The driver looks the class up when its input thread starts.
    linux_driver.XTermParser = MetaKeyParser  # type: ignore[attr-defined]
