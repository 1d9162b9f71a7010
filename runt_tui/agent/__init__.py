"""Agents as peers: the MCP server of `runt-tui mcp`, built on the Session API (client/) only."""

from __future__ import annotations
