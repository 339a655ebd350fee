"""Percentiles, ratios and the result rows every benchmark reports (PASS/MISS against its target)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (``q`` in 0..100); NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def ratio(value: float, floor: float) -> float:
    return value / floor if floor else math.nan


@dataclass
class Row:
    """One line of the results table."""

    bench: str
    mode: str
    metric: str
    value: float
    unit: str
    floor: float | None = None
    """The relay's figure for the same metric, measured in the same run."""
    target: str = ""
    passed: bool | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.floor is None or not self.floor:
            return None
        return self.value / self.floor

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ratio": self.ratio}


def check(value: float, test: Callable[[float], bool]) -> bool | None:
    return None if math.isnan(value) else test(value)


def fmt(value: float | None, unit: str) -> str:
    if value is None or math.isnan(value):
        return "-"
    if unit == "ms":
        return f"{value:.2f} ms" if value < 10 else f"{value:.1f} ms"
    if unit == "x":
        return f"{value:.2f}x"
    if unit == "KiB":
        return f"{value:.1f} KiB"
    if abs(value) >= 100:
        return f"{value:,.0f}{' ' + unit if unit else ''}"
    return f"{value:.2f}{' ' + unit if unit else ''}"


def table(rows: list[Row]) -> str:
    """A Markdown table, pasted as is into docs/benchmarks.md."""
    head = "| benchmark | mode | metric | Tandem | floor (relay) | ratio | target | result |"
    lines = [head, "| --- | --- | --- | ---: | ---: | ---: | --- | --- |"]
    for row in rows:
        result = {True: "PASS", False: "MISS", None: ""}[row.passed]
        ratio_text = fmt(row.ratio, "x") if row.ratio is not None else ""
        floor_text = fmt(row.floor, row.unit) if row.floor is not None else ""
        metric = row.metric + (f" ({row.note})" if row.note else "")
        lines.append(
            f"| {row.bench} | {row.mode} | {metric} | {fmt(row.value, row.unit)} | {floor_text} | {ratio_text} "
            f"| {row.target} | {result} |"
        )
    return "\n".join(lines)
