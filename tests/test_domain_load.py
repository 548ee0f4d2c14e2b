"""The load model: shapes, parsing and its refusals, per-instance shares, the publication window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tidewater.domain.load import Load, cpu_percent, per_instance, window
from tidewater.domain.refusal import Refusal

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
values = st.floats(min_value=0, max_value=1e6, allow_nan=False)
instants = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)
)


def refused(body: Any) -> str:
    with pytest.raises(Refusal) as caught:
        Load.parse(body)
    assert caught.value.reason == "load.invalid"
    return str(caught.value.facts["why"])


def test_cpu_85_percent_for_ten_minutes_then_back() -> None:
    start = NOW.isoformat()
    load = Load.parse({"cpu": {"ramp": {"from": 340, "to": 340, "start": start, "minutes": 10}}})
    assert load.at(NOW).cpu == 340
    assert cpu_percent(load.at(NOW).cpu, 4) == 85
    assert cpu_percent(load.at(NOW).cpu, 5) == 68  # one more instance lowers the average


def test_ramp_is_linear_between_start_and_end() -> None:
    load = Load.parse(
        {"cpu": {"ramp": {"from": 10, "to": 110, "start": "2026-03-01T12:00:00Z", "minutes": 10}}}
    )
    assert load.at(NOW - timedelta(minutes=1)).cpu == 10
    assert load.at(NOW + timedelta(minutes=5)).cpu == pytest.approx(60)
    assert load.at(NOW + timedelta(hours=1)).cpu == 110


def test_daily_curve_interpolates_in_its_zone_and_wraps_at_midnight() -> None:
    load = Load.parse(
        {"requests": {"daily": {"zone": "Europe/Berlin", "points": {"6": 0, "18": 1200}}}}
    )
    # 12:00 UTC on 1 March is 13:00 in Berlin (CET, UTC+1): 7/12 of the way from 06:00 to 18:00.
    assert load.at(NOW).requests == pytest.approx(700)
    # 00:00 Berlin is half way from 18:00 to the next 06:00.
    assert load.at(datetime(2026, 3, 1, 23, 0, tzinfo=UTC)).requests == pytest.approx(600)


def test_measures_left_out_are_absent_and_json_round_trips() -> None:
    body = {
        "cpu": {"constant": 50.0},
        "network_in": {"daily": {"zone": "Etc/UTC", "points": {"0": 1.0, "12.5": 3.0}}},
    }
    load = Load.parse(body)
    assert set(load.shapes) == {"cpu", "network_in"}
    assert Load.parse(load.to_json()) == load


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ({}, "load must name at least one of cpu, network_in, network_out, requests"),
        ([], "load must name at least one of cpu, network_in, network_out, requests"),
        (
            {"memory": {"constant": 1}},
            "unknown measure memory; known: cpu, network_in, network_out, requests",
        ),
        ({"cpu": 85}, "cpu must be one of constant, ramp, daily"),
        ({"cpu": {"constant": 1, "ramp": {}}}, "cpu must be one of constant, ramp, daily"),
        ({"cpu": {"constant": -1}}, "cpu.constant must be between 0 and 1e+15"),
        ({"cpu": {"constant": True}}, "cpu.constant must be a number"),
        ({"cpu": {"constant": "85"}}, "cpu.constant must be a number"),
        (
            {"cpu": {"ramp": {"from": 1, "to": 2}}},
            "cpu.ramp needs exactly from, to, start and minutes",
        ),
        (
            {"cpu": {"ramp": {"from": 1, "to": 2, "start": "2026-03-01T12:00:00", "minutes": 1}}},
            "cpu.ramp.start must be an ISO 8601 time with an offset",
        ),
        (
            {"cpu": {"ramp": {"from": 1, "to": 2, "start": "2026-03-01T12:00:00Z", "minutes": 0}}},
            "cpu.ramp.minutes must be above 0 and at most 527040",
        ),
        (
            {"cpu": {"daily": {"zone": "Mars/Olympus", "points": {"0": 1}}}},
            "cpu.daily.zone is not an IANA time zone",
        ),
        (
            {"cpu": {"daily": {"zone": "Etc/UTC", "points": {}}}},
            "cpu.daily.points must map hours of the day to values",
        ),
        (
            {"cpu": {"daily": {"zone": "Etc/UTC", "points": {"24": 1}}}},
            "cpu.daily.points keys must be hours from 0 to below 24",
        ),
        (
            {"cpu": {"daily": {"zone": "Etc/UTC", "points": {"1": 1, "1.0": 2}}}},
            "cpu.daily.points names hour 1 twice",
        ),
    ],
)
def test_refusals_say_what_is_wrong(body: Any, why: str) -> None:
    assert refused(body) == why


@given(st.dictionaries(st.text(max_size=12), st.integers() | st.text() | st.none(), max_size=4))
def test_parse_either_accepts_or_refuses_cleanly(body: dict[str, Any]) -> None:
    try:
        Load.parse(body)
    except Refusal as refusal:
        assert refusal.reason == "load.invalid"


@given(values, values, instants, st.floats(min_value=1, max_value=10_000), instants)
def test_ramp_stays_between_its_ends(
    low: float, high: float, start: datetime, minutes: float, when: datetime
) -> None:
    body = {"ramp": {"from": low, "to": high, "start": start.isoformat(), "minutes": minutes}}
    value = Load.parse({"cpu": body}).at(when).cpu
    assert min(low, high) - 1e-6 <= value <= max(low, high) + 1e-6


@given(
    st.dictionaries(st.integers(min_value=0, max_value=23), values, min_size=1, max_size=6),
    instants,
    st.sampled_from(["Etc/UTC", "America/New_York", "Australia/Sydney"]),
)
def test_daily_stays_within_its_points(points: dict[int, float], when: datetime, zone: str) -> None:
    load = Load.parse(
        {"cpu": {"daily": {"zone": zone, "points": {str(h): v for h, v in points.items()}}}}
    )
    value = load.at(when).cpu
    assert min(points.values()) - 1e-6 <= value <= max(points.values()) + 1e-6


@given(values, st.integers(min_value=1, max_value=500))
def test_more_instances_never_raise_per_instance_cpu(demand: float, count: int) -> None:
    assert 0 <= cpu_percent(demand, count + 1) <= cpu_percent(demand, count) <= 100
    assert per_instance(demand, count) * count == pytest.approx(demand)
    assert cpu_percent(demand, 0) == 0


@given(st.none() | instants, instants, st.integers(min_value=1, max_value=120))
def test_window_is_bounded_whole_minutes_after_last(
    last: datetime | None, now: datetime, limit: int
) -> None:
    minutes = window(last, now, limit)
    assert len(minutes) <= max(limit, 1)
    assert all(m.second == 0 and m.microsecond == 0 and m <= now for m in minutes)
    assert all(b - a == timedelta(minutes=1) for a, b in pairwise(minutes))
    if last is not None:
        assert all(m > last for m in minutes)
    if minutes:
        assert minutes[-1] == now.replace(second=0, microsecond=0)
