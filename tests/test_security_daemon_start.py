"""`runt-tui daemon start` refuses a state dir another user can steer, in one clear sentence.

The same second user (uid 4242, a forked child as root) as tests/test_security_statedir.py
plants a home symlink or a pid-file symlink; the command says why and writes nothing there.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_security_statedir import OTHER, other_dir, root, run_as_other

__all__ = ["root"]  # the fixture, shared with the daemon's own refusals

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0, reason="playing a second user needs root (setuid to an unused uid in a forked child)"
)

_CLI = "import sys; sys.argv[0] = 'runt-tui'; from runt_tui.cli import main; main()"


def start(home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "RUNT_TUI_HOME": str(home), "RUNT_TUI_IDLE_EXIT": "1"}
    return subprocess.run([sys.executable, "-c", _CLI, "daemon", "start"], env=env, capture_output=True,
                          text=True, timeout=60, stdin=subprocess.DEVNULL)


def test_start_refuses_a_home_symlinked_to_another_users_directory(root: Path) -> None:
    theirs = other_dir(root / "theirs")
    link = root / "link"
    link.symlink_to(theirs)
    done = start(link)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("runt-tui: ") and "Traceback" not in done.stderr
    assert str(theirs) in done.stderr and f"uid {OTHER}" in done.stderr
    assert list(theirs.iterdir()) == []


def test_start_does_not_follow_a_planted_pid_file(root: Path) -> None:
    home = root / "home"
    home.mkdir()
    os.chmod(home, 0o777)
    victim = root / "victim"
    victim.write_text("precious\n")
    os.chmod(victim, 0o600)
    run_as_other(lambda: os.symlink(victim, home / "daemon.pid"))
    done = start(home)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("runt-tui: ") and "Traceback" not in done.stderr
    assert str(home / "daemon.pid") in done.stderr and "symbolic link" in done.stderr
    assert victim.read_text() == "precious\n"
