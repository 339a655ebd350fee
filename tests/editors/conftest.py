"""Fixtures shared with the agent and language server tests: one store, isolated git, short dirs, agents."""

from __future__ import annotations

from tests.agent_daemon import conftest as daemon

store_kind = daemon.store_kind
isolated_git = daemon.isolated_git
short_dir = daemon.short_dir
origin = daemon.origin
start_agent = daemon.start_agent
