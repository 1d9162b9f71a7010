"""Routing an edit-mode key through vi: the editor types in insert mode, the engine does the rest."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import events

from runt_tui.tui.vi.binding import ViBinding, ViEditor, key_token
from runt_tui.tui.vi.state import NORMAL

if TYPE_CHECKING:
    from runt_tui.tui.app import NotebookApp


async def vi_key(app: NotebookApp, vi: ViBinding, editor: ViEditor, event: events.Key, typed: bool) -> bool | None:
    """Handle one key of an editor in vi mode, after the editor has typed every key before it.

    `typed`: the editor would type this key. Returns True when vi handled it,
    False to let the editor type it, None for the usual edit-mode routing
    (the app's bindings: run, save, complete, arrows).
    """
    plain = event.key[4:] if event.key.startswith("alt+") and len(event.key) > 4 else None
    if plain is not None and vi.mode != NORMAL and vi.state.prompt is None:
        # tmux turns Esc then a key, pressed quickly, into Alt+key: in vi that is Esc, then the key.
        await feed_token(app, vi, editor, "escape")
        return await feed_token(app, vi, editor, plain)
    token = key_token(event)
    if vi.types_itself(token):
        vi.record(token)
        return False if typed else None
    return await feed_token(app, vi, editor, token)


async def feed_token(app: NotebookApp, vi: ViBinding, editor: ViEditor, token: str) -> bool | None:
    """Feed one key to the engine and carry out what it asks of the app."""
    before = vi.label
    result = vi.handle(editor, token)
    if result.action == "pass":
        return None
    if result.action == "leave":
        await app.edit_actions.action_command_mode()
        return True
    if result.action == "walk":
        await app.edit_actions.walk(result.count)
        vi.normal()  # the next cell opens in normal mode, as this one was
        app.refresh_status()
        return True
    if result.action in ("undo", "redo"):
        for _ in range(result.count):
            if not app.edit.replay(result.action == "undo"):
                app.notify(f"nothing to {result.action}", timeout=1.5)
                break
        vi.after_undo(editor)
    if result.message:
        app.notify(result.message, timeout=2)
    if vi.label != before:
        app.refresh_status()
    return True
