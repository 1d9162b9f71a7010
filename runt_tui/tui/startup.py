"""Start the app in a terminal, joining the notebook while Textual is still being imported.

Joining a big notebook keeps the daemon busy for a while (it serialises the
document for us): the join request is sent before the heavy imports, on the
event loop the app then runs on, so that wait overlaps with our own start-up.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from runt_tui.tui.app_options import AppOptions

# Waiting longer than this (a daemon being spawned) is left for the app's loop.
_PUMP_SECONDS = 0.05


def _join_sent(task: asyncio.Task[None]) -> bool:
    # The join request is sent in the same step that creates the client's reader task.
    return task.done() or any(t.get_name() == "runt-client-reader" for t in asyncio.all_tasks())


async def _pump(task: asyncio.Task[None], socket: Path | None) -> None:
    """Run the loop until the join request is on its way (handshake included), briefly.

    With no daemon socket yet (a daemon just spawned, `cli.py`) there is nothing to
    wait for here: the app's imports go first, the connection follows on the app's loop.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + _PUMP_SECONDS
    await asyncio.sleep(0)
    while not _join_sent(task) and loop.time() < deadline:
        if socket is not None and not socket.exists():
            return
        await asyncio.sleep(0.0005)


# Loggers whose records must never reach the terminal the app draws on.
_QUIET_LOGGERS = ("runt_tui", "textual_image")


def log_to_file(home: Path | None) -> Path | None:
    """Send the app's warnings (and textual-image's) to `tui.log` in the state dir, never to the
    terminal: Python prints unhandled log records, tracebacks included, on stderr."""
    from runt_tui.settings import ensure_private_dir, state_dir

    path = (home or state_dir()) / "tui.log"
    handler: logging.Handler
    try:
        ensure_private_dir(path.parent)
        handler = logging.FileHandler(path, encoding="utf-8")
    except OSError:
        handler = logging.NullHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"))
    handler.setLevel(logging.WARNING)
    for name in _QUIET_LOGGERS:
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        logger.propagate = False
    return path if isinstance(handler, logging.FileHandler) else None


def launch(options: AppOptions) -> int:
    """Run the app in this terminal; returns the exit code."""
    import sys

    from runt_tui.client import AsyncSession, DaemonUnavailable

    log_to_file(Path(options.home) if options.home is not None else None)
    with asyncio.Runner() as runner:
        loop = runner.get_loop()
        session: AsyncSession | None = None
        connecting: asyncio.Task[None] | None = None
        if not options.embedded:
            session = AsyncSession(path=None if options.url else options.path, url=options.url,
                                   name=options.name, home=options.home, kind="viewer" if options.view else "tui")
            try:
                # ssh:// only: ssh may ask for a password or a host key before the app takes the screen.
                runner.run(session.prepare_transport())
            except DaemonUnavailable as e:
                runner.run(session.close())
                print(f"runt-tui: {e}", file=sys.stderr)
                return 2
            connecting = loop.create_task(session.connect(), name="runt-connect")
            runner.run(_pump(connecting, None if options.url else session.home / "daemon.sock"))
        from runt_tui.tui import metakeys
        from runt_tui.tui.app import NotebookApp
        from runt_tui.tui.graphics import prepare_images

        prepare_images(options.images)
        metakeys.install()
        app = NotebookApp(options, session, connecting=connecting)
        from runt_tui.tui.prepaint_driver import driver_class

        app.driver_class = driver_class() or app.driver_class  # adopt a pre-painted screen
        app.run(loop=loop)
        return app.return_code or 0
