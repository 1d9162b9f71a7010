"""Keys in order: each key is handled once the keys before it have been.

Textual hands a key to the focused widget (or, with nothing focused, to the
screen) at once, and runs its binding only when the key bubbles back up to the
app. A key that opens or closes the editor is therefore still being handled
while the next keys are already on their way to the old target: after Enter
they went to the screen and were dropped, after Esc they were typed into the
closing editor. On the notebook screen the app routes keys itself instead:

- command mode (nothing focused): the binding runs here, in the app's own
  message loop, so the next key waits until Enter has opened and focused the
  editor;
- edit mode: a key the editor types (a printable character, Enter) goes to the
  editor's queue as usual; any other key waits until the editor has typed
  everything before it, then its binding runs here.

Alt+key (tmux turns Esc then a key into ESC+key when its escape-time is long)
that nothing binds is read as Esc followed by the key: Jupyter users press
Esc, never Alt. Dialogs and the command palette keep Textual's own routing.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from typing import TYPE_CHECKING

from textual import events
from textual.widget import Widget

from runt_tui import doctor
from runt_tui.tui.typeahead import Typeahead
from runt_tui.tui.widgets.editor import CellEditor

if TYPE_CHECKING:
    from runt_tui.tui.app import NotebookApp

# A hang guard for the editor to catch up with the keys already sent to it.
_DRAIN_GUARD = 5.0


def without_alt(key: str) -> str | None:
    """The key pressed after Esc when `key` is an ESC-prefixed (Alt) key, else None."""
    return key[4:] if key.startswith("alt+") and len(key) > 4 else None


def typed_by_editor(event: events.Key) -> bool:
    """True when the editor inserts this key as text (TextArea handles it before any binding)."""
    return event.key == "enter" or (without_alt(event.key) is None and event.is_printable)


async def drained(widget: Widget) -> None:
    """Return once `widget` has processed every message already in its queue."""
    done = asyncio.Event()
    if widget.is_running and widget.call_later(done.set):
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(done.wait(), _DRAIN_GUARD)


class KeyRouter:
    """Routes keys on the notebook screen so that no key overtakes the one before it."""

    def __init__(self, app: NotebookApp) -> None:
        self.app = app
        # Keys typed before the notebook is live, replayed in order once it is.
        self.typeahead = Typeahead(app)

    def check_escape_time(self) -> None:
        """In tmux, check its escape-time once, on a thread (it runs `tmux show`)."""
        if os.environ.get("TMUX"):
            self.app.run_worker(self._check_escape_time, name="escape-time", thread=True, exit_on_error=False)

    def _check_escape_time(self) -> None:
        """Say once at start when tmux's escape-time turns Esc+key into Alt+key."""
        ms = doctor.tmux_escape_time()
        if ms is not None and doctor.escape_time_advice(ms) is not None:
            self.app.call_from_thread(
                self.app.notify, f"tmux escape-time is {ms} ms: Esc feels slow. Set `set -sg escape-time 10` "
                "in ~/.tmux.conf (runt-tui doctor).", severity="warning", timeout=10,
            )

    def _routing(self) -> bool:
        return self.app.ready and len(self.app.screen_stack) == 1

    async def route(self, event: events.Key) -> bool:
        """Handle a key from the terminal here; False leaves it to Textual's forwarding."""
        app = self.app
        if self.typeahead.takes(event, app.first_paint.allowed):
            return True
        if not self._routing():
            return False
        if await app.run_key_binding(event.key, priority=True):
            return True
        if app.mode == "edit":
            return await self._route_edit_key(event)
        if app.focused is not None:
            return False
        await self._command_key(event.key)
        return True

    async def _command_key(self, key: str) -> None:
        """A key in command mode: its binding, or for an unbound Alt+key that key alone."""
        if await self.app.run_key_binding(key):
            return
        plain = without_alt(key)
        if plain is not None:
            await self.app.run_key_binding(plain)

    async def _vi_key(self, event: events.Key, editor: CellEditor, typed: bool) -> bool | None:
        """A key for vi (`--keys vi`): see vi/route.py; None for the usual edit-mode routing."""
        from runt_tui.tui.vi.binding import key_token  # only with `--keys vi`: imported then
        from runt_tui.tui.vi.route import vi_key

        app = self.app
        assert app.vi is not None
        if not (typed and app.vi.types_itself(key_token(event))):
            await drained(editor)  # the engine reads the text: the keys before this one come first
            if app.edit.editor is not editor or app.mode != "edit":
                return False
        return await vi_key(app, app.vi, editor, event, typed)

    async def _route_edit_key(self, event: events.Key) -> bool:
        app = self.app
        editor = app.edit.editor
        if editor is None or app.focused is not editor:
            return False
        typed = typed_by_editor(event)
        if app.vi is not None:
            handled = await self._vi_key(event, editor, typed)
            if handled is not None:
                return handled
        if typed:
            return False  # into the editor's queue, behind the keys before it
        await drained(editor)
        if app.edit.editor is not editor or app.mode != "edit":
            return False
        direction = {"up": -1, "down": 1}.get(event.key)
        if direction is not None and editor.leaves(direction):
            await app.edit_actions.walk(direction)
            return True
        if await app.run_key_binding(event.key):
            return True
        plain = without_alt(event.key)
        if plain is None:
            return False
        await app.edit_actions.action_command_mode()
        await self._command_key(plain)
        return True
