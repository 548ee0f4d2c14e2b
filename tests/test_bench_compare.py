"""The bench calls out slower code, not a slower machine: rows are compared once both runs are
scaled by their own bare-stack ceiling."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

BENCH = Path(__file__).parent.parent / "bench"
sys.path.insert(0, str(BENCH))
import compare  # noqa: E402


def row(target: str, rate: float, conns: int = 4, workload: str = "w") -> dict[str, Any]:
    return {"target": target, "workload": workload, "connections": conns, "per_second": rate}


def keyed(rows: list[dict[str, Any]]) -> dict[Any, dict[str, Any]]:
    return {(r["target"], r["workload"], r["connections"]): r for r in rows}


def test_a_slower_machine_is_not_a_regression() -> None:
    before = keyed([row("ceiling", 20_000, workload="bare"), row("tidewater", 2_000)])
    made = [row("ceiling", 14_000, workload="bare"), row("tidewater", 1_500)]
    assert compare.machine_speed(made, before) == {4: 0.7}
    assert compare.regressions(made, before) == []


def test_slower_code_on_the_same_machine_is() -> None:
    before = keyed([row("ceiling", 20_000, workload="bare"), row("tidewater", 2_000)])
    made = [row("ceiling", 20_000, workload="bare"), row("tidewater", 1_500)]
    assert compare.regressions(made, before) == [(("tidewater", "w", 4), 2_000, 1_500)]


def test_without_a_ceiling_the_rates_are_compared_as_they_are() -> None:
    before = keyed([row("moto", 300, conns=1)])
    assert compare.regressions([row("moto", 200, conns=1)], before) == [
        (("moto", "w", 1), 300, 200)
    ]
    assert compare.regressions([row("moto", 250, conns=1)], before) == []
