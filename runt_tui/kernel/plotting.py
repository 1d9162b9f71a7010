"""Matplotlib figures inline by default: the kernel's environment and arguments for it.

The daemon inherits the environment of whichever terminal started it, where
`MPLBACKEND` may name a GUI backend or `Agg` meant for scripts: in a notebook
either shows nothing. The kernel therefore gets matplotlib's inline backend
unless `MPLBACKEND` names a plug-in backend (`module://...`), which is a
deliberate choice. Inline figures are plain PNG, not retina: terminal images
and half blocks are drawn at the figure's own pixel size, and a retina figure
carries twice the pixels for nothing. A kernelspec that sets
`--InlineBackend.figure_formats` itself keeps its choice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

INLINE_BACKEND = "module://matplotlib_inline.backend_inline"
FORMATS_FLAG = "--InlineBackend.figure_formats"
_IPYKERNEL_MODULES = ("ipykernel_launcher", "ipykernel", "runt_tui.kernel.ipykernel_launcher")


def inline_plots_env(env: Mapping[str, str]) -> dict[str, str]:
    """`env` with MPLBACKEND set to the inline backend unless it names a plug-in backend."""
    out = dict(env)
    if not out.get("MPLBACKEND", "").startswith("module://"):
        out["MPLBACKEND"] = INLINE_BACKEND
    return out


def inline_plots_argv(argv: Sequence[str]) -> list[str]:
    """An ipykernel command line with plain-PNG inline figures (other kernels' left alone)."""
    out = list(argv)
    is_ipykernel = any(
        a == "-m" and i + 1 < len(out) and out[i + 1] in _IPYKERNEL_MODULES for i, a in enumerate(out)
    )
    if not is_ipykernel or any(a.startswith(FORMATS_FLAG) for a in out):
        return out
    return [*out, f"{FORMATS_FLAG}=png"]
