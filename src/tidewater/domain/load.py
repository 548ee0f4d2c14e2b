"""A group's load model: the demand a test sets, and what each in-service instance then shows.

Demand is the group's, not an instance's, so adding instances lowers what each one shows and
target tracking can settle. Units:
- cpu: instance-percent, the CPU one instance would need to serve it all; each in-service
  instance shows min(100, cpu / in_service). "CPU 85% at 4 instances" is a cpu demand of 340.
- network_in, network_out: bytes per minute for the whole group, spread evenly.
- requests: ALB requests per minute for the whole group, spread evenly across healthy targets.
Each measure has a shape: constant, ramp (from -> to over minutes, from a start), or daily
(values at hours of the day in an IANA zone, linearly interpolated, wrapping at midnight).
Pure: no I/O, no clock; the engine asks for a value at an instant.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tidewater.domain.refusal import Refusal

MEASURES = ("cpu", "network_in", "network_out", "requests")
MAX_VALUE = 1e15  # far above any demand a test means; keeps arithmetic finite
MAX_RAMP_MINUTES = 366 * 24 * 60
HOURS_PER_DAY = 24
SECONDS_PER_HOUR = 3600.0


def invalid(why: str) -> Refusal:
    """A load model the endpoint cannot take, with the reason worded for the test author."""
    return Refusal("load.invalid", why=why)


def number(value: Any, what: str) -> float:
    """A finite, non-negative demand; booleans are not numbers here."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise invalid(f"{what} must be a number")
    if not 0 <= value <= MAX_VALUE:
        raise invalid(f"{what} must be between 0 and {MAX_VALUE:g}")
    return float(value)


def instant(value: Any, what: str) -> datetime:
    """An ISO 8601 instant with an offset (a naive time has no meaning across zones)."""
    if not isinstance(value, str):
        raise invalid(f"{what} must be an ISO 8601 time with an offset")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as error:
        raise invalid(f"{what} must be an ISO 8601 time with an offset") from error
    if parsed.tzinfo is None:
        raise invalid(f"{what} must be an ISO 8601 time with an offset")
    return parsed.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Constant:
    """The same demand at every instant."""

    value: float

    def at(self, when: datetime) -> float:
        return self.value

    def to_json(self) -> dict[str, Any]:
        return {"constant": self.value}


@dataclass(frozen=True, slots=True)
class Ramp:
    """`start_value` until `start`, then linear to `end_value` over `minutes`, then held."""

    start_value: float
    end_value: float
    start: datetime
    minutes: float

    def at(self, when: datetime) -> float:
        elapsed = (when - self.start).total_seconds() / 60.0
        if elapsed <= 0:
            return self.start_value
        if elapsed >= self.minutes:
            return self.end_value
        return self.start_value + (self.end_value - self.start_value) * elapsed / self.minutes

    def to_json(self) -> dict[str, Any]:
        return {
            "ramp": {
                "from": self.start_value,
                "to": self.end_value,
                "start": self.start.isoformat(),
                "minutes": self.minutes,
            }
        }


@dataclass(frozen=True, slots=True)
class Daily:
    """Values at hours of the local day in `zone`, interpolated, wrapping past midnight."""

    zone: str
    points: tuple[tuple[float, float], ...]  # (hour in [0, 24), value), sorted by hour

    def at(self, when: datetime) -> float:
        local = when.astimezone(ZoneInfo(self.zone))
        hour = local.hour + local.minute / 60.0 + local.second / SECONDS_PER_HOUR
        if len(self.points) == 1:
            return self.points[0][1]
        before = [point for point in self.points if point[0] <= hour]
        after = [point for point in self.points if point[0] > hour]
        low = before[-1] if before else (self.points[-1][0] - HOURS_PER_DAY, self.points[-1][1])
        high = after[0] if after else (self.points[0][0] + HOURS_PER_DAY, self.points[0][1])
        share = (hour - low[0]) / (high[0] - low[0])
        return low[1] + (high[1] - low[1]) * share

    def to_json(self) -> dict[str, Any]:
        return {"daily": {"zone": self.zone, "points": {f"{h:g}": v for h, v in self.points}}}


Shape = Constant | Ramp | Daily


def ramp(body: Any, what: str) -> Ramp:
    """A ramp: from, to, start (ISO 8601 with offset) and minutes (> 0)."""
    if not isinstance(body, dict) or set(body) != {"from", "to", "start", "minutes"}:
        raise invalid(f"{what}.ramp needs exactly from, to, start and minutes")
    minutes = number(body["minutes"], f"{what}.ramp.minutes")
    if not 0 < minutes <= MAX_RAMP_MINUTES:
        raise invalid(f"{what}.ramp.minutes must be above 0 and at most {MAX_RAMP_MINUTES}")
    return Ramp(
        number(body["from"], f"{what}.ramp.from"),
        number(body["to"], f"{what}.ramp.to"),
        instant(body["start"], f"{what}.ramp.start"),
        minutes,
    )


def daily(body: Any, what: str) -> Daily:
    """A daily curve: an IANA zone and a non-empty map of hour ("0" to "23.99...") to value."""
    if not isinstance(body, dict) or set(body) != {"zone", "points"}:
        raise invalid(f"{what}.daily needs exactly zone and points")
    name = body["zone"]
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as error:
        raise invalid(f"{what}.daily.zone is not an IANA time zone") from error
    raw = body["points"]
    if not isinstance(raw, dict) or not raw:
        raise invalid(f"{what}.daily.points must map hours of the day to values")
    points: dict[float, float] = {}
    for key, value in raw.items():
        try:
            hour = float(key)
        except (TypeError, ValueError) as error:
            raise invalid(f"{what}.daily.points keys must be hours from 0 to below 24") from error
        if not 0 <= hour < HOURS_PER_DAY:
            raise invalid(f"{what}.daily.points keys must be hours from 0 to below 24")
        if hour in points:
            raise invalid(f"{what}.daily.points names hour {hour:g} twice")
        points[hour] = number(value, f"{what}.daily.points[{key}]")
    return Daily(name, tuple(sorted(points.items())))


def shape(body: Any, what: str) -> Shape:
    """One measure's shape from its JSON: exactly one of constant, ramp, daily."""
    if not isinstance(body, dict) or len(body) != 1:
        raise invalid(f"{what} must be one of constant, ramp, daily")
    kind, inner = next(iter(body.items()))
    if kind == "constant":
        return Constant(number(inner, f"{what}.constant"))
    if kind == "ramp":
        return ramp(inner, what)
    if kind == "daily":
        return daily(inner, what)
    raise invalid(f"{what} must be one of constant, ramp, daily")


@dataclass(frozen=True, slots=True)
class Demand:
    """The group's demand for each measure at one instant."""

    cpu: float = 0.0
    network_in: float = 0.0
    network_out: float = 0.0
    requests: float = 0.0


@dataclass(frozen=True, slots=True)
class Load:
    """A group's load model: a shape per measure; a measure left out is not published."""

    shapes: dict[str, Shape]

    def at(self, when: datetime) -> Demand:
        return Demand(**{name: shape.at(when) for name, shape in self.shapes.items()})

    def to_json(self) -> dict[str, Any]:
        return {name: shape.to_json() for name, shape in self.shapes.items()}

    @classmethod
    def parse(cls, body: Any) -> Load:
        """A load model from its JSON; at least one measure, only the known ones."""
        if not isinstance(body, dict) or not body:
            raise invalid(f"load must name at least one of {', '.join(MEASURES)}")
        unknown = sorted(set(body) - set(MEASURES))
        if unknown:
            raise invalid(f"unknown measure {unknown[0]}; known: {', '.join(MEASURES)}")
        return cls({name: shape(body[name], name) for name in MEASURES if name in body})


def per_instance(total: float, in_service: int) -> float:
    """An even share of a group total across in-service instances (none serve: nothing)."""
    return total / in_service if in_service > 0 else 0.0


def whole(total: float, in_service: int) -> float:
    """The group total itself, while anyone serves it (a target group's RequestCount)."""
    return total if in_service > 0 else 0.0


def cpu_percent(demand: float, in_service: int) -> float:
    """Each in-service instance's CPU: the demand shared out, capped at 100%."""
    return min(100.0, per_instance(demand, in_service))


def window(last: datetime | None, now: datetime, limit: int) -> list[datetime]:
    """The whole minutes after `last` up to `now` to publish, at most the latest `limit`."""
    end = now.replace(second=0, microsecond=0)
    if last is None:
        return [end]
    start = last.replace(second=0, microsecond=0) + timedelta(minutes=1)
    count = int((end - start).total_seconds() // 60) + 1
    if count <= 0:
        return []
    skip = max(0, count - limit)
    return [start + timedelta(minutes=skip + i) for i in range(count - skip)]
