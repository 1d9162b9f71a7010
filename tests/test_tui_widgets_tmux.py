"""End to end: a slider shared by two real `runt-tui` processes in tmux, driven by keys in one.

Skipped only where tmux is missing.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from support.tui import write_notebook
from test_tui_tmux import TMUX, Tmux, runt_tui, tmux  # noqa: F401  (tmux is the fixture)

pytestmark = pytest.mark.skipif(TMUX is None, reason="tmux is not installed")

def shows(screen: str, value: int) -> bool:
    """The slider is drawn with this value."""
    return re.search(rf"speed [━─●]+ {value}\b", screen) is not None


SLIDER = "import ipywidgets as w\nw.IntSlider(value=3, max=10, description='speed')"


def test_slider_moved_in_one_terminal_moves_in_the_other(tmux: Tmux, tmp_path: Path) -> None:  # noqa: F811
    nb = write_notebook(tmp_path / "w.ipynb", [("code", SLIDER)])
    tmux.start("a", runt_tui(str(nb), "--name", "ann"))
    tmux.wait("a", lambda s: "IntSlider" in s and "idle" in s)
    tmux.start("b", runt_tui(str(nb), "--name", "bob"))
    tmux.wait("b", lambda s: "IntSlider" in s and "ann" in s)
    tmux.keys("a", "C-e")
    tmux.wait("a", lambda s: shows(s, 3))
    tmux.wait("b", lambda s: shows(s, 3))
    # Tab focuses the widget in A; three steps right; B follows.
    tmux.keys("a", "Tab")
    tmux.keys("a", "Right", "Right", "Right")
    tmux.wait("b", lambda s: shows(s, 6))
    tmux.wait("a", lambda s: shows(s, 6))
    tmux.keys("a", "Escape")
    tmux.keys("a", "q")
    tmux.keys("b", "q")
