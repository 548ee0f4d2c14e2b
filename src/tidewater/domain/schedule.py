"""When a scheduled action or task fires: a start, an optional recurrence, an end.

Pure time arithmetic, so the engine can store the next firing as a column and the runner only
compares it with the service clock. A recurrence is of one kind from the `KINDS` table: AWS's
five-field Unix cron read in a named zone, or ESS's Daily/Weekly/Monthly/Cron (UTC, Quartz
marks). Cron parsing is cronsim's; zones are zoneinfo's (IANA).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cronsim import CronSim, CronSimError

from tidewater.domain.refusal import Refusal

UTC_ZONE = "Etc/UTC"  # AWS's default TimeZone
CRON_FIELDS = 5  # AWS: [Minute] [Hour] [Day_of_Month] [Month_of_Year] [Day_of_Week]


def zone(name: str | None) -> ZoneInfo:
    """The IANA zone a recurrence is read in; an unknown name is the caller's mistake."""
    try:
        return ZoneInfo(name or UTC_ZONE)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise Refusal("schedule.time_zone", time_zone=name) from error


def check_recurrence(expression: str) -> str:
    """A Unix cron of five fields, without the Quartz day marks (L, W, #) cronsim also reads."""
    fields = expression.split()
    if any(mark in fields[2] for mark in "LW?") if len(fields) > 2 else False:
        raise Refusal("schedule.recurrence", recurrence=expression)
    if any(mark in fields[4] for mark in "L#?") if len(fields) > 4 else False:
        raise Refusal("schedule.recurrence", recurrence=expression)
    return check_quartz(expression)


def check_quartz(expression: str) -> str:
    """Five cron fields as ESS writes them, with Quartz's `?`, `L` and `#` (not `W`)."""
    fields = expression.split()
    if len(fields) != CRON_FIELDS or any(field.startswith("@") for field in fields):
        raise Refusal("schedule.recurrence", recurrence=expression)
    try:
        next(CronSim(_unix(expression), datetime(2000, 1, 1, tzinfo=UTC)))
    except (CronSimError, StopIteration) as error:
        raise Refusal("schedule.recurrence", recurrence=expression) from error
    return expression


def _unix(expression: str) -> str:
    """Quartz's `?` ("no particular day") is cron's `*`."""
    return " ".join("*" if field == "?" else field for field in expression.split())


def _numbers(value: str, lo: int, hi: int) -> list[int]:
    """Whole numbers within [lo, hi], else the recurrence is refused."""
    if not re.fullmatch(r"\d{1,2}", value) or not lo <= int(value) <= hi:
        raise Refusal("schedule.recurrence", recurrence=value)
    return [int(value)]


def check_daily(value: str) -> str:
    """ESS Daily: one number of days, 1 to 31."""
    _numbers(value, 1, 31)
    return value


def check_weekly(value: str) -> str:
    """ESS Weekly: days of the week, 0 (Sunday) to 6, separated by commas."""
    for day in value.split(","):
        _numbers(day, 0, 6)
    return value


def check_monthly(value: str) -> str:
    """ESS Monthly: `A-B`, days of the month 1 to 31 with B not before A."""
    first, _, last = value.partition("-")
    if not last or _numbers(first, 1, 31)[0] > _numbers(last, 1, 31)[0]:
        raise Refusal("schedule.recurrence", recurrence=value)
    return value


def _cron_next(
    value: str, zone_name: str | None, start: datetime | None, after: datetime
) -> datetime:
    """The cron's first match strictly after `after`, read in the zone."""
    local = after.astimezone(zone(zone_name))
    return next(CronSim(_unix(value), local)).astimezone(UTC)


def _daily_next(
    value: str, zone_name: str | None, start: datetime | None, after: datetime
) -> datetime:
    """Every N days from the start, at the start's time of day."""
    assert start is not None
    step = timedelta(days=int(value))
    if after < start:
        return start
    return start + step * ((after - start) // step + 1)


def _days_next(
    matches: Callable[[datetime], bool], start: datetime | None, after: datetime
) -> datetime:
    """The first day matching, at the start's time of day, strictly after `after` and not
    before the start."""
    assert start is not None
    floor = max(after, start - timedelta(minutes=1))
    day = floor.replace(hour=start.hour, minute=start.minute, second=0, microsecond=0)
    while day <= floor or not matches(day):
        day += timedelta(days=1)
    return day


def _weekly_next(
    value: str, zone_name: str | None, start: datetime | None, after: datetime
) -> datetime:
    days = {int(d) for d in value.split(",")}
    return _days_next(lambda day: (day.weekday() + 1) % 7 in days, start, after)


def _monthly_next(
    value: str, zone_name: str | None, start: datetime | None, after: datetime
) -> datetime:
    first, last = (int(d) for d in value.split("-"))
    return _days_next(lambda day: first <= day.day <= last, start, after)


Next = Callable[[str, str | None, datetime | None, datetime], datetime]


@dataclass(frozen=True, slots=True)
class Kind:
    """One kind of recurrence: how its value is checked, how its next firing is found, and
    whether the start is itself a firing even when the recurrence does not match it."""

    check: Callable[[str], str]
    next: Next
    fires_at_start: bool
    needs_start: bool = False


CRON = "cron"  # AWS's Recurrence
KINDS: dict[str, Kind] = {
    CRON: Kind(check_recurrence, _cron_next, fires_at_start=True),
    # ESS RecurrenceType; the first firing is the first match at or after LaunchTime (inferred)
    "Cron": Kind(check_quartz, _cron_next, fires_at_start=False),
    "Daily": Kind(check_daily, _daily_next, fires_at_start=True, needs_start=True),
    "Weekly": Kind(check_weekly, _weekly_next, fires_at_start=False, needs_start=True),
    "Monthly": Kind(check_monthly, _monthly_next, fires_at_start=False, needs_start=True),
}


@dataclass(frozen=True, slots=True)
class Schedule:
    """A scheduled action's timing; instants are aware UTC datetimes."""

    start: datetime | None = None
    end: datetime | None = None
    recurrence: str | None = None
    time_zone: str | None = None
    kind: str = CRON  # a key of KINDS

    @property
    def _kind(self) -> Kind:
        return KINDS[self.kind]

    def check(self, now: datetime, started: bool = False) -> None:
        """Refuse a bad recurrence or zone, a start in the past (unless `started`: a stored
        schedule changed in other ways) or after the end."""
        if self.recurrence is not None:
            self._kind.check(self.recurrence)
            if self._kind.needs_start and self.start is None:
                raise Refusal("schedule.recurrence", recurrence=self.recurrence)
        zone(self.time_zone)
        if self.start is not None and self.start < now and not started:
            raise Refusal("schedule.start_in_past", start=self.start)
        if self.start is not None and self.end is not None and self.start > self.end:
            raise Refusal("schedule.start_after_end", start=self.start, end=self.end)
        if self.end is not None and self.end < now:
            raise Refusal("schedule.end_in_past", end=self.end)

    def first(self, now: datetime) -> datetime | None:
        """The first firing for a row written at `now`: its start, else the recurrence's next
        from now (or from the start, when that is later)."""
        if self.recurrence is None:
            return self.start or now  # a one-time action with no start runs at once (inferred)
        if self.start is not None and self.start >= now and self._kind.fires_at_start:
            return self.start
        floor = now if self.start is None else max(now, self.start - timedelta(minutes=1))
        return self._within(self._next(floor))

    def after(self, fired: datetime, now: datetime) -> datetime | None:
        """The firing after one at `fired`, skipping any missed before `now`; None ends it."""
        if self.recurrence is None:
            return None
        return self._within(self._next(max(fired, now)))

    def _next(self, instant: datetime) -> datetime:
        """The recurrence's first firing strictly after `instant`."""
        assert self.recurrence is not None
        return self._kind.next(self.recurrence, self.time_zone, self.start, instant)

    def _within(self, instant: datetime) -> datetime | None:
        """None once the recurrence has passed EndTime."""
        return None if self.end is not None and instant > self.end else instant
