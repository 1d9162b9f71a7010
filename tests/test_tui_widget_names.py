"""Textual matches CSS type selectors by class name: two widget classes with one name share each other's styles."""

from __future__ import annotations

import importlib
import pkgutil
from collections import defaultdict

from textual.widget import Widget

import runt_tui.tui


def _all_subclasses(cls: type) -> set[type]:
    found = set(cls.__subclasses__())
    for sub in list(found):
        found |= _all_subclasses(sub)
    return found


def test_no_two_widget_classes_share_a_name() -> None:
    for info in pkgutil.walk_packages(runt_tui.tui.__path__, "runt_tui.tui."):
        importlib.import_module(info.name)
    names: dict[str, set[str]] = defaultdict(set)
    for cls in _all_subclasses(Widget):
        if cls.__module__.startswith("runt_tui."):
            names[cls.__name__].add(cls.__module__)
    shared = {name: sorted(mods) for name, mods in names.items() if len(mods) > 1}
    assert not shared, f"widget classes sharing a name (their DEFAULT_CSS leaks into each other): {shared}"
