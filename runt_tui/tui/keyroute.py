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

from textual import events
from textual.widget import Widget

from runt_tui import doctor
from runt_tui.tui.actions_kernel import KernelActions
from runt_tui.tui.vi.binding import key_token
from runt_tui.tui.vi.route import vi_key

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


class KeyRouter(KernelActions):
    """Routes keys on the notebook screen so that no key overtakes the one before it."""

    def on_mount(self) -> None:
        if os.environ.get("TMUX"):
            self.run_worker(self._check_escape_time, name="escape-time", thread=True, exit_on_error=False)

    def _check_escape_time(self) -> None:
        """In tmux, say once at start when its escape-time turns Esc+key into Alt+key."""
        ms = doctor.tmux_escape_time()
        if ms is not None and doctor.escape_time_advice(ms) is not None:
            self.call_from_thread(
                self.notify, f"tmux escape-time is {ms} ms: Esc feels slow. Set `set -sg escape-time 10` "
                "in ~/.tmux.conf (runt-tui doctor).", severity="warning", timeout=10,
            )

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded and await self._route_key(event):
            self.app_focus = True
            return
        await super().on_event(event)

    def _routing(self) -> bool:
        return self.ready and len(self.screen_stack) == 1

    async def _route_key(self, event: events.Key) -> bool:
        """Handle a key from the terminal here; False leaves it to Textual's forwarding."""
        if not self._routing():
            return False
        if await self._check_bindings(event.key, priority=True):
            return True
        if self.mode == "edit":
            return await self._route_edit_key(event)
        if self.focused is not None:
            return False
        await self._command_key(event.key)
        return True

    async def _command_key(self, key: str) -> None:
        """A key in command mode: its binding, or for an unbound Alt+key that key alone."""
        if await self._check_bindings(key):
            return
        plain = without_alt(key)
        if plain is not None:
            await self._check_bindings(plain)

    async def _route_edit_key(self, event: events.Key) -> bool:
        editor = self.editor
        if editor is None or self.focused is not editor:
            return False
        typed = typed_by_editor(event)
        if self.vi is not None and not (typed and self.vi.types_itself(key_token(event))):
            await drained(editor)
            if self.editor is not editor or self.mode != "edit":
                return False
        if self.vi is not None:
            handled = await vi_key(self, self.vi, editor, event, typed)
            if handled is not None:
                return handled
        if typed:
            return False  # into the editor's queue, behind the keys before it
        await drained(editor)
        if self.editor is not editor or self.mode != "edit":
            return False
        direction = {"up": -1, "down": 1}.get(event.key)
        if direction is not None and editor.leaves(direction):
            await self._walk(direction)
            return True
        if await self._check_bindings(event.key):
            return True
        plain = without_alt(event.key)
        if plain is None:
            return False
        await self.action_command_mode()
        await self._command_key(plain)
        return True
