"""Benchmark the conflict engine alone: updates per second and per-update cost, for a team typing at once.

uv run python bench/bench_engine.py --developers 200 --projects 20 --updates 50000
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

from backend.conflicts import ConflictEngine, EditStatus, FileEdit, Hunk, Participant, edit_from_wire
from tandem import protocol

SYMBOLS = [f"Class{c}.method{m}" for c in range(6) for m in range(8)]


@dataclass(frozen=True)
class Update:
    participant: Participant
    repo: str
    edit: FileEdit
    wire: protocol.FileChange


def hunks_for(rng: random.Random, count: int, text: str) -> tuple[Hunk, ...]:
    """``count`` hunks spread over a ~600-line file, as an edit session leaves them."""
    hunks = []
    line = shift = 0
    for n in range(count):
        line += rng.randint(3, 120)
        removed, added = rng.choice([(0, 1), (1, 1), (1, 2), (2, 4), (3, 0), (5, 7)])
        symbol = rng.choice(SYMBOLS)
        hunks.append(Hunk(line, line + removed, line + shift, line + shift + added, f"{text}{n}", (symbol,)))
        line += removed
        shift += added - removed
    return tuple(hunks)


def to_wire(path: str, hunks: tuple[Hunk, ...]) -> protocol.FileChange:
    return protocol.FileChange(
        path=path,
        status="modified",
        hunks=tuple(
            protocol.Hunk(
                base_start=h.start + 1 if h.end > h.start else h.start,
                base_lines=h.end - h.start,
                new_start=h.new_start + 1 if h.new_end > h.new_start else h.new_start,
                new_lines=h.new_end - h.new_start,
                hash=h.hash,
                symbols=h.symbols,
            )
            for h in hunks
        ),
    )


Team = dict[tuple[Participant, str, str], tuple[Hunk, ...]]
"""Each (participant, repository, path) and the hunks it has now."""


def team(
    rng: random.Random, developers: int, projects: int, files: int, files_each: int
) -> tuple[ConflictEngine, Team]:
    """Each developer works in one project, on a few files drawn with a skew: some files are hot."""
    engine = ConflictEngine()
    state: Team = {}
    weights = [1 / (rank + 1) for rank in range(files)]
    for n in range(developers):
        participant = Participant(f"user{n}", "laptop")
        repo = f"git.example.com/org/project{n % projects}"
        paths = sorted(set(rng.choices([f"src/module{f}.py" for f in range(files)], weights, k=files_each)))
        edits = []
        for path in paths:
            hunks = hunks_for(rng, rng.randint(1, 6), f"{n}:{path}")
            state[(participant, repo, path)] = hunks
            edits.append(FileEdit(path, EditStatus.MODIFIED, hunks))
        engine.apply_snapshot(participant, repo, base="c1", branch=f"feature/{n}", files=edits)
    return engine, state


def typed(rng: random.Random, hunks: tuple[Hunk, ...], n: int) -> tuple[Hunk, ...]:
    """One keystroke in one hunk: its text changes, and now and then it gains a line."""
    i = rng.randrange(len(hunks))
    grow = 1 if rng.random() < 0.2 else 0
    out = list(hunks[:i])
    h = hunks[i]
    out.append(Hunk(h.start, h.end, h.new_start, h.new_end + grow, f"k{n}", h.symbols))
    out.extend(Hunk(x.start, x.end, x.new_start + grow, x.new_end + grow, x.hash, x.symbols) for x in hunks[i + 1 :])
    return tuple(out)


def updates(rng: random.Random, state: Team, count: int, reshape: bool) -> list[Update]:
    """Keystrokes (``reshape``: every update brings a whole new set of hunks, the worst case)."""
    keys = list(state)
    out = []
    for n in range(count):
        participant, repo, path = key = rng.choice(keys)
        hunks = hunks_for(rng, rng.randint(1, 6), f"u{n}") if reshape else typed(rng, state[key], n)
        state[key] = hunks
        out.append(Update(participant, repo, FileEdit(path, EditStatus.MODIFIED, hunks), to_wire(path, hunks)))
    return out


def run(engine: ConflictEngine, batch: list[Update], convert: bool) -> tuple[list[float], float, float, int]:
    apply: Callable[[Update], list[object]]
    if convert:

        def apply(u: Update) -> list[object]:
            edit = edit_from_wire(u.wire)
            return list(engine.apply_delta(u.participant, u.repo, base="c1", changed=(edit,)))
    else:

        def apply(u: Update) -> list[object]:
            return list(engine.apply_delta(u.participant, u.repo, base="c1", changed=(u.edit,)))

    costs = []
    events = 0
    clock = time.perf_counter_ns
    started, cpu_started = clock(), time.process_time()
    for update in batch:
        t = clock()
        events += len(apply(update))
        costs.append((clock() - t) / 1000)
    return costs, (clock() - started) / 1e9, time.process_time() - cpu_started, events


@dataclass(frozen=True)
class Scenario:
    name: str
    developers: int
    projects: int
    files: int
    reshape: bool = False
    convert: bool = False


def measure(scenario: Scenario, args: argparse.Namespace) -> str:
    rng = random.Random(args.seed)
    engine, state = team(rng, scenario.developers, scenario.projects, scenario.files, args.files_each)
    batch = updates(rng, state, args.updates, scenario.reshape)
    run(engine, batch[: min(2000, len(batch))], scenario.convert)  # warm-up
    before = engine.comparisons
    costs, wall, cpu, events = run(engine, batch, scenario.convert)
    costs.sort()
    p99 = costs[min(len(costs) - 1, int(len(costs) * 0.99))]
    per_update = (engine.comparisons - before) / len(batch)
    return (
        f"| {scenario.name} | {scenario.developers} | {scenario.projects} | {scenario.files} | "
        f"{len(batch) / wall:,.0f} | {len(batch) / cpu:,.0f} | {statistics.median(costs):.1f} | {p99:.1f} | "
        f"{per_update:.2f} | {events / len(batch):.2f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--developers", type=int, default=200)
    parser.add_argument("--projects", type=int, default=20)
    parser.add_argument("--files", type=int, default=200, help="files per project that developers pick from")
    parser.add_argument("--files-each", type=int, default=8, help="changed files per developer")
    parser.add_argument("--updates", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    d, p, f = args.developers, args.projects, args.files
    scenarios = [
        Scenario("keystrokes", d, p, f),
        Scenario("keystrokes, from wire models", d, p, f, convert=True),
        Scenario("every update reshapes all hunks", d, p, f, reshape=True),
        Scenario("hot spot: 20 people on 12 files", 20, 1, 12),
    ]
    print(
        "| scenario | developers | projects | files/project | updates/s | updates/CPU-s | median µs | p99 µs "
        "| comparisons/update | events/update |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for scenario in scenarios:
        print(measure(scenario, args))


if __name__ == "__main__":
    main()
