"""The command line: `runt-tui NOTEBOOK` is the main form; bad names are refused; `doctor`."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from runt_tui.cli import fast_open_args, route_argv
from runt_tui.doctor import Finding, escape_time_advice, report

TMUX = shutil.which("tmux")


def cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from runt_tui.cli import main; main()", *args],
        capture_output=True, text=True, timeout=60, env=env, cwd=cwd, check=False,
    )


def test_no_argument_prints_the_usage_with_the_notebook_form_first() -> None:
    done = cli()
    text = done.stdout + done.stderr
    assert "Missing command" not in text
    usage = [line.strip() for line in text.splitlines() if "runt-tui" in line]
    assert usage[0] == "Usage: runt-tui NOTEBOOK [OPTIONS]"
    assert "--name" in text and "--create" in text


def test_help_shows_the_notebook_form_and_no_open_command() -> None:
    done = cli("--help")
    assert done.returncode == 0
    assert "Usage: runt-tui NOTEBOOK [OPTIONS]" in done.stdout
    assert "runt-tui COMMAND [ARGS]..." in done.stdout
    for option in ("--name", "--kernel", "--embedded", "--images", "--follow", "--layout", "--theme", "--create"):
        assert option in done.stdout
    commands = done.stdout.split("Commands")[1]
    assert "doctor" in commands and "daemon" in commands
    assert not re.search(r"^\W*open\s", commands, re.M)  # the notebook form is not a command


def test_notebook_help_and_errors_name_the_notebook_form(tmp_path: Path) -> None:
    done = cli(str(tmp_path / "x.ipynb"), "--help")
    assert "Usage: runt-tui NOTEBOOK [OPTIONS]" in done.stdout
    bad = cli(str(tmp_path / "x.ipynb"), "--bogus")
    assert bad.returncode == 2 and "runt-tui NOTEBOOK --help" in bad.stderr and "open" not in bad.stderr


@pytest.mark.parametrize("args", [["notes.txt"], ["--name", "ann", "notes.txt"], ["notes"]])
def test_a_name_not_ending_in_ipynb_is_refused(tmp_path: Path, args: list[str]) -> None:
    env = {**os.environ, "RUNT_TUI_HOME": str(tmp_path / "home")}
    done = cli(*args, env=env, cwd=tmp_path)
    assert done.returncode == 2
    assert ".ipynb" in done.stderr
    assert list(tmp_path.iterdir()) == []  # no file, and no daemon state: nothing started


def test_a_mistyped_command_is_named_as_such(tmp_path: Path) -> None:
    done = cli("deamon", "stop", env={**os.environ, "RUNT_TUI_HOME": str(tmp_path / "home")}, cwd=tmp_path)
    assert done.returncode == 2
    assert "'deamon' is neither a command" in done.stderr and "daemon" in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_create_allows_any_name_and_ipynb_needs_nothing() -> None:
    assert fast_open_args(route_argv(["notes.txt"])) is None  # left to Typer, which refuses it
    allowed = fast_open_args(route_argv(["notes.txt", "--create"]))
    assert allowed is not None and allowed["notebook"] == Path("notes.txt")
    missing = fast_open_args(route_argv(["new.ipynb"]))  # created if missing, as before
    assert missing is not None and missing["notebook"] == Path("new.ipynb")
    assert route_argv(["doctor"]) == ["doctor"]


def test_escape_time_advice() -> None:
    assert escape_time_advice(0) is None and escape_time_advice(20) is None
    advice = escape_time_advice(500)
    assert advice is not None and "set -sg escape-time 10" in advice
    text, advised = report([Finding("TERM", "xterm"), Finding("tmux escape-time", "500 ms", advice)])
    assert advised == 1 and "500 ms" in text and "set -sg escape-time 10" in text


def test_doctor_outside_tmux(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("TMUX", "TMUX_PANE")}
    done = cli("doctor", env={**env, "TERM": "xterm-256color", "RUNT_TUI_HOME": str(tmp_path / "home")}, cwd=tmp_path)
    assert done.returncode == 0
    assert "xterm-256color" in done.stdout and "not inside tmux" in done.stdout


@pytest.mark.skipif(TMUX is None, reason="tmux is not installed")
@pytest.mark.parametrize("escape_time,advised", [(500, True), (10, False)])
def test_doctor_reads_tmux_escape_time(tmp_path: Path, escape_time: int, advised: bool) -> None:
    assert TMUX is not None
    server = f"rt-doctor-{os.getpid()}-{int(time.time() * 1000) % 100000}"

    def tmux(*args: str) -> str:
        return subprocess.run([TMUX, "-L", server, *args], capture_output=True, text=True, timeout=30, check=True).stdout

    tmux("new-session", "-d", "-s", "d", "sleep 60")
    try:
        tmux("set", "-sg", "escape-time", str(escape_time))
        socket = tmux("display", "-p", "#{socket_path}").strip()
        env = {**os.environ, "TMUX": f"{socket},0,0", "RUNT_TUI_HOME": str(tmp_path / "home")}
        done = cli("doctor", env=env, cwd=tmp_path)
        assert done.returncode == 0
        assert f"{escape_time} ms" in done.stdout and "tmux 3" in done.stdout
        assert ("set -sg escape-time 10" in done.stdout) == advised
    finally:
        subprocess.run([TMUX, "-L", server, "kill-server"], capture_output=True, timeout=30, check=False)


def test_panes_option_is_parsed_and_checked(tmp_path: Path) -> None:
    fast = fast_open_args(route_argv(["nb.ipynb", "--panes", "output", "--follow"]))
    assert fast is not None and fast["panes"] == "output" and fast["follow"] == ""
    assert fast_open_args(route_argv(["nb.ipynb", "--panes", "kernel,cells"]))["panes"] == "kernel,cells"  # type: ignore[index]
    assert fast_open_args(route_argv(["nb.ipynb", "--panes", "bogus"])) is None  # left to Typer, which refuses it
    env = {**os.environ, "RUNT_TUI_HOME": str(tmp_path / "home")}
    bad = cli(str(tmp_path / "nb.ipynb"), "--panes", "cells,bogus", env=env, cwd=tmp_path)
    assert bad.returncode == 2 and "unknown pane 'bogus'" in bad.stderr
    assert "--panes" in cli("--help").stdout
