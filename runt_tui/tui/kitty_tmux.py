"""Kitty images inside tmux: Unicode placeholders, with the graphics commands passed through tmux.

Kitty's Unicode-placeholder mode survives tmux: the image is transmitted once
and given a virtual placement (`U=1`), and the text in the cells is the
placeholder U+10EEEE with diacritics naming its row and column (and the high
byte of the image id), coloured with the image id's low 24 bits. tmux keeps
that text like any other (scrolling, panes, redraws); only the transmit and
placement commands must reach the outer terminal, wrapped in tmux's
passthrough (`ESC Ptmux; ... ESC \\`, every ESC doubled), which needs
`allow-passthrough on`. textual-image draws the placeholders already; inside
tmux its command writer is wrapped (`install_passthrough`). The builders here
are pure, so tests check the exact bytes (and that textual-image's cells are
what `placeholder_rows` says kitty expects).
"""

from __future__ import annotations

import sys
from typing import Any

PLACEHOLDER = "\U0010eeee"
APC_START = "\x1b_G"
ST = "\x1b\\"


def diacritics() -> list[int]:
    """Kitty's row/column diacritics (index -> code point), as textual-image ships them."""
    from textual_image.renderable.tgp import _NUMBER_TO_DIACRITIC

    table: list[int] = list(_NUMBER_TO_DIACRITIC)
    return table


def tmux_wrap(sequence: str) -> str:
    """A terminal sequence wrapped in tmux passthrough (ESC doubled inside)."""
    return "\x1bPtmux;" + sequence.replace("\x1b", "\x1b\x1b") + ST


def kitty_command(payload: str | None = None, **keys: int | str | None) -> str:
    """One kitty graphics command: ESC _G keys ; payload ESC \\."""
    body = ",".join(f"{k}={v}" for k, v in keys.items() if v is not None)
    return APC_START + body + (f";{payload}" if payload else "") + ST


def placeholder_rows(image_id: int, cols: int, rows: int) -> tuple[str, list[str]]:
    """(foreground colour, one string per row) drawing a virtually placed image in the cells."""
    table = diacritics()
    if cols > len(table) or rows > len(table):
        raise ValueError(f"an image of {cols}x{rows} cells is larger than kitty's placeholders allow")
    colour = f"#{(image_id >> 16) & 255:02x}{(image_id >> 8) & 255:02x}{image_id & 255:02x}"
    high = chr(table[(image_id >> 24) & 255])
    lines = ["".join(f"{PLACEHOLDER}{chr(table[r])}{chr(table[c])}{high}" for c in range(cols)) for r in range(rows)]
    return colour, lines


def passthrough_writer(stream: Any) -> Any:
    """A replacement for textual-image's command writer that wraps each command for tmux."""

    def send(*, payload: str | None = None, **keys: int | str | None) -> None:
        stream.write(tmux_wrap(kitty_command(payload, **keys)))
        stream.flush()

    return send


def install_passthrough() -> None:
    """Route textual-image's kitty commands through tmux passthrough (inside tmux only)."""
    from textual_image.renderable import tgp

    if sys.__stdout__ is not None and not getattr(tgp._send_tgp_message, "runt_tmux", False):
        send = passthrough_writer(sys.__stdout__)
        send.runt_tmux = True
        tgp._send_tgp_message = send
