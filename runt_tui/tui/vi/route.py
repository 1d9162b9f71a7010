"""Routing an edit-mode key through vi: the editor types in insert mode, the engine does the rest."""

from __future__ import annotations

from typing import Protocol

from textual import events
from textual.notifications import SeverityLevel

from runt_tui.tui.vi.binding import ViBinding, ViEditor, key_token
from runt_tui.tui.vi.state import NORMAL


class ViHost(Protocol):
    """What vi needs of the app."""

    async def action_command_mode(self) -> None: ...

    def replay_own(self, undo: bool) -> bool: ...

    async def walk(self, direction: int) -> None: ...

    def refresh_status(self) -> None: ...

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = False) -> None: ...


async def vi_key(host: ViHost, vi: ViBinding, editor: ViEditor, event: events.Key, typed: bool) -> bool | None:
    """Handle one key of an editor in vi mode, after the editor has typed every key before it.

    `typed`: the editor would type this key. Returns True when vi handled it,
    False to let the editor type it, None for the usual edit-mode routing
    (the app's bindings: run, save, complete, arrows).
    """
    plain = event.key[4:] if event.key.startswith("alt+") and len(event.key) > 4 else None
    if plain is not None and vi.mode != NORMAL and vi.state.prompt is None:
        # tmux turns Esc then a key, pressed quickly, into Alt+key: in vi that is Esc, then the key.
        await feed_token(host, vi, editor, "escape")
        return await feed_token(host, vi, editor, plain)
    token = key_token(event)
    if vi.types_itself(token):
        vi.record(token)
        return False if typed else None
    return await feed_token(host, vi, editor, token)


async def feed_token(host: ViHost, vi: ViBinding, editor: ViEditor, token: str) -> bool | None:
    """Feed one key to the engine and carry out what it asks of the app."""
    before = vi.label
    result = vi.handle(editor, token)
    if result.action == "pass":
        return None
    if result.action == "leave":
        await host.action_command_mode()
        return True
    if result.action == "walk":
        await host.walk(result.count)
        vi.normal()  # the next cell opens in normal mode, as this one was
        host.refresh_status()
        return True
    if result.action in ("undo", "redo"):
        for _ in range(result.count):
            if not host.replay_own(result.action == "undo"):
                break
        vi.after_undo(editor)
    if result.message:
        host.notify(result.message, timeout=2)
    if vi.label != before:
        host.refresh_status()
    return True
