"""Row 6 of issue 18: `runt-tui daemon start` from process start to the socket answering a ping.

Each run uses a fresh RUNT_TUI_HOME; the bench polls the socket every ~2 ms with a real
`ping` request (its own client, in this process: one more process on the 2 cores while
the daemon starts) and stops the daemon afterwards. Paired with it, alternating, the
raw interpreter start of the same `--python`: `python -c pass` (the ratio's baseline)
and `python -c "import asyncio"`.
"""

from __future__ import annotations

import statistics
import subprocess
import time

from peer_runt import drop_home, fresh_home, terminate, wait_answering
from tui_context import Bench
from tui_report import Row, spread


def python_start(python: str, code: str) -> float:
    """Wall seconds of `python -c code` from spawn to exit."""
    start = time.perf_counter()
    subprocess.run([python, "-c", code], check=True)
    return time.perf_counter() - start


def daemon_start_once(b: Bench) -> tuple[float, float]:
    """(seconds to the first answered ping, seconds until `daemon start` itself exited)."""
    home = fresh_home()
    proc: subprocess.Popen[bytes] | None = None
    try:
        start = time.perf_counter()
        proc = b.runt.spawn_cli(home, "daemon", "start")
        answered = wait_answering(home)
        proc.wait(30)
        exited = time.perf_counter()
        return answered - start, exited - start
    finally:
        if proc is not None:
            terminate(proc)
        drop_home(b.runt, home)


def daemon_start(b: Bench) -> Row:
    row = Row("daemon-start", "daemon start (`daemon start` to socket answering)", "s", [], target="≤ 0.25 s")
    cli_exit: list[float] = []
    asyncio_start: list[float] = []
    for _ in range(b.runs):
        answered, exited = daemon_start_once(b)
        row.runt.append(answered)
        cli_exit.append(exited)
        row.peer.append(python_start(b.runt.python, "pass"))
        asyncio_start.append(python_start(b.runt.python, "import asyncio"))
    row.extra.update(cli_exit=cli_exit, python_import_asyncio=asyncio_start)
    row.extra["peer_text"] = f"`python -c pass` {spread(row.peer, 's')}"
    row.notes.append(f"ratio is over `python -c pass`; `python -c \"import asyncio\"` {spread(asyncio_start, 's')}; "
                     f"the `daemon start` command itself exited after {spread(cli_exit, 's')}")
    row.met = statistics.median(row.runt) <= 0.25
    return row
