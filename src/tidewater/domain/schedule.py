"""When a scheduled action fires: a start, an optional cron recurrence in a named zone, an end.

Pure time arithmetic, so the engine can store the next firing as a column and the runner only
compares it with the service clock. Cron parsing is cronsim's; zones are zoneinfo's (IANA).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
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
    if len(fields) != CRON_FIELDS or any(field.startswith("@") for field in fields):
        raise Refusal("schedule.recurrence", recurrence=expression)
    if any(mark in fields[2] for mark in "LW") or any(mark in fields[4] for mark in "L#"):
        raise Refusal("schedule.recurrence", recurrence=expression)
    try:
        next(CronSim(" ".join(fields), datetime(2000, 1, 1, tzinfo=UTC)))
    except (CronSimError, StopIteration) as error:
        raise Refusal("schedule.recurrence", recurrence=expression) from error
    return expression


@dataclass(frozen=True, slots=True)
class Schedule:
    """A scheduled action's timing; instants are aware UTC datetimes."""

    start: datetime | None = None
    end: datetime | None = None
    recurrence: str | None = None
    time_zone: str | None = None

    def check(self, now: datetime) -> None:
        """Refuse what AWS refuses: a bad cron or zone, a start in the past or after the end."""
        if self.recurrence is not None:
            check_recurrence(self.recurrence)
        zone(self.time_zone)
        if self.start is not None and self.start < now:
            raise Refusal("schedule.start_in_past", start=self.start)
        if self.start is not None and self.end is not None and self.start > self.end:
            raise Refusal("schedule.start_after_end", start=self.start, end=self.end)
        if self.end is not None and self.end < now:
            raise Refusal("schedule.end_in_past", end=self.end)

    def first(self, now: datetime) -> datetime | None:
        """The first firing for an action put at `now`: its start, else the recurrence's next."""
        if self.start is not None:
            return self.start
        if self.recurrence is None:
            return now  # a one-time action with no start runs at once (inferred)
        return self._within(self._cron_after(now))

    def after(self, fired: datetime, now: datetime) -> datetime | None:
        """The firing after one at `fired`, skipping any missed before `now`; None ends it."""
        if self.recurrence is None:
            return None
        return self._within(self._cron_after(max(fired, now)))

    def _cron_after(self, instant: datetime) -> datetime:
        """The recurrence's first match strictly after `instant`, read in the action's zone."""
        assert self.recurrence is not None
        local = instant.astimezone(zone(self.time_zone))
        return next(CronSim(self.recurrence, local)).astimezone(UTC)

    def _within(self, instant: datetime) -> datetime | None:
        """None once the recurrence has passed EndTime."""
        return None if self.end is not None and instant > self.end else instant
