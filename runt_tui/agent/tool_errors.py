"""The agent's anticipated failures."""

from __future__ import annotations


class AgentError(Exception):
    """A failure the agent can act on (bad notebook or cell, daemon away): its message says what to do."""
