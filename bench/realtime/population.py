"""Who the benchmarks connect as: one population of developers per mode, set up once and shared.

Set-up goes through the HTTP API (register, create a project, invite and accept, register a repository),
which costs the server a few milliseconds a request; sharing one population keeps a full run short.
"""

from __future__ import annotations

from bench.realtime.procs import Deployment, Stack
from bench.realtime.team import Team

TEAM_SIZE = 10
LATENCY_TEAMS = 20
"""The latency benchmark's background load: 200 developers in 20 projects (4 projects in a quick run)."""
INGEST_TEAMS = 8
"""The ingest benchmark's blasting connections: 80 developers in 8 projects (4 in a quick run)."""
ACCOUNTS = 1000
"""Accounts of the embedded population; the idle-connections benchmark spreads its connections over them."""


def latency_teams(quick: bool) -> int:
    return 4 if quick else LATENCY_TEAMS


async def people(stack: Stack, deployment: Deployment, quick: bool) -> list[Team]:
    if quick:
        teams = latency_teams(quick)
    elif deployment.mode == "scale-out":
        teams = LATENCY_TEAMS
    else:
        teams = max(LATENCY_TEAMS + INGEST_TEAMS, ACCOUNTS // TEAM_SIZE)
    return await stack.teams(deployment, "people", [TEAM_SIZE] * teams)


def ingest_teams(people: list[Team], quick: bool) -> list[Team]:
    """In a full run, projects the latency benchmark did not use; a quick run shares its four."""
    return people[:4] if quick else people[LATENCY_TEAMS : LATENCY_TEAMS + INGEST_TEAMS]


async def probe(stack: Stack, deployment: Deployment) -> Team:
    """Two developers of a project of their own: the one who edits and the one who hears of it."""
    (team,) = await stack.teams(deployment, "probe", [2])
    return team
