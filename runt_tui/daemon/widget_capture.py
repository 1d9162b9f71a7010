"""Outputs captured by ipywidgets Output models, as a Jupyter frontend captures them.

An `Output` widget used as a context manager (`with out:`, `interact`) sets its
`msg_id` to the request being handled; the *frontend* then puts every output
message with that parent into the widget's `outputs` instead of the cell.
Built with the same accumulator as cell outputs (merged streams, `\\r`,
deferred `clear_output(wait=True)`).
"""

from __future__ import annotations

from collections.abc import Mapping

from runt_tui.kernel import OutputAccumulator
from runt_tui.protocol.jsontypes import JSONValue

OUTPUT_MESSAGES = frozenset({"stream", "display_data", "execute_result", "error", "clear_output", "update_display_data"})


class _Capture:
    """One Output model capturing the outputs of one parent message."""

    def __init__(self, model_id: str, base: list[JSONValue]) -> None:
        self.model_id = model_id
        self.base = base
        self.acc = OutputAccumulator(model_id)

    def outputs(self) -> list[JSONValue]:
        return [*self.base, *self.acc.outputs()]


class OutputCaptures:
    """Which Output model captures which parent msg_id, and what each has captured."""

    def __init__(self) -> None:
        self._by_parent: dict[str, _Capture] = {}

    def set_msg_id(self, model_id: str, msg_id: object, outputs: object) -> None:
        """An Output model's `msg_id` changed: start capturing that parent's outputs (or stop, on '')."""
        self.forget(model_id)
        if isinstance(msg_id, str) and msg_id:
            base = list(outputs) if isinstance(outputs, list | tuple) else []
            self._by_parent[msg_id] = _Capture(model_id, base)

    def forget(self, model_id: str) -> None:
        """Stop every capture of a model (closed, or a new msg_id)."""
        for parent in [p for p, c in self._by_parent.items() if c.model_id == model_id]:
            del self._by_parent[parent]

    def clear(self) -> None:
        """Forget every capture (kernel restarted)."""
        self._by_parent.clear()

    def feed(self, msg: Mapping[str, object]) -> tuple[str, list[JSONValue]] | None:
        """(model_id, its outputs now) when an Output model captures `msg`, else None."""
        if msg.get("msg_type") not in OUTPUT_MESSAGES:
            return None
        header = msg.get("parent_header")
        parent = header.get("msg_id") if isinstance(header, dict) else None
        cap = self._by_parent.get(parent) if isinstance(parent, str) else None
        if cap is None:
            return None
        if msg.get("msg_type") == "clear_output":
            cap.base = []
        cap.acc.handle(msg)
        return cap.model_id, cap.outputs()
