"""Run ipykernel with its subprocess-output pipe on IPC instead of loopback TCP."""

# Launched as `python -m runt_tui.kernel.ipykernel_launcher -f <connection
# file>` in place of `-m ipykernel_launcher` when the kernel runs on our own
# interpreter (see launch._own_launcher).

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any


def _connection_dir(argv: list[str]) -> str | None:
    for i, arg in enumerate(argv):
        if arg == "-f" and i + 1 < len(argv):
            return os.path.dirname(os.path.abspath(argv[i + 1]))
        if arg.startswith("--f="):
            return os.path.dirname(os.path.abspath(arg[4:]))
    return None


def _patch_pipe(directory: str) -> None:
    # ipykernel hard-codes a PULL socket on tcp://127.0.0.1:<random> so that
    # forked children (multiprocessing) can send output through the parent;
    # it is the only TCP port an ipc kernel opens. Same sockets, same
    # authentication (a random token per message), bound to a path in our
    # private directory instead. If ipykernel's internals ever change shape,
    # leave it alone: a loopback port beats a kernel that will not start.
    import zmq
    from ipykernel import iostream
    from zmq.eventloop.zmqstream import ZMQStream

    cls: Any = iostream.IOPubThread
    if not (hasattr(cls, "_setup_pipe_in") and hasattr(cls, "_setup_pipe_out")):
        return
    address = f"ipc://{directory}/pipe-{os.getpid()}"

    def setup_pipe_in(self: Any) -> None:
        self._pipe_uuid = os.urandom(16)
        pipe_in = self.socket.context.socket(zmq.PULL)
        pipe_in.linger = 0
        try:
            pipe_in.bind(address)
        except zmq.ZMQError:
            pipe_in.close()
            original_in(self)
            return
        self._pipe_port = address
        self._pipe_in = ZMQStream(pipe_in, self.io_loop)
        self._pipe_in.on_recv(self._handle_pipe_msg)

    def setup_pipe_out(self: Any) -> tuple[Any, Any]:
        if not isinstance(self._pipe_port, str):
            return original_out(self)  # type: ignore[no-any-return]
        ctx = zmq.Context()  # a fresh context: this runs in a forked child
        pipe_out = ctx.socket(zmq.PUSH)
        pipe_out.linger = 3000
        pipe_out.connect(self._pipe_port)
        return ctx, pipe_out

    original_in = cls._setup_pipe_in
    original_out = cls._setup_pipe_out
    cls._setup_pipe_in = setup_pipe_in
    cls._setup_pipe_out = setup_pipe_out


def _patch_iopub_hwm() -> None:
    # With zmq's default send high-water mark (1000 messages) the iopub
    # socket silently drops output -- the final idle status too -- whenever
    # the daemon reads slower than the kernel writes for a moment (a flood of
    # progress updates while the daemon is busy, stopped or starved of CPU).
    # Unbounded, the kernel keeps them until the daemon catches up.
    import zmq
    from ipykernel import kernelapp

    cls: Any = kernelapp.IPKernelApp
    if not hasattr(cls, "init_iopub"):
        return
    original = cls.init_iopub

    def init_iopub(self: Any, context: Any) -> Any:
        context.setsockopt(zmq.SNDHWM, 0)  # default of sockets made from here on
        return original(self, context)

    cls.init_iopub = init_iopub


def main() -> None:
    """Start an IPython kernel the way ``ipykernel_launcher`` does."""
    # As ipykernel_launcher: keep the notebook's directory off sys.path while
    # the kernel imports its own modules (IPython puts it back afterwards).
    if sys.path and (sys.path[0] == "" or Path(sys.path[0]) == Path.cwd()):
        del sys.path[0]
    directory = _connection_dir(sys.argv[1:])
    if directory is not None:
        try:
            _patch_pipe(directory)
        except Exception as exc:  # never block the kernel over this
            print(f"runt-tui: ipc pipe patch skipped: {exc}", file=sys.stderr)
    try:
        _patch_iopub_hwm()
    except Exception as exc:
        print(f"runt-tui: iopub high-water mark patch skipped: {exc}", file=sys.stderr)
    from ipykernel import kernelapp

    kernelapp.launch_new_instance()


if __name__ == "__main__":
    main()
