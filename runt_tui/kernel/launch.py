"""Starting and stopping one local kernel process on the IPC transport."""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import os
import signal
import sys
from pathlib import Path
from typing import Any

from jupyter_client.kernelspec import NoSuchKernel
from jupyter_client.manager import AsyncKernelManager

from runt_tui.kernel.plotting import inline_plots_argv
from runt_tui.kernel.proctree import ProcessTree
from runt_tui.private import UnsafePath, check_private_dir, check_private_entry, open_private

# Linux's sun_path holds 108 bytes including the NUL; zmq needs room for the
# "-N" port suffix jupyter_client appends to the ipc base path.
_MAX_IPC_PATH = 100

# Process trees of kernels we started and have not ended yet; killed at
# interpreter exit so no kernel (nor anything it started) outlives the daemon
# even on an unclean exit path (ipykernel polls its parent pid; its children do not).
_LIVE_TREES: set[ProcessTree] = set()


class KernelLaunchError(RuntimeError):
    """The kernel could not be started; the message says why."""


class KernelDiedError(RuntimeError):
    """The kernel went away (died, restarted or shut down) before answering."""


def end_all_trees() -> None:
    """SIGKILL every kernel tree not ended yet (at exit, and on the daemon's way out)."""
    for tree in list(_LIVE_TREES):
        end_tree(tree)


atexit.register(end_all_trees)


def end_tree(tree: ProcessTree) -> list[int]:
    """SIGKILL whatever is left of a kernel's process tree; return the pids signalled."""
    _LIVE_TREES.discard(tree)
    return tree.kill()


def track_tree(tree: ProcessTree, pid: int | None) -> None:
    """Name the launched kernel as the tree's root and keep it for the exit-time safety net."""
    tree.set_root(pid)
    _LIVE_TREES.add(tree)


def prepare_dir(runtime_dir: Path) -> Path:
    """Create the private kernel directory and return the ipc base path."""
    try:
        check_private_dir(runtime_dir.parent)
        check_private_dir(runtime_dir)
        # jupyter_client writes kernel.json with a plain open(): nothing in here may be
        # a symlink or another user's.
        for entry in runtime_dir.iterdir():
            if not entry.is_dir() or entry.is_symlink():
                check_private_entry(entry, "socket" if entry.name.startswith(("ipc-", "pipe-")) else "file")
    except UnsafePath as e:
        raise KernelLaunchError(str(e)) from None
    base = runtime_dir / "ipc"
    if len(os.fsencode(base)) > _MAX_IPC_PATH:
        raise KernelLaunchError(
            f"kernel directory path is too long for ipc sockets ({runtime_dir}); "
            "use a shorter RUNT_TUI_HOME"
        )
    # Sockets left by a kernel of a crashed daemon would shift the port
    # numbers jupyter_client picks; the directory is ours alone.
    remove_sockets(runtime_dir)
    return base


def remove_sockets(runtime_dir: Path) -> None:
    """Delete ipc socket files left in a kernel directory."""
    for pattern in ("ipc-*", "pipe-*"):
        for stale in runtime_dir.glob(pattern):
            with contextlib.suppress(OSError):
                stale.unlink()


def make_manager(runtime_dir: Path, kernel_name: str | None, python: str | None = None) -> AsyncKernelManager:
    """Build a manager on the ipc transport inside `runtime_dir` (ipykernel on `python` when given)."""
    base = prepare_dir(runtime_dir)
    kwargs: dict[str, Any] = {
        "transport": "ipc",
        "ip": str(base),
        "connection_file": str(runtime_dir / "kernel.json"),
        # We watch the process ourselves and report death instead of
        # silently restarting it.
        "autorestart": False,
    }
    if kernel_name:
        kwargs["kernel_name"] = kernel_name
    km = AsyncKernelManager(**kwargs)
    try:
        spec = km.kernel_spec  # resolves the name now, not deep inside start
    except NoSuchKernel:
        names = sorted(km.kernel_spec_manager.find_kernel_specs())
        raise KernelLaunchError(
            f"no kernel named {kernel_name!r} (available: {', '.join(names) or 'none'})"
        ) from None
    except Exception as exc:
        raise KernelLaunchError(f"cannot read kernelspec {kernel_name!r}: {exc}") from exc
    if spec is None or not spec.argv:
        raise KernelLaunchError(f"kernelspec {kernel_name!r} has no command")
    spec.argv = inline_plots_argv(env_launcher(python) if python else _own_launcher(list(spec.argv)))
    return km


def env_launcher(python: str) -> list[str]:
    """ipykernel on a notebook environment's interpreter, through our launcher's file.

    The environment has ipykernel but not runt_tui: the launcher (stdlib, zmq and
    ipykernel only) runs from its path, which run_path keeps off sys.path.
    """
    path = str(Path(__file__).with_name("ipykernel_launcher.py"))
    code = f"import runpy; runpy.run_path({path!r}, run_name='__main__')"
    return [python, "-c", code, "-f", "{connection_file}"]


def venv_env(python: str, env: dict[str, str]) -> dict[str, str]:
    """VIRTUAL_ENV and PATH for a kernel in an environment, so `!pip` and tools find it."""
    prefix = Path(python).parent.parent
    bindir = str(Path(python).parent)
    return {"VIRTUAL_ENV": str(prefix), "PATH": os.pathsep.join([bindir, env.get("PATH", "")]).rstrip(os.pathsep)}


def _own_launcher(argv: list[str]) -> list[str]:
    # ipykernel on our own interpreter gets our launcher, which moves its
    # one loopback TCP socket onto ipc (see ipykernel_launcher.py). Other
    # interpreters may not have runt_tui installed: leave them alone.
    # jupyter_client itself runs a bare "python"/"python3"/"python3.11" as
    # sys.executable (ipykernel's bundled spec says "python").
    v = sys.version_info
    ours = {"python", f"python{v[0]}", f"python{v[0]}.{v[1]}"}
    if (
        len(argv) >= 3
        and argv[1:3] == ["-m", "ipykernel_launcher"]
        and (argv[0] in ours or os.path.abspath(argv[0]) == os.path.abspath(sys.executable))
    ):
        return [argv[0], "-m", "runt_tui.kernel.ipykernel_launcher", *argv[3:]]
    return argv


async def launch(
    km: AsyncKernelManager,
    log_path: Path,
    cwd: str | None,
    env: dict[str, str],
    tree: ProcessTree,
    *,
    previous: ProcessTree | None = None,
) -> None:
    """Start the kernel process as `tree`'s root; every failure becomes KernelLaunchError.

    Given the `previous` kernel's tree, restart: that tree is recorded while the old
    kernel still names its children, and ended once the kernel is replaced.
    """
    restart = previous is not None
    if previous is not None:
        await asyncio.to_thread(previous.scan)
    try:
        await _launch(km, log_path, cwd, {**env, **tree.env()}, restart)
        track_tree(tree, kernel_pid(km))
    finally:
        if previous is not None:
            end_tree(previous)


async def _launch(km: AsyncKernelManager, log_path: Path, cwd: str | None, env: dict[str, str], restart: bool) -> None:
    name = km.kernel_name
    # The kernel's own stderr (tracebacks at import time, warnings) goes to a
    # file we can quote in error messages instead of the daemon's terminal;
    # a fresh start truncates it so it cannot grow without bound.
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if restart else os.O_TRUNC)
    with os.fdopen(open_private(log_path, flags), "ab" if restart else "wb") as log_file:
        kwargs: dict[str, Any] = {"cwd": cwd, "env": env, "stdout": log_file, "stderr": log_file}
        try:
            if restart:
                # restart_kernel reuses the previous launch arguments; the
                # overrides replace the (now closed) log file handles.
                await km.restart_kernel(now=False, **kwargs)
            else:
                await km.start_kernel(**kwargs)
        except FileNotFoundError as exc:
            await _discard(km)
            missing = exc.filename or (km.kernel_spec.argv[0] if km.kernel_spec else "?")
            raise KernelLaunchError(
                f"cannot start kernel {name!r}: executable not found: {missing}"
            ) from None
        except NotADirectoryError:
            await _discard(km)
            raise KernelLaunchError(f"cannot start kernel {name!r}: bad cwd {cwd!r}") from None
        except PermissionError as exc:
            await _discard(km)
            raise KernelLaunchError(f"cannot start kernel {name!r}: {exc}") from None
        except OSError as exc:
            await _discard(km)
            raise KernelLaunchError(f"cannot start kernel {name!r}: {exc}") from None
        except Exception as exc:
            await _discard(km)
            raise KernelLaunchError(f"cannot start kernel {name!r}: {exc}") from exc


async def _discard(km: AsyncKernelManager) -> None:
    with contextlib.suppress(Exception):
        await km.shutdown_kernel(now=True)
    with contextlib.suppress(Exception):
        km.cleanup_connection_file()
        km.cleanup_ipc_files()


def kernel_pid(km: AsyncKernelManager) -> int | None:
    """Return the kernel's process id, if it has a process."""
    pid = getattr(km.provisioner, "pid", None)
    return pid if isinstance(pid, int) else None


def exit_reason(km: AsyncKernelManager, log_path: Path) -> str:
    """Describe how the kernel process ended, with the tail of its log."""
    process = getattr(km.provisioner, "process", None)
    code = getattr(process, "returncode", None)
    if isinstance(code, int) and code < 0:
        try:
            signame = signal.Signals(-code).name
        except ValueError:
            signame = str(-code)
        reason = f"kernel process was killed by signal {signame}"
    elif isinstance(code, int):
        reason = f"kernel process exited with code {code}"
    else:
        reason = "kernel process exited"
    tail = log_tail(log_path)
    return f"{reason}\n{tail}" if tail else reason


def log_tail(log_path: Path, lines: int = 8, limit: int = 4000) -> str:
    """Return the last lines of the kernel log, or '' when there is none."""
    try:
        with os.fdopen(open_private(log_path, os.O_RDONLY), "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - limit))
            data = f.read().decode("utf-8", "replace")
    except OSError:
        return ""
    kept = [line for line in data.splitlines() if line.strip()][-lines:]
    return "\n".join(kept)
