"""Building one environment with uv (or conda): subprocesses, progress, cancel, failure.

A build runs `uv venv` then `uv pip install -v` into the store's directory for its key,
reading uv's output as progress. Cancelling kills uv's process group and removes the
half-built directory; a failure raises BuildError with uv's whole message. uv's own
configuration applies (uv.toml, UV_INDEX_URL, UV_FIND_LINKS, UV_OFFLINE, ...); the
wheelhouse of this installation's ipykernel is always offered with `--find-links`.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path

from runt_tui.env.build_progress import Progress, error_text, feed
from runt_tui.env.conda import conda_command
from runt_tui.env.resolve import KERNEL_PACKAGE, EnvRequest
from runt_tui.env.store import EnvInfo, EnvStore, env_python

ProgressHandler = Callable[[Progress], None]


class BuildError(RuntimeError):
    """An environment could not be built; the message is the tool's own error."""


def find_uv() -> str:
    """The uv binary shipped by the `uv` package (or on PATH)."""
    try:
        import uv

        return str(uv.find_uv_bin())
    except (ImportError, FileNotFoundError):
        import shutil

        found = shutil.which("uv")
        if found is None:
            raise BuildError("uv is not installed: `pip install uv`") from None
        return found


async def run_tool(argv: list[str], progress: Progress, on_progress: ProgressHandler, env: dict[str, str]) -> None:
    """Run one build command, feeding its output to `progress`; BuildError when it fails.

    Cancelling the awaiting task kills the command's whole process group.
    """
    try:
        proc = await asyncio.create_subprocess_exec(
            *argv, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT, env=env, start_new_session=True,
        )
    except OSError as e:
        raise BuildError(f"cannot run {argv[0]}: {e}") from None
    try:
        assert proc.stdout is not None
        async for raw in proc.stdout:
            if feed(progress, raw.decode("utf-8", "replace")):
                on_progress(progress)
        code = await proc.wait()
    except BaseException:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        with contextlib.suppress(Exception):
            await asyncio.shield(proc.wait())
        raise
    if code != 0:
        raise BuildError(error_text(progress))


def _uv_env() -> dict[str, str]:
    env = dict(os.environ)
    # A notebook's environment must not inherit the daemon's own virtual environment.
    env.pop("VIRTUAL_ENV", None)
    env.setdefault("UV_NO_PROGRESS", "1")
    return env


def uv_install(python: Path, wheelhouse: Path | None) -> list[str]:
    """`uv pip install` into the environment of `python`, before the packages."""
    # Compiled at install time as pip does: a kernel must not pay for compiling IPython
    # at every start where bytecode is never written (PYTHONDONTWRITEBYTECODE, read-only).
    install = [find_uv(), "pip", "install", "-v", "--compile-bytecode", "--python", str(python)]
    # A --find-links flag replaces UV_FIND_LINKS (comma-separated): pass both as flags.
    links = [x for x in os.environ.get("UV_FIND_LINKS", "").split(",") if x.strip()]
    if wheelhouse is not None:
        links.append(str(wheelhouse))
    for link in links:
        install += ["--find-links", link.strip()]
    return install


def uv_commands(request: EnvRequest, path: Path, wheelhouse: Path | None) -> list[list[str]]:
    """The uv invocations that build `request` into `path`."""
    venv = [find_uv(), "venv", str(path), "--python", request.python(), "--quiet"]
    install = uv_install(env_python(path), wheelhouse)
    if request.prerelease:
        install += ["--prerelease", "allow"]
    install += list(request.dependencies)
    if request.adds_kernel:
        install.append(KERNEL_PACKAGE)
    return [venv, install]


async def python_version(python: Path) -> str:
    """The X.Y.Z version of an environment's interpreter."""
    proc = await asyncio.create_subprocess_exec(
        str(python), "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
    )
    out, _ = await proc.communicate()
    return out.decode().strip() or "?"


async def build_env(
    store: EnvStore, request: EnvRequest, on_progress: ProgressHandler, wheelhouse: Path | None = None
) -> EnvInfo:
    """Build `request`'s environment in the store (the caller made sure it is not there yet)."""
    key = request.key()
    store.root.mkdir(parents=True, exist_ok=True)
    path = store.build_dir(key)
    progress = Progress(step="creating")
    on_progress(progress)
    try:
        if request.kind == "conda":
            commands = [conda_command(request, path)]
        else:
            commands = uv_commands(request, path, wheelhouse)
        for argv in commands:
            await run_tool(argv, progress, on_progress, _uv_env())
        python = env_python(path)
        info = EnvInfo(key=key, kind=request.kind, path=str(path), python=str(python),
                       python_version=await python_version(python),
                       dependencies=list(request.dependencies), created=time.time())
        store.finish(info)
    except BaseException:
        store.discard(path)
        raise
    progress.step = "ready"
    progress.package = None
    on_progress(progress)
    return info


async def add_packages(info: EnvInfo, specs: list[str], on_progress: ProgressHandler,
                       wheelhouse: Path | None = None) -> None:
    """Install more packages into a built environment (its kernel may be running)."""
    progress = Progress(step="resolving")
    on_progress(progress)
    await run_tool([*uv_install(Path(info.python), wheelhouse), *specs], progress, on_progress, _uv_env())


def default_python() -> str:
    """The interpreter environments are built with when a notebook names none."""
    return sys.executable
