"""A private tmux server for the terminal benchmarks: start programs in 120x40 panes, poll their screens.

Every timing here is "the moment a `capture-pane` first showed it": one look costs a
tmux round trip (about 1-3 ms on an idle machine, measured by `look_cost`), so each
figure carries up to one look of polling delay, the same for every program compared.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

TMUX = shutil.which("tmux")
WIDTH, HEIGHT = 120, 40
CLK_TCK = os.sysconf("SC_CLK_TCK")


@dataclass
class Seen:
    """When a wait ended and how many distinct screens it saw on the way (frames, roughly)."""

    at: float
    frames: int
    screen: str


class ProgramExited(RuntimeError):
    """The program of a session exited while a wait was looking for something on its screen."""


class Tmux:
    """A private tmux server (its own socket) whose sessions each run one program."""

    def __init__(self) -> None:
        self.socket = f"rt-bench-{os.getpid()}"
        # A session that outlives the measured ones keeps the server (and its options) alive.
        self.run("new-session", "-d", "-s", "keep", "-x", str(WIDTH), "-y", str(HEIGHT), "sleep 100000")
        # 10 ms, as `runt-tui doctor` advises: the default 500 ms makes runt-tui show a notice.
        self.run("set-option", "-s", "escape-time", "10")
        # A program that exits keeps its pane (and its last words) for the report.
        self.run("set-option", "-g", "remain-on-exit", "on")

    def run(self, *args: str) -> str:
        assert TMUX is not None
        return subprocess.run([TMUX, "-L", self.socket, *args], capture_output=True, text=True).stdout

    def start(self, name: str, argv: list[str], env: Mapping[str, str], cwd: Path, width: int = WIDTH) -> float:
        """Run argv in a new width x HEIGHT session; the perf_counter just before tmux was asked."""
        assigns = " ".join(f"{k}={shlex.quote(v)}" for k, v in {"TERM": "xterm-256color", **env}.items())
        command = f"cd {shlex.quote(str(cwd))} && exec env {assigns} {shlex.join(argv)}"
        start = time.perf_counter()
        self.run("new-session", "-d", "-s", name, "-x", str(width), "-y", str(HEIGHT), command)
        return start

    def screen(self, name: str) -> str:
        return self.run("capture-pane", "-p", "-t", name)

    def keys(self, name: str, *keys: str, literal: bool = False) -> None:
        self.run("send-keys", "-t", name, *(["-l"] if literal else []), *keys)

    def wait(self, name: str, predicate: Callable[[str], bool], timeout: float = 60.0, before: str = "") -> Seen:
        """Poll until predicate(screen) holds; raises TimeoutError with the last screen.

        Seen.frames counts the distinct screens seen that differ from `before`.
        """
        deadline = time.perf_counter() + timeout
        last, frames, looks = before, 0, 0
        while True:
            looks += 1
            screen = self.screen(name)
            now = time.perf_counter()
            if screen != last:
                frames, last = frames + 1, screen
            if predicate(screen):
                return Seen(now, frames, screen)
            if now > deadline:
                raise TimeoutError(f"{name} after {timeout:.0f} s:\n{screen}")
            if looks % 50 == 0 and self.dead(name):  # now and then, not at every look
                raise ProgramExited(f"{name} exited:\n{self.screen(name)}")
            time.sleep(0.0005)

    def dead(self, name: str) -> bool:
        """Whether the session's program has exited (its pane kept by remain-on-exit) or it is gone."""
        return self.run("display-message", "-p", "-t", name, "#{pane_dead}").strip() != "0"

    def pane_pid(self, name: str) -> int:
        return int(self.run("display-message", "-p", "-t", name, "#{pane_pid}").strip())

    def finish(self, name: str, quit_keys: list[str], timeout: float = 10.0) -> None:
        """Quit the program with its keys, kill it if it lingers, then drop the session."""
        try:
            pid = self.pane_pid(name)
        except ValueError:
            return
        if self.dead(name):
            self.run("kill-session", "-t", name)
            return
        for key in quit_keys:  # one at a time: Esc then q within escape-time would read as Alt+q
            self.keys(name, key)
            time.sleep(0.05)
        if not wait_gone(pid, timeout):
            kill_group(pid)
        self.run("kill-session", "-t", name)

    def look_cost(self, name: str, looks: int = 50) -> float:
        """Median seconds one capture-pane takes now (the polling cost of every figure)."""
        costs = []
        for _ in range(looks):
            start = time.perf_counter()
            self.screen(name)
            costs.append(time.perf_counter() - start)
        return sorted(costs)[len(costs) // 2]

    def close(self) -> None:
        self.run("kill-server")


def wait_gone(pid: int, timeout: float) -> bool:
    """Whether process pid exited within timeout seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.02)
    return False


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().rsplit(")", 1)[-1].split()[0] == "Z")


def kill_group(pid: int) -> None:
    """SIGKILL a stuck program and everything in its process group (e.g. a peer's kernel)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(os.getpgid(pid), signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, signal.SIGKILL)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (/proc/PID/stat utime + stime)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def idle_after(pid: int, since: float, quiet: float = 0.1, timeout: float = 30.0) -> float:
    """Seconds from `since` until the process's CPU time stops growing for `quiet` seconds.

    Sampled every 5 ms; CPU time moves in 1/CLK_TCK steps (10 ms), so "idle" means less
    than one tick in the quiet window. Returns the start of the first quiet window.
    """
    deadline = time.perf_counter() + timeout
    mark_t, mark_cpu = time.perf_counter(), cpu_seconds(pid)
    while time.perf_counter() < deadline:
        time.sleep(0.005)
        now, cpu = time.perf_counter(), cpu_seconds(pid)
        if cpu != mark_cpu:
            mark_t, mark_cpu = now, cpu
        elif now - mark_t >= quiet:
            return max(0.0, mark_t - since)
    return float("inf")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")
