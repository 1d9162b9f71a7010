"""Kernel layer: the only package that imports jupyter_client."""

from __future__ import annotations

# Names load on first use: the kernel process imports
# runt_tui.kernel.ipykernel_launcher through this package and must not pay for
# nbformat or jupyter_client, and layers that only need outputs skip zmq.
import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from runt_tui.kernel.kernel_client import (
        DeadHandler,
        KernelSession,
        KernelStatus,
        StatusHandler,
    )
    from runt_tui.kernel.launch import KernelDiedError, KernelLaunchError
    from runt_tui.kernel.outputs import (
        DisplayIdIndex,
        ErrorSummary,
        OutputAccumulator,
        OutputDelta,
    )
    from runt_tui.kernel.router import InputHandler, IopubTap, MessageHandler
    from runt_tui.kernel.specs import list_kernelspecs
    from runt_tui.kernel.streams import StreamText

_LAZY = {
    "DisplayIdIndex": "outputs",
    "ErrorSummary": "outputs",
    "OutputAccumulator": "outputs",
    "OutputDelta": "outputs",
    "StreamText": "streams",
    "KernelDiedError": "launch",
    "KernelLaunchError": "launch",
    "InputHandler": "router",
    "IopubTap": "router",
    "MessageHandler": "router",
    "DeadHandler": "kernel_client",
    "KernelSession": "kernel_client",
    "KernelStatus": "kernel_client",
    "StatusHandler": "kernel_client",
    "list_kernelspecs": "specs",
}

__all__ = [
    "DeadHandler",
    "DisplayIdIndex",
    "ErrorSummary",
    "InputHandler",
    "IopubTap",
    "KernelDiedError",
    "KernelLaunchError",
    "KernelSession",
    "KernelStatus",
    "MessageHandler",
    "OutputAccumulator",
    "OutputDelta",
    "StatusHandler",
    "StreamText",
    "list_kernelspecs",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
