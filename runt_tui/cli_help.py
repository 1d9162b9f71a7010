"""How `runt-tui --help` presents the command line: `runt-tui NOTEBOOK` first, then the commands.

`runt-tui NOTEBOOK` is routed to a hidden `open` command (see cli.route_argv);
these classes make its usage, help and errors say `runt-tui NOTEBOOK` where
Click would say `runt-tui open`, and list its options on the main help.
(Typer ships its own Click: its types are reached through Typer's classes.)
"""

from __future__ import annotations

from typing import Any

from typer.core import TyperCommand, TyperGroup, TyperOption

NOTEBOOK_USAGE = "runt-tui NOTEBOOK [OPTIONS]"
COMMAND_USAGE = "runt-tui COMMAND [ARGS]..."


def options_summary(command: Any, ctx: Any) -> str:
    """`--name TEXT  help...`, one line per option of `command` (not --help)."""
    lines = []
    for param in command.get_params(ctx):
        if not isinstance(param, TyperOption) or param.hidden or "--help" in param.opts:
            continue
        name = param.opts[0] if param.is_flag else f"{param.opts[0]} {param.metavar or (param.name or '').upper()}"
        lines.append(f"  {name:<18} {param.help or ''}")
    return "\n".join(lines)


class NotebookCommand(TyperCommand):
    """The `open` command, named NOTEBOOK in its usage and errors."""

    def make_context(self, info_name: str | None, args: list[str], parent: Any = None, **extra: Any) -> Any:
        return super().make_context("NOTEBOOK", args, parent, **extra)

    def get_usage(self, ctx: Any) -> str:
        return f"Usage: {NOTEBOOK_USAGE}"


class NotebookGroup(TyperGroup):
    """The top level: usage and help lead with `runt-tui NOTEBOOK`."""

    def get_usage(self, ctx: Any) -> str:
        return f"Usage: {NOTEBOOK_USAGE}\n       {COMMAND_USAGE}"

    def format_help(self, ctx: Any, formatter: Any) -> None:
        opened = self.get_command(ctx, "open")
        if opened is not None and self.help is not None and "{options}" in self.help:
            self.help = self.help.replace("{options}", options_summary(opened, ctx))
        super().format_help(ctx, formatter)
