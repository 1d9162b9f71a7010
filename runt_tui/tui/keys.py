"""Every key and command in one table: the bindings, the help screen and the palette use it."""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding, BindingType


@dataclass(frozen=True)
class Key:
    """One key binding of the notebook (mode: "command", "edit" or "both").

    Command-mode keys are the app's bindings; edit-mode keys are the editor's
    ("both": the two). `target` says whose action it is: "app" (an app action,
    see app.py) or "editor" (a `CellEditor` action).
    """

    keys: str
    action: str
    description: str
    mode: str = "command"
    shown: str = ""  # how the help screen spells the key, when not `keys`
    editor_keys: str = ""  # the keys in the editor, when not `keys` (it types plain letters)
    target: str = "app"


KEYS: tuple[Key, ...] = (
    Key("enter", "edit_mode", "Edit the selected cell"),
    Key("escape", "command_mode", "Back to command mode", "edit", "Esc"),
    Key("j,down", "select(1)", "Select the next cell", shown="j / ↓"),
    Key("k,up", "select(-1)", "Select the previous cell", shown="k / ↑"),
    Key("home", "select_edge(0)", "First cell", shown="Home"),
    Key("end,G,shift+g", "select_edge(1)", "Last cell", shown="End / G"),
    Key("pageup", "page(-1)", "Scroll up a page", shown="PgUp"),
    Key("pagedown", "page(1)", "Scroll down a page", shown="PgDn"),
    Key("a", "insert(0)", "Insert a cell above"),
    Key("b", "insert(1)", "Insert a cell below"),
    Key("d", "chord('d')", "Delete the cell (press twice)", shown="d d"),
    Key("z", "undo_delete", "Undo the last cell deletion"),
    Key("x", "cut", "Cut the cell"),
    Key("c", "copy", "Copy the cell"),
    Key("v", "paste(1)", "Paste below"),
    Key("V,shift+v", "paste(0)", "Paste above", shown="Shift+V"),
    Key("m", "set_type('markdown')", "Make it a markdown cell"),
    Key("y", "set_type('code')", "Make it a code cell"),
    Key("r", "set_type('raw')", "Make it a raw cell"),
    Key("ctrl+up", "move(-1)", "Move the cell up", shown="Ctrl+↑"),
    Key("ctrl+down", "move(1)", "Move the cell down", shown="Ctrl+↓"),
    Key("shift+enter,ctrl+r", "run_and_advance", "Run and select the next cell", "both", "Shift+Enter / Ctrl+R"),
    Key("ctrl+enter,ctrl+e", "run_cell", "Run the cell", "both", "Ctrl+Enter / Ctrl+E"),
    Key("alt+enter", "run_and_insert", "Run and insert a cell below", shown="Alt+Enter"),
    Key("i", "chord('i')", "Interrupt the kernel (press twice)", shown="i i"),
    Key("0", "chord('0')", "Restart the kernel (press twice, confirm)", shown="0 0"),
    Key("ctrl+s,s", "save", "Save the notebook", "both", "Ctrl+S / s", editor_keys="ctrl+s"),
    Key("tab", "complete", "Complete from the kernel (indent at line start)", "edit", "Tab", target="editor"),
    Key("shift+tab", "inspect", "Inspect the name at the cursor", "edit", "Shift+Tab", target="editor"),
    Key("ctrl+z", "undo", "Undo your own edit", "edit", "Ctrl+Z", editor_keys="ctrl+z,super+z"),
    Key("ctrl+shift+z,ctrl+y", "redo", "Redo your own edit", "edit", "Ctrl+Shift+Z / Ctrl+Y",
        editor_keys="ctrl+shift+z,ctrl+y,super+y"),
    Key("tab", "focus_widgets", "Focus the cell's widgets (Tab / Shift+Tab move, Esc leaves)", shown="Tab"),
    Key("slash", "search", "Search every cell's source and outputs", shown="/"),
    Key("n", "search_next(1)", "Next match"),
    Key("N,shift+n", "search_next(-1)", "Previous match", shown="Shift+N"),
    Key("colon", "goto_cell", "Go to a cell by number or id", shown=":"),
    Key("escape", "clear_search", "Stop highlighting the search", shown="Esc"),
    Key("E,shift+e", "edit_external", "Edit the cell in $VISUAL / $EDITOR", shown="Shift+E"),
    Key("o", "toggle_expand", "Show all / capped output lines"),
    Key("O,shift+o", "toggle_layout", "Outputs layout (collapse sources)", shown="Shift+O"),
    Key("l", "toggle_line_numbers", "Toggle line numbers"),
    Key("f", "follow_running", "Follow the running cell (again: stop)"),
    Key("F,shift+f", "follow_next_peer", "Follow the next peer", shown="Shift+F"),
    Key("H,shift+h", "history", "History: the notebook as it was; restore", shown="Shift+H"),
    Key("f2", "toggle_pane('cells')", "Show / hide the cells pane", shown="F2"),
    Key("f3", "toggle_pane('output')", "Show / hide the output pane", shown="F3"),
    Key("f4", "toggle_pane('kernel')", "Show / hide the kernel pane", shown="F4"),
    Key("w", "next_pane", "Keys to the next pane (cells, output, kernel)"),
    Key("less_than_sign", "resize_pane(-1)", "Narrow the focused pane", shown="<"),
    Key("greater_than_sign", "resize_pane(1)", "Widen the focused pane", shown=">"),
    Key("Y,shift+y", "copy_source", "Copy the cell's source to the system clipboard", shown="Shift+Y"),
    Key("R,shift+r", "reconnect", "Reconnect after `runt-tui daemon stop`", shown="Shift+R"),
    Key("question_mark,f1", "help", "This help", shown="? / F1"),
    Key("ctrl+p", "command_palette", "Command palette: every action", shown="Ctrl+P"),
    Key("q,ctrl+q", "quit", "Quit (the kernel lives on for others)", shown="q / Ctrl+Q"),
)


# Keys the editor handles itself, beyond the table's edit-mode rows; the help
# screen describes them in its footnote rather than in the table.
EDITOR_KEYS: tuple[Key, ...] = (
    Key("up", "cursor_up_or_leave", "Up, or to the previous cell from the first line", "edit", target="editor"),
    Key("down", "cursor_down_or_leave", "Down, or to the next cell from the last line", "edit", target="editor"),
)


def app_bindings() -> list[BindingType]:
    """Bindings for the app: command-mode keys plus the keys shared with edit mode."""
    out: list[BindingType] = []
    for key in KEYS:
        if key.mode == "edit" or key.action == "command_palette":
            continue
        priority = key.action in ("quit",) and "ctrl" in key.keys
        out.append(Binding(key.keys, key.action, key.description, show=False, priority=priority))
    return out


def editor_bindings() -> list[BindingType]:
    """Bindings for the cell editor: the edit-mode and both-mode keys, then its own cursor keys."""
    out: list[BindingType] = []
    for key in (*KEYS, *EDITOR_KEYS):
        if key.mode == "command":
            continue
        action = key.action if key.target == "editor" else f"app.{key.action}"
        out.append(Binding(key.editor_keys or key.keys, action, key.description, show=False))
    return out


def command_action(key: str) -> str | None:
    """The name of the action `key` runs in command mode (no arguments), or None when unbound."""
    return _COMMAND_ACTIONS.get(key)


# Actions that only make sense in command mode (edit mode types these keys instead).
COMMAND_ONLY = frozenset(
    k.action.split("(")[0] for k in KEYS if k.mode == "command" and k.action != "command_palette"
) - {"quit", "help"}


@dataclass(frozen=True)
class Command:
    """A palette entry: title, help text, action string."""

    title: str
    help: str
    action: str


COMMANDS: tuple[Command, ...] = (
    Command("Run cell", "Run the selected cell", "run_cell"),
    Command("Run cell and advance", "Run, then select the next cell", "run_and_advance"),
    Command("Run all cells", "Queue every code cell, top to bottom", "run_all"),
    Command("Run all above", "Queue the code cells above the selected one", "run_above"),
    Command("Run selected and below", "Queue the selected cell and every code cell below", "run_below"),
    Command("Clear cell outputs", "Remove the selected cell's outputs", "clear_outputs"),
    Command("Clear all outputs", "Remove every cell's outputs", "clear_all_outputs"),
    Command("Interrupt kernel", "Stop the running cell and cancel the queue", "interrupt"),
    Command("Restart kernel", "Restart the kernel (asks first)", "restart"),
    Command("Shut down kernel", "Stop the kernel for everyone", "shutdown_kernel"),
    Command("Change kernel", "Start a different kernel for this notebook", "change_kernel"),
    Command("Approve dependencies", "Review the notebook's dependencies and approve them", "env_trust"),
    Command("Add dependencies", "Add packages to the notebook's environment (runt.uv)", "env_deps('add')"),
    Command("Remove dependencies", "Remove packages from the notebook's environment", "env_deps('remove')"),
    Command("Cancel environment build", "Stop building the notebook's environment", "env_cancel"),
    Command("Save notebook", "Write the .ipynb file now", "save"),
    Command("Search notebook", "Search every cell's source and outputs (/)", "search"),
    Command("Next match", "The next match of the search (n)", "search_next(1)"),
    Command("Previous match", "The previous match of the search (N)", "search_next(-1)"),
    Command("Go to cell", "Jump to a cell by number or id (:)", "goto_cell"),
    Command("Edit cell in $EDITOR", "Open the selected cell in $VISUAL / $EDITOR (E)", "edit_external"),
    Command("Toggle line numbers", "Show or hide line numbers", "toggle_line_numbers"),
    Command("Toggle outputs layout", "Collapse sources to watch outputs", "toggle_layout"),
    Command("Expand / cap outputs", "Show every line of the selected cell's outputs", "toggle_expand"),
    Command("Follow running cell", "Keep whichever cell runs in view", "follow_running"),
    Command("Follow next peer", "Keep another peer's cell in view", "follow_next_peer"),
    Command("Stop following", "Stop following", "unfollow"),
    Command("Insert cell above", "New code cell above", "insert(0)"),
    Command("Insert cell below", "New code cell below", "insert(1)"),
    Command("Delete cell", "Delete the selected cell", "delete_cell"),
    Command("Undo cell deletion", "Bring back the last deleted cell", "undo_delete"),
    Command("Move cell up", "Move the selected cell up", "move(-1)"),
    Command("Move cell down", "Move the selected cell down", "move(1)"),
    Command("Cut cell", "Cut the selected cell", "cut"),
    Command("Copy cell", "Copy the selected cell", "copy"),
    Command("Paste cell below", "Paste below the selected cell", "paste(1)"),
    Command("Paste cell above", "Paste above the selected cell", "paste(0)"),
    Command("Make code cell", "Change the cell type to code", "set_type('code')"),
    Command("Make markdown cell", "Change the cell type to markdown", "set_type('markdown')"),
    Command("Make raw cell", "Change the cell type to raw", "set_type('raw')"),
    Command("Toggle cells pane", "Show or hide the cells pane (F2)", "toggle_pane('cells')"),
    Command("Toggle output pane", "Show or hide the selected cell's full outputs (F3)", "toggle_pane('output')"),
    Command("Toggle kernel pane", "Show or hide the kernel, queue, history and peers (F4)", "toggle_pane('kernel')"),
    Command("Next pane", "Give the keys to the next pane (w)", "next_pane"),
    Command("Widen pane", "Make the focused pane wider (>)", "resize_pane(1)"),
    Command("Narrow pane", "Make the focused pane narrower (<)", "resize_pane(-1)"),
    Command("Copy cell source", "Copy the selected cell's source to the system clipboard (OSC 52)", "copy_source"),
    Command("Copy cell output", "Copy the selected cell's outputs as text to the system clipboard", "copy_output"),
    Command("Clear the queue", "Drop every queued cell; the running one goes on", "clear_queue"),
    Command("Toggle dark / light theme", "Switch between the dark and light themes", "toggle_dark"),
    Command("Reconnect to the daemon", "Start the daemon again after `runt-tui daemon stop`", "reconnect"),
    Command("Notebook history", "Every change by author and minute; step back, restore as new changes", "history"),
    Command("Keys", "Show every key", "help"),
    Command("Quit", "Leave this notebook (the kernel lives on for others)", "quit"),
)


# Each command-mode key to its action's name, for command_action.
_COMMAND_ACTIONS = {
    name: key.action.split("(")[0] for key in KEYS if key.mode != "edit" for name in key.keys.split(",")
}
