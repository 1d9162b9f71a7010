"""`runt-tui daemon start` (issue 18: start ≤ 0.25 s): no Typer on a plain line, readiness by pipe.

Real processes on a real socket in a temp RUNT_TUI_HOME: the command line as the
console script runs it, the detached daemon it spawns. Nothing here is timed;
what is counted is which modules the command loads, how often a waiting client
tries the socket, and what the command says.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import HANG_GUARD, daemon_answers, daemon_processes, until

from runt_tui import daemon_start
from runt_tui.daemon_fork import TERMINAL_SIGNALS

# The console script, in a fresh interpreter (what `runt-tui ARGS` runs).
_CLI = "import sys; sys.argv[0] = 'runt-tui'; from runt_tui.cli import main; main()"

# The same, printing the modules loaded when the command is done.
_CLI_MODULES = """
import json, sys
sys.argv = ["runt-tui", *sys.argv[1:]]
from runt_tui.cli import main
try:
    main()
except SystemExit as e:
    code = e.code
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""

# What the fast path must not load: Typer and what it brings, the client, the daemon's server.
_NOT_FOR_A_PLAIN_START = ("typer", "click", "rich", "asyncio", "runt_tui.client", "runt_tui.daemon.server",
                          "runt_tui.protocol", "runt_tui.cli_daemon", "runt_tui.tui")


def cli(*args: str, timeout: float = HANG_GUARD) -> subprocess.CompletedProcess[str]:
    """Run `runt-tui ARGS` to completion."""
    return subprocess.run([sys.executable, "-c", _CLI, *args], capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)


def _loaded(names: list[str], prefixes: tuple[str, ...]) -> list[str]:
    return sorted(m for m in names if any(m == p or m.startswith(p + ".") for p in prefixes))


def test_a_plain_daemon_start_loads_no_typer_and_returns_once_the_socket_answers(home: Path) -> None:
    done = subprocess.run([sys.executable, "-c", _CLI_MODULES, "daemon", "start"], capture_output=True,
                          text=True, timeout=HANG_GUARD, stdin=subprocess.DEVNULL)
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["code"] == 0, done.stderr
    assert _loaded(out["modules"], _NOT_FOR_A_PLAIN_START) == []
    assert daemon_answers(home)  # no wait: the command returned after the daemon said it listens
    pid = daemon_processes(home)[0].pid
    assert done.stdout.startswith(f"daemon started (pid {pid}, socket {home / 'daemon.sock'})\n")


def test_start_again_says_already_running_and_json_names_the_same_daemon(home: Path) -> None:
    first = cli("daemon", "start", "--json")
    assert first.returncode == 0, first.stderr
    info = json.loads(first.stdout)
    assert info == {"version": info["version"], "pid": daemon_processes(home)[0].pid,
                    "socket": str(home / "daemon.sock"), "home": str(home)}
    again = cli("daemon", "start")
    assert again.returncode == 0, again.stderr
    assert again.stdout == f"daemon already running (pid {info['pid']})\n"
    assert json.loads(cli("daemon", "start", "--json").stdout) == info
    assert len(daemon_processes(home)) == 1


def test_options_reach_the_daemon_through_the_fast_path(home: Path) -> None:
    done = cli("daemon", "start", "--idle-exit=120", "--save-delay", "0.25", "--no-autosave")
    assert done.returncode == 0, done.stderr
    status = cli("daemon", "status", "--json")
    settings = json.loads(status.stdout)["settings"]
    assert (settings["idle_exit"], settings["save_delay"], settings["autosave"]) == (120.0, 0.25, False)


def test_a_daemon_that_dies_before_listening_is_reported_with_its_log(home: Path) -> None:
    home.mkdir(mode=0o700)
    (home / "daemon.log").write_text("an older line that is not this start's\n")
    (home / "blobs").write_text("a file where the daemon needs its blob directory")
    done = cli("daemon", "start")
    assert done.returncode == 1
    first, *rest = done.stderr.splitlines()
    assert first == f"runt-tui: the daemon did not start; see {home / 'daemon.log'}"
    assert any("blobs" in line for line in rest), done.stderr  # the daemon's own words, from its log
    assert not any("older line" in line for line in rest)
    assert daemon_processes(home) == []


def test_starts_at_the_same_instant_make_one_daemon_and_all_name_it(home: Path) -> None:
    procs = [subprocess.Popen([sys.executable, "-c", _CLI, "daemon", "start", "--json"], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL) for _ in range(3)]
    outs = [p.communicate(timeout=HANG_GUARD) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], outs
    pids = {json.loads(out)["pid"] for out, _ in outs}
    assert pids == {d.pid for d in daemon_processes(home)} and len(pids) == 1


def test_bad_values_are_refused_as_before(home: Path) -> None:
    done = cli("daemon", "start", "--idle-exit", "soon")
    assert done.returncode == 2 and "Invalid value for '--idle-exit'" in done.stderr  # Typer's own words
    config = Path(os.environ["XDG_CONFIG_HOME"]) / "runt-tui" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text("idle_exit = 5\nbogus = 1\n")
    # Plain (the fast path), then with a repeated option (Typer's path, which calls the same code).
    for args in (["daemon", "start"], ["daemon", "start", "--json", "--idle-exit", "1", "--idle-exit", "2"]):
        refused = cli(*args)
        assert (refused.returncode, refused.stderr) == (2, "runt-tui: unknown setting(s): bogus\n")
    assert daemon_processes(home) == [] and not (home / "daemon.sock").exists()


@pytest.mark.parametrize("args", [["--help"], ["daemon", "--help"], ["daemon", "start", "--help"]])
def test_help_is_typers(args: list[str]) -> None:
    # The console script's output is the Typer app's, byte for byte.
    via_typer = subprocess.run(
        [sys.executable, "-c", "import sys; from runt_tui.cli import app; app(args=sys.argv[1:], prog_name='runt-tui')",
         *args], capture_output=True, text=True, timeout=HANG_GUARD, env=_wide_env())
    via_main = subprocess.run([sys.executable, "-c", _CLI, *args], capture_output=True, text=True,
                              timeout=HANG_GUARD, env=_wide_env())
    assert via_main.returncode == via_typer.returncode == 0
    assert via_main.stdout == via_typer.stdout and "Usage: runt-tui" in via_main.stdout


def _wide_env() -> dict[str, str]:
    return {**os.environ, "COLUMNS": "100", "TERM": "dumb"}


# Command lines after `daemon start`; the fast path must read each exactly as Typer does.
_SAME_AS_TYPER = [
    [],
    ["--json"],
    ["--foreground"],
    ["--idle-exit", "5"],
    ["--idle-exit=5", "--json"],
    ["--save-delay", "0.1", "--max-save-interval", "2", "--room-cleanup-delay", "1e1"],
    ["--kernel-keepalive", "inf", "--blob-threshold", "1_000"],
    ["--autosave"],
    ["--no-autosave", "--json"],
]


@pytest.mark.parametrize("argv", _SAME_AS_TYPER, ids=lambda a: " ".join(a) or "plain")
def test_the_fast_path_reads_a_line_as_typer_does(argv: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from runt_tui import cli, cli_daemon

    calls: list[dict[str, Any]] = []

    def record(flags: dict[str, Any], as_json: bool = False, foreground: bool = False) -> int:
        calls.append({"flags": flags, "as_json": as_json, "foreground": foreground})
        return 0

    monkeypatch.setattr(cli_daemon, "run_start", record)
    with pytest.raises(SystemExit) as exited:
        cli.app(args=["daemon", "start", *argv], prog_name="runt-tui")
    assert exited.value.code == 0
    assert daemon_start.fast_start_args(argv) == calls[0]


@pytest.mark.parametrize("argv", [
    ["--help"], ["--idle-exit"], ["--idle-exit", "soon"], ["--blob-threshold", "1.5"], ["--json", "--json"],
    ["--autosave", "--no-autosave"], ["--idle-exit", "1", "--idle-exit", "2"], ["--json=yes"], ["extra"],
    ["--idle"], ["-h"], ["--"],
], ids=" ".join)
def test_anything_unusual_is_left_to_typer(argv: list[str]) -> None:
    assert daemon_start.fast_start_args(argv) is None


def test_the_forked_daemon_keeps_nothing_of_the_command_but_the_log(home: Path) -> None:
    # A descriptor the command inherited (beyond stdin/out/err) must not live on in the
    # daemon: whoever waits for its end of file (a pipe, a terminal) would wait forever.
    read_fd, write_fd = os.pipe()
    try:
        proc = subprocess.Popen([sys.executable, "-c", _CLI, "daemon", "start"], pass_fds=(write_fd,),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
        os.close(write_fd)
        out, err = proc.communicate(timeout=HANG_GUARD)  # returns: nobody else holds its pipes
        assert proc.returncode == 0, err
        readable, _, _ = select.select([read_fd], [], [], HANG_GUARD)
        assert readable and os.read(read_fd, 10) == b""  # end of file: the daemon holds no inherited end
    finally:
        os.close(read_fd)
    daemon = daemon_processes(home)[0]
    assert os.getsid(daemon.pid) == daemon.pid  # its own session: no terminal's hangup reaches it
    log = str(home / "daemon.log")
    assert [f.path for f in daemon.open_files() if f.fd in (1, 2)] == [log, log]
    assert out.decode() == f"daemon started (pid {daemon.pid}, socket {home / 'daemon.sock'})\n"


@contextlib.contextmanager
def _runner_sigint(disposition: Any) -> Iterator[None]:
    """This process's SIGINT disposition for the duration (restored after)."""
    old = signal.signal(signal.SIGINT, disposition)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)


def _popen_as_from_a_terminal(args: list[str], new_group: bool = False) -> subprocess.Popen[str]:
    """Start `args` with SIGINT at its default, as a shell starts a command in the foreground.

    A SIGINT ignored by this process would be inherited (a handler is not, exec resets it to
    the default), and a test runner often ignores it: a background job of a non-interactive
    shell (`pytest &`, how CI is often launched) starts with SIGINT ignored. Python then keeps
    it ignored, and the command would never see the Ctrl-C that a test sends it.
    """
    with _runner_sigint(signal.default_int_handler):
        return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                stdin=subprocess.DEVNULL, process_group=0 if new_group else None)


# The test runner's own SIGINT: its default, or ignored (a runner started with `&` by a script).
@pytest.mark.parametrize("runner", [signal.default_int_handler, signal.SIG_IGN], ids=["runner-default",
                                                                                   "runner-ignores-sigint"])
async def test_ctrl_c_while_waiting_says_aborted(home: Path, runner: Any) -> None:
    # The lock held by this test and no socket: the forked daemon waits for the lock, so the
    # command waits for it; Ctrl-C then ends the command the way Click ends one.
    from runt_tui.daemon.lifecycle import daemon_lock

    with _runner_sigint(runner), daemon_lock(home) as held:
        assert held
        proc = _popen_as_from_a_terminal([sys.executable, "-c", _CLI, "daemon", "start"])
        # The command and the daemon it forked (same command line): the command is past the fork.
        await until(lambda: len([p for p in daemon_processes(home) if p.pid != proc.pid]) == 1, "the fork")
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=HANG_GUARD)
    assert (proc.returncode, out, err) == (1, "", "\nAborted!\n")


# The console script, with a Ctrl-C at the instant after the fork: the terminal sends it to the
# whole foreground process group, the fork included until it has left for its own session.
_CLI_CTRL_C_AT_FORK = ("import functools, os, signal; "
                       "os.register_at_fork(after_in_child=functools.partial(os.killpg, 0, signal.SIGINT)); " + _CLI)


async def test_ctrl_c_reaching_the_fork_too_aborts_once_and_the_daemon_still_starts(home: Path) -> None:
    # Its own process group (as a shell's foreground job): the Ctrl-C reaches the command and its fork only.
    proc = _popen_as_from_a_terminal([sys.executable, "-c", _CLI_CTRL_C_AT_FORK, "daemon", "start"], new_group=True)
    out, err = proc.communicate(timeout=HANG_GUARD)
    assert (proc.returncode, out, err) == (1, "", "\nAborted!\n")  # no second "Aborted!", no traceback
    # The fork left the terminal's session with the Ctrl-C dropped: it goes on and listens.
    await until(lambda: daemon_answers(home), "the daemon")
    [daemon] = daemon_processes(home)
    assert "KeyboardInterrupt" not in (home / "daemon.log").read_text()
    assert _blocked_signals(daemon.pid) & TERMINAL_SIGNALS == set()  # blocked only across the fork


def _blocked_signals(pid: int) -> set[int]:
    """The signals blocked in process `pid`'s main thread, from /proc."""
    status = Path(f"/proc/{pid}/status").read_text()
    mask = int(next(line.split()[1] for line in status.splitlines() if line.startswith("SigBlk:")), 16)
    return {n for n in range(1, 65) if mask >> (n - 1) & 1}
