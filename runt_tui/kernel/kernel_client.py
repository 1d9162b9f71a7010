"""One Jupyter kernel process and its client, driven from asyncio."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Literal

import zmq
from jupyter_client.asynchronous.client import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager

from runt_tui.kernel.kernel_requests import KernelRequests
from runt_tui.kernel.launch import (
    KernelDiedError,
    KernelLaunchError,
    end_tree,
    exit_reason,
    kernel_pid,
    launch,
    log_tail,
    make_manager,
    remove_sockets,
    venv_env,
)
from runt_tui.kernel.plotting import inline_plots_env
from runt_tui.kernel.proctree import ProcessTree
from runt_tui.kernel.router import InputHandler, IopubTap, Message, MessageHandler, Router
from runt_tui.kernel.wire import BadMessage, decode

log = logging.getLogger(__name__)

KernelStatus = Literal["starting", "idle", "busy", "restarting", "dead", "stopped"]
StatusHandler = Callable[[KernelStatus], None]
DeadHandler = Callable[[str], None]

_KERNEL_STATES: dict[str, KernelStatus] = {"starting": "starting", "idle": "idle", "busy": "busy"}


class KernelSession(KernelRequests):
    """A kernel on the IPC transport, with one reader per channel routing by msg id."""

    def __init__(
        self,
        runtime_dir: str | os.PathLike[str],
        *,
        on_status: StatusHandler | None = None,
        on_dead: DeadHandler | None = None,
        env: Mapping[str, str] | None = None,
        startup_timeout: float = 60.0,
        poll_interval: float = 0.25,
        reply_grace: float = 5.0,
        iopub_tap: IopubTap | None = None,
    ) -> None:
        self.runtime_dir = Path(runtime_dir)
        self._on_status = on_status
        self._on_dead = on_dead
        self._extra_env = dict(env or {})
        self._startup_timeout = startup_timeout
        self._poll_interval = poll_interval
        self._router = Router(self._kernel_state, reply_grace, iopub_tap)
        self._km: AsyncKernelManager | None = None
        self._kc: AsyncKernelClient | None = None
        # Every process of the running kernel, ended with it (see proctree.py).
        self._tree: ProcessTree | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._cwd: str | None = None
        self._kernel_name: str | None = None
        self._python: str | None = None
        # Set while we stop or restart the kernel ourselves, so the exit the
        # watcher sees is not reported as a death.
        self._expect_exit = False
        # start/restart/shutdown from several clients at once run one by one.
        self._lifecycle = asyncio.Lock()
        self.status: KernelStatus = "stopped"
        self.kernel_info: Message = {}

    # -- properties ------------------------------------------------------

    @property
    def log_path(self) -> Path:
        """The file receiving the kernel process's stdout and stderr."""
        return self.runtime_dir / "kernel.log"

    @property
    def pid(self) -> int | None:
        """The kernel process id, while there is a process."""
        return kernel_pid(self._km) if self._km is not None else None

    @property
    def kernel_name(self) -> str | None:
        """The kernelspec name in use."""
        return self._km.kernel_name if self._km is not None else None

    @property
    def connection_file(self) -> str | None:
        """The connection file path (ipc transport) while started."""
        return self._km.connection_file if self._km is not None else None

    def kernelspec_metadata(self) -> dict[str, str]:
        """Return the notebook ``metadata.kernelspec`` for the running kernel."""
        if self._km is None or self._km.kernel_spec is None:
            return {}
        spec = self._km.kernel_spec
        return {
            "name": str(self._km.kernel_name),
            "display_name": str(spec.display_name),
            "language": str(spec.language),
        }

    # -- lifecycle -------------------------------------------------------

    async def start(self, kernel_name: str | None = None, cwd: str | None = None, python: str | None = None) -> None:
        """Start the kernel and wait until it answers; raise KernelLaunchError if not.

        With `python` (a notebook environment's interpreter) ipykernel runs on it.
        """
        async with self._lifecycle:
            await self._start(kernel_name, cwd, python)

    async def _start(self, kernel_name: str | None, cwd: str | None, python: str | None = None) -> None:
        if self._km is not None:
            raise RuntimeError("kernel session already started")
        self._cwd = cwd
        self._kernel_name = kernel_name
        self._python = python
        self._set_status("starting")
        try:
            km = make_manager(self.runtime_dir, kernel_name, python)
            self._km, self._tree = km, ProcessTree()
            await launch(km, self.log_path, cwd, self._env(), self._tree)
            await self._connect()
        except BaseException:
            await self._teardown(kill=True)
            self._set_status("dead")
            raise
        self._set_status("idle")

    async def restart(self) -> None:
        """Restart the kernel (same spec and cwd); outstanding executions fail."""
        async with self._lifecycle:
            await self._restart()

    async def _restart(self) -> None:
        if self._km is None:
            # Never started, or the last launch failed: "restart" means try again.
            await self._start(self._kernel_name, self._cwd, self._python)
            return
        km, old = self._km, self._tree or ProcessTree()
        self._set_status("restarting")
        self._expect_exit = True
        await self._disconnect(KernelDiedError("kernel restarted"))
        self._tree = ProcessTree()
        try:
            await launch(km, self.log_path, self._cwd, self._env(), self._tree, previous=old)
            await self._connect()
        except BaseException:
            await self._teardown(kill=True)
            self._set_status("dead")
            raise
        finally:
            self._expect_exit = False
        self._set_status("idle")

    async def shutdown(self) -> None:
        """Stop the kernel politely (then by force) and free every resource."""
        async with self._lifecycle:
            if self._km is None:
                return
            self._expect_exit = True
            await self._disconnect(KernelDiedError("kernel shut down"))
            await self._teardown(kill=False)
            self._expect_exit = False
            self._set_status("stopped")

    async def interrupt(self) -> None:
        """Interrupt the running execution; a no-op when no kernel is running."""
        # SIGINT to the process group, or interrupt_request on the control
        # channel, as the kernelspec's interrupt_mode says.
        if self._km is not None and self.status not in ("dead", "stopped"):
            await self._km.interrupt_kernel()

    # -- requests --------------------------------------------------------

    def execute(
        self,
        code: str,
        handler: MessageHandler,
        *,
        on_input: InputHandler | None = None,
        silent: bool = False,
        store_history: bool = True,
        stop_on_error: bool = True,
        user_expressions: Mapping[str, str] | None = None,
    ) -> str:
        """Send an execute_request and return its msg_id; messages go to `handler`."""
        kc = self._require_client()
        msg_id: str = kc.execute(
            code,
            silent=silent,
            store_history=store_history,
            user_expressions=dict(user_expressions or {}),
            # Without somebody to answer, input() should fail fast in the
            # kernel (StdinNotImplementedError) rather than hang.
            allow_stdin=on_input is not None,
            stop_on_error=stop_on_error,
        )
        self._router.add_execution(msg_id, handler, on_input)
        return msg_id

    async def wait(self, msg_id: str) -> Message:
        """Return the execute_reply content once done; KernelDiedError if the kernel goes first."""
        # "Done" means reply and iopub idle both seen (or one plus a grace
        # period), so every output has reached the handler by then.
        ex = self._router.get(msg_id)
        if ex is None:
            raise KeyError(f"unknown execution {msg_id!r}")
        return await asyncio.shield(ex.future)

    def forget(self, msg_id: str) -> None:
        """Stop delivering late messages of a finished execution to its handler."""
        self._router.forget(msg_id)

    def send_input(self, value: str) -> bool:
        """Answer the pending input_request; return False if none is pending."""
        if self._router.input_parent is None or self._kc is None:
            return False
        self._router.input_parent = None
        self._kc.input(value)
        return True

    @property
    def input_pending(self) -> bool:
        """Whether the kernel is waiting in input() for `send_input`."""
        return self._router.input_parent is not None

    # -- internals -------------------------------------------------------

    def _env(self) -> dict[str, str]:
        env = {**inline_plots_env(os.environ), **self._extra_env}
        if self._python is not None:
            env.update(venv_env(self._python, env))
        return env

    def _require_manager(self) -> AsyncKernelManager:
        if self._km is None:
            raise KernelDiedError("kernel is not running")
        return self._km

    def _require_client(self) -> AsyncKernelClient:
        if self._kc is None or self.status in ("dead", "stopped", "restarting"):
            raise KernelDiedError(f"kernel is {self.status}")
        return self._kc

    def _set_status(self, status: KernelStatus) -> None:
        if status == self.status:
            return
        self.status = status
        if self._on_status is not None:
            try:
                self._on_status(status)
            except Exception:
                log.exception("status callback failed")

    def _kernel_state(self, state: str) -> None:
        # Kernel-reported states only matter while the process is up and ours.
        mapped = _KERNEL_STATES.get(state)
        if mapped is not None and self.status in ("idle", "busy", "starting"):
            self._set_status(mapped)
            if mapped == "idle" and self._tree is not None:
                self._tree.scan_soon()  # what a cell started is recorded as it ends

    async def _connect(self) -> None:
        km = self._require_manager()
        kc = km.client()
        # A subscriber that falls behind (the daemon busy for a moment while a
        # kernel floods iopub) must queue, not drop: zmq's default high-water
        # mark of 1000 silently loses output and even the final idle status.
        kc.context.setsockopt(zmq.RCVHWM, 0)
        # No heartbeat thread: the kernel is a local child we can poll
        # directly. No control channel: the manager has its own.
        kc.start_channels(shell=True, iopub=True, stdin=True, hb=False, control=False)
        try:
            await kc.wait_for_ready(timeout=self._startup_timeout)
        except BaseException as exc:
            # Published only once ready: wait_for_ready reads the shell
            # channel itself and would swallow an early request's reply.
            with contextlib.suppress(Exception):
                kc.stop_channels()
            if not isinstance(exc, RuntimeError):
                raise
            alive = await km.is_alive()
            reason = str(exc)
            if not alive:
                reason = exit_reason(km, self.log_path)
            elif "respond" in reason:
                tail = log_tail(self.log_path)
                reason = (
                    f"kernel did not answer within {self._startup_timeout:g} s"
                    " (does it support the ipc transport?)" + (f"\n{tail}" if tail else "")
                )
            raise KernelLaunchError(f"kernel {km.kernel_name!r} failed to start: {reason}") from None
        self._kc = kc
        loop = asyncio.get_running_loop()
        self._tasks = [
            loop.create_task(self._read(kc.iopub_channel, self._router.on_iopub)),
            loop.create_task(self._read(kc.shell_channel, self._router.on_shell)),
            loop.create_task(self._read(kc.stdin_channel, self._on_stdin)),
            loop.create_task(self._watch(km)),
        ]
        info_id = kc.kernel_info()
        try:
            self.kernel_info = await self._request(info_id, self._startup_timeout)
        except (TimeoutError, KernelDiedError):
            self.kernel_info = {}

    def _on_stdin(self, msg: Message) -> None:
        kc = self._kc
        self._router.on_stdin(msg, lambda: kc.input("") if kc is not None else None)

    async def _read(self, channel: Any, route: Callable[[Message], None]) -> None:
        # One long-lived reader per channel: zmq sockets must not be read
        # from two coroutines, and routing by parent id needs one place.
        sock, session = channel.socket, channel.session
        while True:
            try:
                frames = await sock.recv_multipart()
            except asyncio.CancelledError:
                raise
            except zmq.ZMQError:
                return  # socket closed under us: the session is stopping
            try:
                msg = decode(session, frames)
            except BadMessage as e:
                log.warning("dropping kernel message: %s", e)
                continue
            route(msg)

    async def _watch(self, km: AsyncKernelManager) -> None:
        # Polling the child is the only death signal that works for every
        # kernel (os._exit, segfault, OOM kill) within a bounded time.
        while True:
            await asyncio.sleep(self._poll_interval)
            if self._expect_exit:
                continue
            if not await km.is_alive():
                break
            if self._tree is not None:
                self._tree.tick()  # its children recorded before they may be orphaned
        reason = exit_reason(km, self.log_path)
        self._set_status("dead")
        self._router.fail_all(KernelDiedError(reason))
        if self._tree is not None:
            end_tree(self._tree)  # children the kernel left behind
        if self._on_dead is not None:
            try:
                self._on_dead(reason)
            except Exception:
                log.exception("on_dead callback failed")

    async def _disconnect(self, exc: BaseException) -> None:
        current = asyncio.current_task()
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            if task is not current:
                task.cancel()
        for task in tasks:
            if task is not current:
                with contextlib.suppress(BaseException):
                    await task
        self._router.fail_all(exc)
        kc, self._kc = self._kc, None
        if kc is not None:
            with contextlib.suppress(Exception):
                kc.stop_channels()

    async def _teardown(self, *, kill: bool) -> None:
        await self._disconnect(KernelDiedError("kernel stopped"))
        km, self._km = self._km, None
        tree, self._tree = self._tree, None
        if km is None:
            return
        if tree is not None:  # recorded while the kernel still names its children
            await asyncio.to_thread(tree.scan)
        with contextlib.suppress(Exception):
            await km.shutdown_kernel(now=kill)
        if tree is not None:  # whatever the kernel started must not outlive it
            end_tree(tree)
        with contextlib.suppress(Exception):
            km.cleanup_connection_file()
            km.cleanup_ipc_files()
        remove_sockets(self.runtime_dir)
