"""`runt_tui.env` loads a submodule when one of its names is first used (PEP 562).

The app imports two small modules of the package (describe, progress_view);
importing the package must not bring the builder, the resolver and `packaging`.
"""

from __future__ import annotations

import subprocess
import sys

import runt_tui.env

_SMALL = """
import sys
import runt_tui.env.describe, runt_tui.env.progress_view
print("\\n".join(sorted(sys.modules)))
"""


def test_the_small_env_modules_load_no_builder() -> None:
    result = subprocess.run([sys.executable, "-c", _SMALL], capture_output=True, text=True, timeout=60, check=True)
    loaded = set(result.stdout.split())
    heavy = {"runt_tui.env.manager", "runt_tui.env.build", "runt_tui.env.deps", "runt_tui.env.resolve",
             "runt_tui.env.wheelhouse", "packaging"}
    assert sorted(heavy & loaded) == []


def test_every_exported_name_resolves() -> None:
    for name in runt_tui.env.__all__:
        value = getattr(runt_tui.env, name)
        assert getattr(value, "__name__", name) == name
    assert runt_tui.env.EnvManager.__module__ == "runt_tui.env.manager"
