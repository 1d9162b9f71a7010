"""Images inside tmux: kitty Unicode placeholders through passthrough, sixel on tmux 3.4+, doctor's advice.

The escape sequences are checked byte for byte (tui/kitty_tmux.py builds them
purely); textual-image's writer, once wrapped, is checked on what it writes;
the choice of protocol is a table over what tmux reports (doctor.py); and
`runt-tui doctor` is run inside a real tmux server with passthrough on and off.
"""

from __future__ import annotations

import io
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from PIL import Image as PILImage
from rich.console import Console
from test_cli import TMUX, cli

from runt_tui.doctor import PASSTHROUGH_ADVICE, TRUECOLOR_ADVICE, TmuxGraphics, choose_tmux_graphics
from runt_tui.tui.kitty_tmux import (
    PLACEHOLDER,
    diacritics,
    install_passthrough,
    kitty_command,
    placeholder_rows,
    tmux_wrap,
)


def test_tmux_wrap_doubles_every_escape() -> None:
    seq = kitty_command("QUJD", a="t", i=7)
    assert seq == "\x1b_Ga=t,i=7;QUJD\x1b\\"
    assert tmux_wrap(seq) == "\x1bPtmux;\x1b\x1b_Ga=t,i=7;QUJD\x1b\x1b\\\x1b\\"


def test_placeholders_carry_row_column_and_id() -> None:
    table = diacritics()
    assert table[:3] == [0x305, 0x30D, 0x30E] and len(table) >= 256
    image_id = (5 << 24) | 0x123456
    colour, rows = placeholder_rows(image_id, 3, 2)
    assert colour == "#123456"
    high = chr(table[5])
    assert rows[1] == "".join(f"{PLACEHOLDER}{chr(table[1])}{chr(table[c])}{high}" for c in range(3))
    assert all(len(r) == 3 * 4 for r in rows)
    with pytest.raises(ValueError):
        placeholder_rows(1, len(table) + 1, 1)


def test_textual_images_kitty_writer_is_wrapped_inside_tmux(monkeypatch: pytest.MonkeyPatch) -> None:
    from textual_image.renderable import tgp

    out = io.StringIO()
    monkeypatch.setattr(tgp, "_send_tgp_message", tgp._send_tgp_message)  # restored afterwards
    monkeypatch.setattr(sys, "__stdout__", out)
    install_passthrough()
    buf = io.BytesIO()
    PILImage.new("RGB", (40, 40), (200, 10, 10)).save(buf, "PNG")
    image = tgp.Image(io.BytesIO(buf.getvalue()), width=4, height=2)
    drawn = Console(width=20, file=io.StringIO(), color_system="truecolor", legacy_windows=False)
    with drawn.capture() as capture:
        drawn.print(image)
    sent = out.getvalue()
    commands = sent.split("\x1bPtmux;")[1:]
    assert commands and sent.startswith("\x1bPtmux;")
    assert all(c.startswith("\x1b\x1b_G") and c.endswith("\x1b\x1b\\\x1b\\") for c in commands)
    assert "U=1" in commands[-1] and "a=p" in commands[-1]  # a virtual placement
    assert all(f"i={image.terminal_image_id}" in c for c in commands)
    # The cells hold placeholders (which tmux keeps as text), exactly as kitty expects them.
    colour, rows = placeholder_rows(image.terminal_image_id, 4, 2)
    shown = capture.get()
    assert all(row in shown for row in rows)
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    assert f"\x1b[38;2;{r};{g};{b}m" in shown


@pytest.mark.parametrize(("g", "mode", "advised"), [
    (TmuxGraphics("3.3a", "on", "xterm-kitty", "", False), "kitty", False),
    (TmuxGraphics("3.4", "all", "xterm-256color", "", True), "kitty", False),
    (TmuxGraphics("3.4", "off", "xterm-kitty", "RGB,sixel", False), "sixel", False),
    (TmuxGraphics("3.3a", "off", "xterm-kitty", "", False), "halfblock", True),
    (TmuxGraphics("3.3a", "off", "xterm-256color", "sixel", False), "halfblock", True),
    (TmuxGraphics("next-3.5", None, "foot", "sixel", False), "sixel", False),
    (TmuxGraphics(None, None, None, None, False), "halfblock", True),
    (TmuxGraphics("3.4", "on", "xterm-kitty", "", False, truecolor=False), "halfblock", True),
])
def test_protocol_choice_inside_tmux(g: TmuxGraphics, mode: str, advised: bool) -> None:
    chosen, why, advice = choose_tmux_graphics(g)
    assert chosen == mode and why
    assert (advice is not None) == advised
    if mode == "halfblock" and "kitty" in (g.client_term or ""):
        assert advice == (PASSTHROUGH_ADVICE if g.truecolor else TRUECOLOR_ADVICE)


@pytest.mark.skipif(TMUX is None, reason="tmux is not installed")
@pytest.mark.parametrize("passthrough", ["on", "off"])
def test_doctor_reports_images_and_passthrough_in_tmux(tmp_path: Path, passthrough: str) -> None:
    assert TMUX is not None
    server = f"rt-gfx-{os.getpid()}-{int(time.time() * 1000) % 100000}"

    def tmux(*args: str) -> str:
        return subprocess.run([TMUX, "-L", server, *args], capture_output=True, text=True, timeout=30, check=True).stdout

    tmux("new-session", "-d", "-s", "d", "sleep 60")
    try:
        tmux("set", "-g", "allow-passthrough", passthrough)
        socket = tmux("display", "-p", "#{socket_path}").strip()
        env = {**os.environ, "TMUX": f"{socket},0,0", "RUNT_TUI_HOME": str(tmp_path / "home"), "KITTY_WINDOW_ID": "1",
               "COLORTERM": "truecolor"}
        done = cli("doctor", env=env, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        assert f"allow-passthrough:   {passthrough}" in done.stdout
        if passthrough == "on":
            assert "kitty Unicode placeholders through tmux passthrough" in done.stdout
            assert "allow-passthrough on`" not in done.stdout
        else:
            assert "set -g allow-passthrough on" in done.stdout
    finally:
        subprocess.run([TMUX, "-L", server, "kill-server"], capture_output=True, timeout=30, check=False)


@pytest.mark.skipif(TMUX is None, reason="tmux is not installed")
def test_auto_inside_tmux_with_passthrough_picks_kitty_and_wraps(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from textual_image.renderable import tgp

    from runt_tui.tui import graphics

    assert TMUX is not None
    server = f"rt-gfx-auto-{os.getpid()}-{int(time.time() * 1000) % 100000}"

    def tmux(*args: str) -> str:
        return subprocess.run([TMUX, "-L", server, *args], capture_output=True, text=True, timeout=30, check=True).stdout

    tmux("new-session", "-d", "-s", "d", "sleep 60")
    monkeypatch.setattr(tgp, "_send_tgp_message", tgp._send_tgp_message)
    monkeypatch.setattr(graphics, "_is_terminal", lambda: True)
    monkeypatch.setenv("KITTY_WINDOW_ID", "1")
    monkeypatch.setenv("COLORTERM", "truecolor")
    try:
        socket = tmux("display", "-p", "#{socket_path}").strip()
        monkeypatch.setenv("TMUX", f"{socket},0,0")
        tmux("set", "-g", "allow-passthrough", "off")
        assert graphics.prepare_images("auto") == "halfblock"
        assert not getattr(tgp._send_tgp_message, "runt_tmux", False)
        tmux("set", "-g", "allow-passthrough", "on")
        assert graphics.prepare_images("auto") == "kitty"
        assert getattr(tgp._send_tgp_message, "runt_tmux", False)
    finally:
        graphics.reset_images()
        subprocess.run([TMUX, "-L", server, "kill-server"], capture_output=True, timeout=30, check=False)


@pytest.mark.skipif(TMUX is None, reason="tmux is not installed")
def test_app_in_tmux_draws_kitty_placeholders_that_tmux_keeps(tmp_path: Path) -> None:
    from support.tui import png, write_notebook
    from test_tui_tmux import Tmux, runt_tui

    nb = write_notebook(tmp_path / "img.ipynb", [("code", "show()")], {
        0: [{"output_type": "display_data", "metadata": {}, "data": {"image/png": png(64, 32), "text/plain": "<img>"}}]})
    home = Path(tempfile.mkdtemp(prefix="rt-", dir="/tmp"))  # short: the daemon's socket path
    t = Tmux(home)
    try:
        t.run("new-session", "-d", "-s", "keep", "sleep 120")  # the server, holding the option
        t.run("set", "-g", "allow-passthrough", "on")
        env = f"RUNT_TUI_HOME={shlex.quote(str(home))} TERM=xterm-256color COLORTERM=truecolor KITTY_WINDOW_ID=1"
        command = f"env {env} {shlex.join(runt_tui(str(nb), '--name', 'ann'))}; sleep 60"
        t.run("new-session", "-d", "-s", "a", "-x", "100", "-y", "30", command)
        screen = t.wait("a", lambda s: PLACEHOLDER in s, timeout=90)
        assert "<img>" not in screen  # the pixels, not the text fallback
        coloured = t.run("capture-pane", "-p", "-e", "-t", "a")
        # The placeholder's 24-bit colour names the image (a 256-colour one would name another).
        assert re.search("\x1b\\[38;2;\\d+;\\d+;\\d+m" + PLACEHOLDER, coloured), coloured
        t.keys("a", "q")
    finally:
        t.close()
        subprocess.run(runt_tui("daemon", "stop"), env={**os.environ, "RUNT_TUI_HOME": str(home)},
                       capture_output=True, timeout=60, check=False)
        shutil.rmtree(home, ignore_errors=True)
