"""A client in another process that joins a room and then never reads: suspend it to make it silent."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

SLEEPER = """
import asyncio, sys
from runt_tui.client import AsyncSession

async def main() -> None:
    async with AsyncSession(notebook_id=sys.argv[2], name="sleeper", home=sys.argv[1], autostart=False):
        print("joined", flush=True)
        await asyncio.sleep(3600)

asyncio.run(main())
"""


@contextlib.asynccontextmanager
async def joined_sleeper(home: Path, notebook_id: str, guard: float) -> AsyncIterator[asyncio.subprocess.Process]:
    """The "sleeper" peer's process, once it has joined `notebook_id`; killed (even when stopped) on leaving."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", SLEEPER, str(home), notebook_id, stdout=asyncio.subprocess.PIPE
    )
    try:
        assert proc.stdout is not None
        assert await asyncio.wait_for(proc.stdout.readline(), guard) == b"joined\n"
        yield proc
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, signal.SIGKILL)
            os.kill(proc.pid, signal.SIGCONT)
        await proc.wait()
