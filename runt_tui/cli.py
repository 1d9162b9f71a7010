"""The `runt-tui` command line: parse arguments, then call into the package.

`runt-tui NOTEBOOK [options]` with plain, valid arguments skips Typer entirely
(importing and running it costs ~0.15 s, a third of the start-up budget); any
other command line, including every error and --help, goes through Typer.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

if TYPE_CHECKING:
    import typer

_VALUE_OPTIONS = {"--name", "--kernel", "--images", "--layout", "--theme", "--panes", "--keys"}
_COMMANDS = ("daemon", "ps", "open", "run", "mcp", "doctor", "history", "trust", "deps")
_IMAGES = ("auto", "kitty", "sixel", "halfblock", "none")
_LAYOUTS = ("cells", "outputs")
_KEYS = ("default", "vi")
_FLAGS = ("--embedded", "--create", "--view")


def _version(value: bool) -> None:
    if value:
        from runt_tui import __version__

        typer.echo(f"runt-tui {__version__}")
        raise typer.Exit()


_HELP = """A terminal notebook: many terminals, one notebook, one kernel.

\b
runt-tui NOTEBOOK opens NOTEBOOK (a .ipynb file, created if missing) in this
terminal, shared live with every other terminal, script and agent on it:
{options}

\b
The commands below do the rest (runt-tui COMMAND --help for each);
runt-tui doctor checks the terminal (and tmux) for the keys to work.
"""


def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    pass


def notebook_name_problem(given: str | Path, create: bool) -> str | None:
    """Why NOTEBOOK cannot be opened as given (None when it can)."""
    if _is_url(given):
        if str(given).lower().endswith(".ipynb") or create:
            return None
        return f"{given} does not end in .ipynb; pass --create to open it as a notebook anyway"
    notebook = Path(given)
    if notebook.is_dir():
        return f"{notebook} is a directory, not a notebook"
    if notebook.suffix.lower() == ".ipynb" or create:
        return None
    if notebook.suffix == "" and "/" not in str(notebook) and not notebook.exists():
        return (f"{str(notebook)!r} is neither a command ({', '.join(c for c in _COMMANDS if c != 'open')}) "
                "nor a .ipynb notebook; `runt-tui --help` lists both")
    return f"{notebook} does not end in .ipynb; pass --create to open it as a notebook anyway"


def open_notebook(
    notebook: Annotated[
        str, typer.Argument(help="The .ipynb file (created if missing), or ssh://[user@]host[:port]/path.", show_default=False)
    ],
    name: Annotated[str | None, typer.Option(help="Your name as other terminals see it.")] = None,
    kernel: Annotated[str | None, typer.Option(metavar="K", help="Kernel to start (default: the notebook's).")] = None,
    embedded: Annotated[bool, typer.Option("--embedded", help="Run the daemon inside this process.")] = False,
    images: Annotated[str, typer.Option(metavar="MODE", help="auto, kitty, sixel, halfblock or none.")] = "auto",
    follow: Annotated[
        str | None, typer.Option(metavar="[NAME]", help="Follow a peer by NAME, or with no name the running cell.")
    ] = None,
    layout: Annotated[str, typer.Option(metavar="L", help="cells, or outputs (sources collapsed).")] = "cells",
    theme: Annotated[str | None, typer.Option(help="A Textual theme, e.g. textual-light.")] = None,
    panes: Annotated[
        str | None, typer.Option(metavar="P,..", help="Panes to show, in order: any of cells,output,kernel.")
    ] = None,
    create: Annotated[bool, typer.Option("--create", help="Allow a NOTEBOOK name not ending in .ipynb.")] = False,
    keys: Annotated[
        str | None, typer.Option(metavar="KEYS", help="Editor keys: default, or vi (config file: keys = \"vi\").")
    ] = None,
    view: Annotated[bool, typer.Option("--view", help="Watch only: no kernel, no edits (a viewer peer).")] = False,
) -> None:
    """Open NOTEBOOK in this terminal, shared live with every other terminal on it."""
    if images not in _IMAGES:
        typer.echo(f"runt-tui: --images must be auto, kitty, sixel, halfblock or none, not {images!r}", err=True)
        raise typer.Exit(2)
    if layout not in _LAYOUTS:
        typer.echo(f"runt-tui: --layout must be cells or outputs, not {layout!r}", err=True)
        raise typer.Exit(2)
    problem = notebook_name_problem(notebook, create) or _panes_problem(panes)
    if problem is not None:
        typer.echo(f"runt-tui: {problem}", err=True)
        raise typer.Exit(2)
    if keys is not None and keys not in _KEYS:
        typer.echo(f"runt-tui: --keys must be default or vi, not {keys!r}", err=True)
        raise typer.Exit(2)
    if _is_url(notebook) and embedded:
        typer.echo("runt-tui: --embedded does not apply to an ssh:// notebook (it uses the server's daemon)", err=True)
        raise typer.Exit(2)
    raise typer.Exit(_run(notebook, name, kernel, embedded, images, follow, layout, theme, panes, keys, view))


def _panes_problem(panes: str | None) -> str | None:
    """What is wrong with a --panes value (None when it is fine or absent)."""
    if panes is None:
        return None
    from runt_tui.tui.pane_layout import PanesError, parse_panes

    try:
        parse_panes(panes)
    except PanesError as e:
        return str(e)
    return None


def _is_url(notebook: str | Path) -> bool:
    return isinstance(notebook, str) and notebook.lower().startswith("ssh://")


def _run(
    notebook: Path | str, name: str | None, kernel: str | None, embedded: bool, images: str,
    follow: str | None, layout: str, theme: str | None, panes: str | None = None,
    keys: str | None = None, view: bool = False,
) -> int:
    url = str(notebook) if _is_url(notebook) else None
    if url is not None:
        from runt_tui.client.sshurl import SSHURLError, parse_ssh_url

        try:
            parse_ssh_url(url)
        except SSHURLError as e:
            print(f"runt-tui: {e}", file=sys.stderr)
            return 2
    if view and url is None and not Path(notebook).is_file():
        print(f"runt-tui: --view: {notebook} does not exist (a viewer creates nothing)", file=sys.stderr)
        return 2
    if keys is None:
        from runt_tui.settings import client_settings

        try:
            keys = client_settings().get("keys", "default")
        except ValueError as e:
            print(f"runt-tui: {e}", file=sys.stderr)
            return 2
    if url is None and not embedded:
        # Everything is checked: start the daemon (when none runs) before the app's
        # imports, so that the two start at once on the two cores.
        from runt_tui.daemon_spawn import spawn_early
        from runt_tui.settings import state_dir

        spawn_early(state_dir())
    if url is None:
        from runt_tui.cli_prepaint import prepaint

        prepaint(Path(notebook), panes)  # the notebook on screen while the app's imports run
    from runt_tui.tui.app_options import AppOptions
    from runt_tui.tui.pane_layout import parse_panes
    from runt_tui.tui.startup import launch

    options = AppOptions(
        path=Path(notebook), url=url, name=name, kernel=kernel, embedded=embedded, images=images,  # type: ignore[arg-type]
        follow=follow, layout=layout, theme=theme, keys=keys, view=view, start_kernel=not view,  # type: ignore[arg-type]
        panes=parse_panes(panes) if panes else None,
    )
    try:
        return launch(options)
    finally:
        from runt_tui.prepaint import restore

        restore()  # the app never took the terminal over (an error before it started)


_typer_app: Any = None


def _build_app() -> typer.Typer:
    """The Typer application (built on first use: the fast path never imports Typer)."""
    global _typer_app
    if _typer_app is not None:
        return _typer_app  # type: ignore[no-any-return]
    import typer as _typer

    globals()["typer"] = _typer  # the commands' annotations and bodies name it
    from runt_tui.cli_help import NotebookCommand, NotebookGroup

    app = _typer.Typer(name="runt-tui", help=_HELP, add_completion=False, no_args_is_help=True, cls=NotebookGroup)
    app.callback()(_root)

    from runt_tui.cli_daemon import daemon_app, ps

    app.add_typer(daemon_app, name="daemon")
    app.command("ps")(ps)

    from runt_tui.cli_run import run

    app.command("run")(run)

    from runt_tui.cli_env import deps, trust

    app.command("trust")(trust)
    app.command("deps")(deps)
    # `runt-tui NOTEBOOK` is routed here (route_argv); the help calls it by that name.
    app.command("open", hidden=True, cls=NotebookCommand)(open_notebook)

    from runt_tui.cli_doctor import doctor

    app.command("doctor")(doctor)

    from runt_tui.cli_history import history

    app.command("history")(history)

    from runt_tui.cli_mcp import mcp

    app.command("mcp")(mcp)
    _typer_app = app
    return app


def __getattr__(name: str) -> Any:
    if name == "app":
        return _build_app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def route_argv(argv: list[str]) -> list[str]:
    """Send `runt-tui NOTEBOOK ...` to the `open` command; a bare --follow means the running cell."""
    out: list[str] = []
    for i, arg in enumerate(argv):
        if arg == "--follow":
            nxt = argv[i + 1] if i + 1 < len(argv) else None
            if nxt is None or nxt.startswith("-") or nxt.endswith(".ipynb"):
                out.append("--follow=")
                continue
        out.append(arg)
    i = 0
    while i < len(out):
        arg = out[i]
        if arg in _VALUE_OPTIONS or arg == "--follow":
            i += 2
            continue
        if arg.startswith("-"):
            i += 1
            continue
        if arg in _COMMANDS:
            return out
        return ["open", *out]
    return out


def fast_open_args(argv: list[str]) -> dict[str, Any] | None:
    """The arguments of a routed, plainly valid `open ...` command line, or None for Typer to handle.

    Anything unusual (help, unknown or repeated options, a missing value, a value
    Typer would reject) returns None so that Typer parses and reports it as before.
    """
    if not argv or argv[0] != "open":
        return None
    values: dict[str, str] = {}
    flags: set[str] = set()
    positional: list[str] = []
    i = 1
    while i < len(argv):
        arg = argv[i]
        if arg.startswith("--") and arg != "--":
            key, eq, value = arg.partition("=")
            if key in _FLAGS and not eq:
                flags.add(key)
            elif key in _VALUE_OPTIONS or key == "--follow":
                if not eq:
                    if i + 1 >= len(argv) or argv[i + 1].startswith("-"):
                        return None
                    i += 1
                    value = argv[i]
                if key in values:
                    return None
                values[key] = value
            else:
                return None
        elif arg.startswith("-"):
            return None
        else:
            positional.append(arg)
        i += 1
    if len(positional) != 1 or not positional[0]:
        return None
    images = values.get("--images", "auto")
    layout = values.get("--layout", "cells")
    notebook: Path | str = positional[0] if _is_url(positional[0]) else Path(positional[0])
    keys = values.get("--keys")
    bad_keys = keys is not None and keys not in _KEYS
    if images not in _IMAGES or layout not in _LAYOUTS or bad_keys or notebook_name_problem(notebook, "--create" in flags):
        return None
    if _panes_problem(values.get("--panes")) is not None:
        return None
    if isinstance(notebook, str) and "--embedded" in flags:
        return None
    return {
        "notebook": notebook, "name": values.get("--name"), "kernel": values.get("--kernel"),
        "embedded": "--embedded" in flags, "images": images, "follow": values.get("--follow"), "layout": layout,
        "theme": values.get("--theme"), "panes": values.get("--panes"), "keys": keys, "view": "--view" in flags,
    }


def _refused_notebook(args: list[str], routed: list[str]) -> str | None:
    """Why the NOTEBOOK of a `runt-tui NOTEBOOK ...` line cannot be opened, told before Click
    complains about a mistyped command's extra arguments."""
    if routed[:1] != ["open"] or args[:1] == ["open"] or "--help" in args:
        return None
    positional = [a for i, a in enumerate(routed[1:]) if not a.startswith("-")
                  and routed[i] not in _VALUE_OPTIONS | {"--follow"}]
    return notebook_name_problem(positional[0], "--create" in args) if positional else None


def main() -> None:
    """Entry point of the console script."""
    if sys.argv[1:3] == ["daemon", "start"]:
        # A plain `daemon start` needs no Typer: its whole run costs less than importing it.
        from runt_tui.daemon_start import fast_start_args, run_start

        start = fast_start_args(sys.argv[3:])
        if start is not None:
            try:
                sys.exit(run_start(**start))
            except KeyboardInterrupt:  # as Click says it
                print("\nAborted!", file=sys.stderr)
                sys.exit(1)
    argv = route_argv(sys.argv[1:])
    refused = _refused_notebook(sys.argv[1:], argv)
    if refused is not None:
        print(f"runt-tui: {refused}", file=sys.stderr)
        sys.exit(2)
    fast = fast_open_args(argv)
    if fast is not None:
        try:
            code = _run(**fast)
        except (EOFError, KeyboardInterrupt):
            print(file=sys.stderr)
            print("Aborted!", file=sys.stderr)
            code = 1
        sys.exit(code)
    _build_app()(args=argv, prog_name="runt-tui")
