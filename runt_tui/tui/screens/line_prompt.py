"""A one-line prompt at the bottom of the screen, as vim's `/` and `:` lines: Enter answers, Esc cancels."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from runt_tui.render.sanitize import safe_text, strip_controls


class LinePrompt(ModalScreen[str | None]):
    """Ask for one line after a prefix ("/" to search, ":" to go to a cell)."""

    DEFAULT_CSS = """
    LinePrompt {
        background: $background 0%;
    }
    LinePrompt #line-prompt {
        dock: bottom;
        height: 1;
        width: 100%;
        background: $panel;
    }
    LinePrompt .line-prefix {
        width: auto;
        padding: 0 0 0 1;
    }
    LinePrompt .line-hint {
        width: auto;
        color: $text-muted;
        padding: 0 1;
    }
    LinePrompt Input {
        border: none;
        height: 1;
        padding: 0;
        width: 1fr;
        background: $panel;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", show=False)]

    def __init__(self, prefix: str, hint: str = "", value: str = "") -> None:
        super().__init__()
        self.prefix = prefix
        self.hint = hint
        self.value = value

    def compose(self) -> ComposeResult:
        with Horizontal(id="line-prompt"):
            yield Static(safe_text(self.prefix, one_line=True), classes="line-prefix")
            yield Input(value=strip_controls(self.value, one_line=True), id="line-input")
            if self.hint:
                yield Static(safe_text(self.hint, one_line=True), classes="line-hint")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)
