"""Routing of kernel replies and iopub messages to the request they answer."""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)

Message = dict[str, Any]
# Gets every iopub message whose parent is the execution, then the shell
# execute_reply (msg["channel"] tells which); must not raise or block. Its
# return value is ignored, so OutputAccumulator.handle fits as is.
MessageHandler = Callable[[Message], object]
# (prompt, password): the kernel is waiting in input(); answer with send_input.
InputHandler = Callable[[str, bool], None]
# Sees every iopub message but status before it is routed by parent; returns True to
# consume it (comm messages, outputs an Output widget captures), False to route it.
IopubTap = Callable[[Message], bool]

# How many finished executions keep receiving late iopub messages (output
# from threads the cell started); older ones are dropped.
_RECENT = 256


@dataclass(eq=False)
class Execution:
    """Bookkeeping for one execute_request until reply and idle have arrived."""

    msg_id: str
    handler: MessageHandler
    on_input: InputHandler | None
    future: asyncio.Future[Message]
    reply: Message | None = None
    idle: bool = False
    timer: asyncio.TimerHandle | None = field(default=None, repr=False)


class Router:
    """Dispatches messages from the three channels by ``parent_header.msg_id``."""

    def __init__(self, on_status: Callable[[str], None], reply_grace: float, tap: IopubTap | None = None) -> None:
        self._on_status = on_status
        self.tap = tap
        # After execute_reply we wait this long for the iopub idle status
        # (iopub is a lossy PUB socket) before calling the execution done,
        # as nbclient's iopub_timeout does.
        self._reply_grace = reply_grace
        self.executions: dict[str, Execution] = {}
        self._recent: OrderedDict[str, Execution] = OrderedDict()
        self.requests: dict[str, asyncio.Future[Message]] = {}
        self.input_parent: str | None = None

    def add_execution(
        self, msg_id: str, handler: MessageHandler, on_input: InputHandler | None
    ) -> Execution:
        """Register an execution sent with `msg_id`."""
        fut: asyncio.Future[Message] = asyncio.get_running_loop().create_future()
        ex = Execution(msg_id, handler, on_input, fut)
        self.executions[msg_id] = ex
        return ex

    def add_request(self, msg_id: str) -> asyncio.Future[Message]:
        """Register a shell request whose reply resolves the returned future."""
        fut: asyncio.Future[Message] = asyncio.get_running_loop().create_future()
        self.requests[msg_id] = fut
        return fut

    def get(self, msg_id: str) -> Execution | None:
        """Return a running or recently finished execution."""
        return self.executions.get(msg_id) or self._recent.get(msg_id)

    def forget(self, msg_id: str) -> None:
        """Stop routing late messages for a finished execution."""
        self._recent.pop(msg_id, None)

    def on_iopub(self, msg: Message) -> None:
        """Route one iopub message."""
        msg["channel"] = "iopub"
        content = msg.get("content") or {}
        msg_type = msg.get("msg_type")
        if msg_type == "status":
            state = content.get("execution_state")
            if isinstance(state, str):
                self._on_status(state)
        elif self.tap is not None and _tapped(self.tap, msg):
            return
        parent = (msg.get("parent_header") or {}).get("msg_id")
        if parent is None:
            return
        ex = self.executions.get(parent)
        if ex is not None:
            _call(ex.handler, msg)
            if msg_type == "status" and content.get("execution_state") == "idle":
                ex.idle = True
                if ex.reply is not None:
                    self._finish(ex)
                elif ex.timer is None:
                    # ipykernel sends no reply when an interrupt lands while
                    # it is still compiling the cell (it logs the error and
                    # goes idle); without this the cell would spin forever.
                    loop = asyncio.get_running_loop()
                    ex.timer = loop.call_later(self._reply_grace, self._no_reply, ex)
            return
        late = self._recent.get(parent)
        if late is not None:
            _call(late.handler, msg)

    def on_shell(self, msg: Message) -> None:
        """Route one shell reply."""
        msg["channel"] = "shell"
        parent = (msg.get("parent_header") or {}).get("msg_id")
        if parent is None:
            return
        ex = self.executions.get(parent)
        if ex is not None:
            if ex.reply is not None:
                return  # a real reply after we gave up waiting for it
            ex.reply = msg.get("content") or {}
            if self.input_parent == parent:
                self.input_parent = None  # an interrupted input() is gone
            _call(ex.handler, msg)
            if ex.idle:
                self._finish(ex)
            elif ex.timer is None:
                loop = asyncio.get_running_loop()
                ex.timer = loop.call_later(self._reply_grace, self._finish, ex)
            return
        fut = self.requests.pop(parent, None)
        if fut is not None and not fut.done():
            fut.set_result(msg.get("content") or {})

    def on_stdin(self, msg: Message, reply_empty: Callable[[], None]) -> None:
        """Route one input_request to the execution that asked."""
        if msg.get("msg_type") != "input_request":
            return
        content = msg.get("content") or {}
        parent = (msg.get("parent_header") or {}).get("msg_id")
        ex = self.executions.get(parent) if parent else None
        if ex is None or ex.on_input is None:
            # Nobody can answer: an empty line beats a kernel stuck forever.
            reply_empty()
            return
        self.input_parent = parent
        try:
            ex.on_input(str(content.get("prompt", "")), bool(content.get("password", False)))
        except Exception:
            log.exception("input handler failed")

    def fail_all(self, exc: BaseException) -> None:
        """Fail every outstanding execution and request (kernel gone)."""
        for ex in list(self.executions.values()):
            if ex.timer is not None:
                ex.timer.cancel()
            if not ex.future.done():
                ex.future.set_exception(exc)
                # Retrieved or not, a dead kernel is not an unhandled error.
                ex.future.exception()
            # Kept so a later wait() raises the reason instead of KeyError.
            self._remember(ex)
        self.executions.clear()
        for fut in self.requests.values():
            if not fut.done():
                fut.set_exception(exc)
                fut.exception()
        self.requests.clear()
        self.input_parent = None

    def _no_reply(self, ex: Execution) -> None:
        if ex.reply is not None or self.executions.get(ex.msg_id) is not ex:
            return
        content: Message = {
            "status": "aborted",
            "reason": "the kernel went idle without replying to this execution",
        }
        ex.reply = content
        _call(ex.handler, {
            "channel": "shell",
            "msg_type": "execute_reply",
            "header": {"msg_type": "execute_reply"},
            "parent_header": {"msg_id": ex.msg_id},
            "metadata": {},
            "content": content,
        })
        self._finish(ex)

    def _finish(self, ex: Execution) -> None:
        if self.executions.pop(ex.msg_id, None) is None:
            return
        if ex.timer is not None:
            ex.timer.cancel()
        self._remember(ex)
        if not ex.future.done():
            ex.future.set_result(ex.reply or {})

    def _remember(self, ex: Execution) -> None:
        self._recent[ex.msg_id] = ex
        while len(self._recent) > _RECENT:
            self._recent.popitem(last=False)


def _call(handler: MessageHandler, msg: Message) -> None:
    # A failing handler must not take the single reader task down with it.
    try:
        handler(msg)
    except Exception:
        log.exception("kernel message handler failed on %s", msg.get("msg_type"))


def _tapped(tap: IopubTap, msg: Message) -> bool:
    # A failing tap must not take the reader down; the message then goes its usual way.
    try:
        return bool(tap(msg))
    except Exception:
        log.exception("iopub tap failed on %s", msg.get("msg_type"))
        return False
