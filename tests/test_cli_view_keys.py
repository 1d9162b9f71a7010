"""`--keys vi`, the config file's `keys`, and `--view` on the command line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from runt_tui.cli import fast_open_args, route_argv


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from runt_tui.cli import main; main()", *args],
        capture_output=True, text=True, timeout=60, env=env, check=False,
    )


def test_keys_and_view_on_the_fast_path() -> None:
    args = fast_open_args(route_argv(["nb.ipynb", "--keys", "vi", "--view"]))
    assert args is not None and args["keys"] == "vi" and args["view"] is True
    plain = fast_open_args(route_argv(["nb.ipynb"]))
    assert plain is not None and plain["keys"] is None and plain["view"] is False
    assert fast_open_args(route_argv(["nb.ipynb", "--keys", "emacs"])) is None  # Typer reports it


def test_bad_keys_are_refused_before_anything_starts(tmp_path: Path) -> None:
    env = {**os.environ, "RUNT_TUI_HOME": str(tmp_path / "home"), "XDG_CONFIG_HOME": str(tmp_path / "cfg")}
    done = cli(str(tmp_path / "nb.ipynb"), "--keys", "emacs", env=env)
    assert done.returncode == 2 and "--keys must be default or vi" in done.stderr
    (tmp_path / "cfg" / "runt-tui").mkdir(parents=True)
    (tmp_path / "cfg" / "runt-tui" / "config.toml").write_text('keys = "emacs"\n')
    done = cli(str(tmp_path / "nb.ipynb"), env=env)
    assert done.returncode == 2 and "keys must be default or vi, not 'emacs'" in done.stderr
    assert not (tmp_path / "nb.ipynb").exists() and not (tmp_path / "home").exists()


def test_help_lists_keys_and_view(tmp_path: Path) -> None:
    done = cli("--help", env={**os.environ, "RUNT_TUI_HOME": str(tmp_path / "home")})
    assert "--keys" in done.stdout and "--view" in done.stdout


def test_view_of_a_missing_notebook_is_refused(tmp_path: Path) -> None:
    env = {**os.environ, "RUNT_TUI_HOME": str(tmp_path / "home")}
    done = cli(str(tmp_path / "missing.ipynb"), "--view", env=env)
    assert done.returncode == 2 and "a viewer creates nothing" in done.stderr
    assert not (tmp_path / "missing.ipynb").exists() and not (tmp_path / "home").exists()
