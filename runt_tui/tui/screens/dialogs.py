"""Small modal dialogs: confirm, kernel input() prompt, text prompt, inspection, completion."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, OptionList, Static

from runt_tui.render.sanitize import ansi_text, safe_text, strip_controls


class ConfirmScreen(ModalScreen[bool]):
    """A yes/no question; y / Enter confirm, n / Esc cancel."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y,enter", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(safe_text(self.question), classes="dialog-title")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Yes (y)", variant="error", id="yes")
                yield Button("No (n)", id="no")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)


class PromptScreen(ModalScreen[str | None]):
    """Ask for one line of text (a kernel's input(), a kernel name); Esc cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, prompt: str = "", password: bool = False, value: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.prompt = prompt
        self.password = password
        self.value = value

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(safe_text(self.title_text), classes="dialog-title")
            if self.prompt:
                yield Static(safe_text(self.prompt), classes="dialog-prompt")
            yield Input(value=strip_controls(self.value, one_line=True), password=self.password, id="prompt-input")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class TextScreen(ModalScreen[None]):
    """Show a block of (ANSI) text, e.g. the kernel's inspection of a name; Esc closes."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,shift+tab", "close", "Close")]

    def __init__(self, title: str, body: str) -> None:
        super().__init__()
        self.title_text = title
        self.body = body

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog dialog-wide"):
            yield Static(safe_text(self.title_text), classes="dialog-title")
            yield Static(ansi_text(self.body or "(nothing)"))

    def action_close(self) -> None:
        self.dismiss(None)


class ChoiceScreen(ModalScreen[str | None]):
    """Pick one of several labelled values (e.g. a kernelspec); Enter accepts, Esc cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, choices: list[tuple[str, str]], current: str | None = None) -> None:
        super().__init__()
        self.title_text = title
        self.choices = choices
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(safe_text(self.title_text), classes="dialog-title")
            yield OptionList(*(safe_text(label, one_line=True) for label, _ in self.choices), id="choices")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        values = [v for _, v in self.choices]
        if self.current in values:
            options.highlighted = values.index(self.current)
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self.choices[event.option_index][1])

    def action_cancel(self) -> None:
        self.dismiss(None)


class CompletionScreen(ModalScreen[str | None]):
    """Pick one completion; Enter / Tab accept, Esc cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("tab", "accept", "Accept"),
    ]

    def __init__(self, matches: list[str]) -> None:
        super().__init__()
        self.matches = matches

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog completion"):
            yield OptionList(*(safe_text(m, one_line=True) for m in self.matches[:200]), id="completions")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.matches[event.option_index])

    def action_accept(self) -> None:
        index = self.query_one(OptionList).highlighted
        self.dismiss(self.matches[index] if index is not None else None)

    def action_cancel(self) -> None:
        self.dismiss(None)
