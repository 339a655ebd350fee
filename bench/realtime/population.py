"""Who the benchmarks connect as: one population of developers per mode, set up once and shared.

Set-up goes through the HTTP API (register, create a project, invite and accept, register a repository),
which costs the server a few milliseconds a request; sharing one population keeps a full run short.
"""

from __future__ import annotations

from bench.realtime.procs import Deployment, Stack
from bench.realtime.team import Team

TEAM_SIZE = 10
LATENCY_TEAMS = 20
"""The background load of the latency benchmark: 200 developers in 20 projects."""
INGEST_TEAMS = 8
"""The ingest benchmark's blasting connections: 80 developers in 8 projects (after the latency ones)."""


def accounts(quick: bool) -> int:
    """Accounts of the embedded population: the idle-connections benchmark uses them all."""
    return 280 if quick else 1000


async def people(stack: Stack, deployment: Deployment, quick: bool) -> list[Team]:
    if deployment.mode == "scale-out":
        teams = LATENCY_TEAMS
    else:
        teams = max(LATENCY_TEAMS + INGEST_TEAMS, accounts(quick) // TEAM_SIZE)
    return await stack.teams(deployment, "people", [TEAM_SIZE] * teams)


async def probe(stack: Stack, deployment: Deployment) -> Team:
    """Two developers of a project of their own: the one who edits and the one who hears of it."""
    (team,) = await stack.teams(deployment, "probe", [2])
    return team
