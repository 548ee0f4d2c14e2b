"""Scheduled action timing: cron in a named zone across daylight saving, start, end, refusals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tidewater.domain.refusal import Refusal
from tidewater.domain.schedule import Schedule, check_recurrence

NOW = datetime(2026, 3, 1, tzinfo=UTC)
ZONES = ("America/New_York", "Europe/Berlin", "Australia/Sydney", "America/Sao_Paulo", "Etc/UTC")


def firings(schedule: Schedule, now: datetime, count: int) -> list[datetime]:
    """The first `count` firings, each taken on time."""
    out: list[datetime] = []
    at = schedule.first(now)
    while at is not None and len(out) < count:
        out.append(at)
        at = schedule.after(at, at)
    return out


def test_new_york_daily_keeps_local_time_across_spring_forward() -> None:
    schedule = Schedule(recurrence="0 9 * * *", time_zone="America/New_York")
    times = firings(schedule, datetime(2026, 3, 7, tzinfo=UTC), 3)
    assert times == [
        datetime(2026, 3, 7, 14, tzinfo=UTC),  # EST, UTC-5
        datetime(2026, 3, 8, 13, tzinfo=UTC),  # EDT from 8 March, UTC-4
        datetime(2026, 3, 9, 13, tzinfo=UTC),
    ]


def test_utc_is_the_default_zone() -> None:
    assert Schedule(recurrence="30 0 * * *").first(NOW) == datetime(2026, 3, 1, 0, 30, tzinfo=UTC)


def test_start_is_the_first_firing_then_the_recurrence() -> None:
    start = datetime(2026, 3, 1, 5, 7, tzinfo=UTC)
    schedule = Schedule(start=start, recurrence="0 * * * *")
    assert firings(schedule, NOW, 2) == [start, datetime(2026, 3, 1, 6, tzinfo=UTC)]


def test_end_time_stops_the_recurrence() -> None:
    end = datetime(2026, 3, 3, 12, tzinfo=UTC)
    assert (
        len(firings(Schedule(end=end, recurrence="0 0 * * *"), NOW, 10)) == 2
    )  # 2 and 3 March; 4 March is past the end


def test_one_time_action_fires_once() -> None:
    start = datetime(2026, 3, 2, tzinfo=UTC)
    assert firings(Schedule(start=start), NOW, 5) == [start]


def test_missed_firings_collapse_into_the_next_one_after_now() -> None:
    schedule = Schedule(recurrence="0 * * * *")
    fired = datetime(2026, 3, 1, 1, tzinfo=UTC)
    assert schedule.after(fired, fired + timedelta(hours=5, minutes=30)) == datetime(
        2026, 3, 1, 7, tzinfo=UTC
    )


@pytest.mark.parametrize(
    "expression",
    [
        "",
        "0 0 * *",
        "0 0 * * * *",
        "61 0 * * *",
        "0 0 30 2 *",
        "@daily x y z w",
        "0 0 L * *",
        "0 0 15W * *",
        "0 0 * * MON#2",
        "0 0 ? * *",
    ],
)
def test_bad_recurrence_is_refused(expression: str) -> None:
    with pytest.raises(Refusal) as raised:
        check_recurrence(expression)
    assert raised.value.reason == "schedule.recurrence"


@pytest.mark.parametrize("expression", ["30 0 1 1,6,12 *", "*/5 9-17 * * MON-FRI", "0 0 * JAN wed"])
def test_unix_recurrence_is_accepted(expression: str) -> None:
    assert check_recurrence(expression) == expression


@pytest.mark.parametrize(
    ("schedule", "reason"),
    [
        (Schedule(start=NOW - timedelta(seconds=1)), "schedule.start_in_past"),
        (
            Schedule(
                start=NOW + timedelta(days=2), end=NOW + timedelta(days=1), recurrence="0 0 * * *"
            ),
            "schedule.start_after_end",
        ),
        (Schedule(end=NOW - timedelta(days=1), recurrence="0 0 * * *"), "schedule.end_in_past"),
        (Schedule(recurrence="0 0 * * *", time_zone="Mars/Olympus"), "schedule.time_zone"),
    ],
)
def test_refusals(schedule: Schedule, reason: str) -> None:
    with pytest.raises(Refusal) as raised:
        schedule.check(NOW)
    assert raised.value.reason == reason


@settings(max_examples=200, deadline=None)
@given(
    minute=st.integers(0, 59),
    hour=st.integers(0, 23),
    zone_name=st.sampled_from(ZONES),
    start=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 1)),
)
def test_daily_recurrence_fires_once_a_local_day_at_its_wall_time(
    minute: int, hour: int, zone_name: str, start: datetime
) -> None:
    """Across any DST change: one firing per local day, at H:M local unless H:M does not exist."""
    zone = ZoneInfo(zone_name)
    schedule = Schedule(recurrence=f"{minute} {hour} * * *", time_zone=zone_name)
    times = firings(schedule, start.replace(tzinfo=UTC), 40)
    assert len(times) == 40
    assert all(a < b for a, b in pairwise(times))
    days = [t.astimezone(zone).date() for t in times]
    assert all((b - a).days == 1 for a, b in pairwise(days))
    for t in times:
        assert t.tzinfo is UTC
        local = t.astimezone(zone)
        wall = local.replace(hour=hour, minute=minute, tzinfo=None)
        exists = (
            wall.replace(tzinfo=zone).astimezone(UTC).astimezone(zone).replace(tzinfo=None) == wall
        )
        if exists:
            assert (local.hour, local.minute) == (hour, minute)
        else:  # a wall time skipped by spring-forward fires right after the gap, that same day
            assert local.replace(tzinfo=None) > wall


# -- ESS recurrences ----------------------------------------------------------------------------

LAUNCH = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)  # a Monday


def ess(kind: str, value: str, start: datetime = LAUNCH) -> Schedule:
    return Schedule(start=start, recurrence=value, kind=kind)


def test_ess_daily_weekly_monthly_and_cron_firings() -> None:
    assert firings(ess("Daily", "2"), NOW, 3) == [
        LAUNCH,
        LAUNCH + timedelta(days=2),
        LAUNCH + timedelta(days=4),
    ]
    # 0 is Sunday: Sunday 8 and Wednesday 4 March; Monday's launch itself is no firing
    assert firings(ess("Weekly", "0,3"), NOW, 3) == [
        datetime(2026, 3, 4, 8, 30, tzinfo=UTC),
        datetime(2026, 3, 8, 8, 30, tzinfo=UTC),
        datetime(2026, 3, 11, 8, 30, tzinfo=UTC),
    ]
    # 30-31: March's two, then none in April (30 only), then May's
    assert firings(ess("Monthly", "30-31"), NOW, 4) == [
        datetime(2026, 3, 30, 8, 30, tzinfo=UTC),
        datetime(2026, 3, 31, 8, 30, tzinfo=UTC),
        datetime(2026, 4, 30, 8, 30, tzinfo=UTC),
        datetime(2026, 5, 30, 8, 30, tzinfo=UTC),
    ]
    # Quartz marks: `?` for no particular day, L for the month's last day, # for the nth weekday
    assert firings(ess("Cron", "0 12 ? * *"), NOW, 2) == [
        datetime(2026, 3, 2, 12, tzinfo=UTC),
        datetime(2026, 3, 3, 12, tzinfo=UTC),
    ]
    assert firings(ess("Cron", "0 0 L * ?"), NOW, 1) == [datetime(2026, 3, 31, tzinfo=UTC)]
    assert firings(ess("Cron", "0 0 ? * 1#2"), NOW, 1) == [datetime(2026, 3, 9, tzinfo=UTC)]


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("Daily", "0"),
        ("Daily", "32"),
        ("Daily", "1,2"),
        ("Weekly", "7"),
        ("Weekly", ""),
        ("Weekly", "1,,2"),
        ("Monthly", "3"),
        ("Monthly", "5-3"),
        ("Monthly", "0-3"),
        ("Monthly", "1-32"),
        ("Cron", "0 12 * *"),
        ("Cron", "@daily"),
        ("Cron", "0 12 15W * *"),
    ],
)
def test_bad_ess_recurrences_are_refused(kind: str, value: str) -> None:
    with pytest.raises(Refusal) as refused:
        ess(kind, value).check(NOW)
    assert refused.value.reason == "schedule.recurrence"


def test_ess_day_recurrences_need_a_launch_time() -> None:
    with pytest.raises(Refusal):
        Schedule(recurrence="1", kind="Daily").check(NOW)


@settings(max_examples=200, deadline=None)
@given(
    kind=st.sampled_from(["Daily", "Weekly", "Monthly"]),
    numbers=st.lists(st.integers(0, 31), min_size=1, max_size=7),
    minutes=st.integers(0, 60 * 24 * 60),
    late=st.integers(0, 60 * 24 * 90),
)
def test_ess_firings_match_their_recurrence_and_never_go_back(
    kind: str, numbers: list[int], minutes: int, late: int
) -> None:
    """Whatever value parses, firings keep the launch's time of day, match the recurrence, come
    strictly one after another, and a late pass skips to the first firing after now."""
    value = {
        "Daily": str(numbers[0]),
        "Weekly": ",".join(str(n) for n in numbers),
        "Monthly": f"{min(numbers[:2])}-{max(numbers[:2])}",
    }[kind]
    start = LAUNCH + timedelta(minutes=minutes)
    schedule = ess(kind, value, start)
    valid = {
        "Daily": 1 <= numbers[0] <= 31,
        "Weekly": all(0 <= n <= 6 for n in numbers),
        "Monthly": min(numbers[:2]) >= 1,
    }[kind]
    if not valid:
        with pytest.raises(Refusal):
            schedule.check(NOW)
        return
    schedule.check(NOW)
    times = firings(schedule, NOW, 5)
    assert len(times) == 5 and times[0] >= start
    for at in times:
        assert (at.hour, at.minute) == (start.hour, start.minute)
        if kind == "Weekly":
            assert (at.weekday() + 1) % 7 in numbers
        if kind == "Monthly":
            assert min(numbers[:2]) <= at.day <= max(numbers[:2])
        if kind == "Daily":
            assert (at - start) % timedelta(days=int(value)) == timedelta(0)
    assert all(a < b for a, b in pairwise(times))
    now = times[0] + timedelta(minutes=late)
    following = schedule.after(times[0], now)
    assert following is not None and following > now
    assert following - now <= timedelta(days=62)
    again = schedule.first(now)  # a started task changed at `now`: nothing from before now
    assert again is not None and again >= now and again - now <= timedelta(days=62)


@settings(max_examples=300, deadline=None)
@given(
    kind=st.sampled_from(["Daily", "Weekly", "Monthly", "Cron"]),
    value=st.text(alphabet="0123456789,-*/?L#W @x", max_size=20),
)
def test_any_ess_recurrence_text_is_accepted_or_refused(kind: str, value: str) -> None:
    """A parser never fails otherwise: a value it accepts yields a firing after the launch."""
    schedule = ess(kind, value)
    try:
        schedule.check(NOW)
    except Refusal as refused:
        assert refused.reason == "schedule.recurrence"
        return
    first = schedule.first(NOW)
    assert first is None or first >= LAUNCH


@settings(max_examples=100, deadline=None)
@given(minute=st.integers(0, 59), hour=st.integers(0, 23))
def test_ess_cron_fires_daily_at_its_utc_minute(minute: int, hour: int) -> None:
    times = firings(ess("Cron", f"{minute} {hour} ? * *"), NOW, 3)
    assert all((t.hour, t.minute) == (hour, minute) for t in times)
    assert [b - a for a, b in pairwise(times)] == [timedelta(days=1)] * 2
    assert times[0] >= LAUNCH and times[0] - LAUNCH < timedelta(days=1)
