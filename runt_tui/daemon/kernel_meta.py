"""The notebook's `kernelspec` and `language_info` follow the kernel that runs it.

After Change kernel or `runt-tui run --kernel K`, the file must name the kernel
that ran, so that the next open starts it again. A file naming no kernel gets the
one that ran with its first cell's outputs, not when the kernel starts: opening a
notebook another tool wrote changes none of its bytes. A notebook that already
names the running kernel is left alone: a missing `language_info`, a
`display_name` or a language version that differs from this machine's is no
reason to rewrite someone's file when the kernel starts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from runt_tui.protocol.jsontypes import JSONDict

if TYPE_CHECKING:
    from runt_tui.daemon.room import Room


def kernel_metadata_update(
    metadata: JSONDict, spec: dict[str, str], language_info: object
) -> JSONDict | None:
    """The `kernelspec` / `language_info` entries that make `metadata` name the kernel; None if it does."""
    current = metadata.get("kernelspec")
    if not spec.get("name") or (isinstance(current, dict) and current.get("name") == spec["name"]):
        return None
    kernelspec: JSONDict = {k: spec[k] for k in ("display_name", "language", "name") if spec.get(k)}
    update: JSONDict = {"kernelspec": kernelspec}
    if isinstance(language_info, dict) and language_info.get("name"):
        update["language_info"] = language_info
    return update


def record_kernel(room: Room, spec: dict[str, str], kernel_info: Mapping[str, object]) -> None:
    """Write the running kernel into the notebook's metadata when it says otherwise (then saved)."""
    info = kernel_info.get("language_info")  # the kernel_info_reply's content
    metadata = room.doc.metadata()
    update = kernel_metadata_update(metadata, spec, info)
    if update:
        room.doc.set_metadata({**metadata, **update})
        room.local_changed()


class KernelNaming:
    """When the notebook's metadata is told which kernel runs it."""

    def __init__(self, room: Room) -> None:
        self.room = room
        self._unnamed: tuple[dict[str, str], Mapping[str, object]] | None = None

    def started(self, spec: dict[str, str], kernel_info: Mapping[str, object], chosen: bool) -> None:
        """A kernel started: named at once when chosen or replacing another, at its first run when none is named."""
        named = isinstance(self.room.doc.metadata().get("kernelspec"), dict)
        self._unnamed = None if chosen or named else (spec, kernel_info)
        if self._unnamed is None:
            record_kernel(self.room, spec, kernel_info)

    def ran(self) -> None:
        """A cell runs: a file that named no kernel now names this one."""
        if self._unnamed is not None:
            spec, kernel_info = self._unnamed
            self._unnamed = None
            record_kernel(self.room, spec, kernel_info)
