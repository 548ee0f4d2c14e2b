"""A group's capacity over time, desired against in service, read back from its activity history.

Each cloud words its activities differently, so what an activity did to the count in service is
one row of `EFFECTS` per wording: a sign, a count (ESS names how many instances, AWS one per
activity) and the moment it counts (an instance serves once its launch or attach has ended; it
stops serving as its detach, termination or standby begins). Desired capacity changes where an
activity's cause says so ("changing the desired capacity from 1 to 2", ESS's Total Capacity).
Both series end at the group's present counts, so the history only has to say how they moved.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class Effect:
    wording: re.Pattern[str]  # over the activity's description; group 1, if any, is the count
    sign: int
    at_end: bool  # counts when the activity ends (joining) or when it starts (leaving)


EFFECTS = (
    # AWS: one instance per activity
    Effect(re.compile(r"^Launching a new EC2 instance"), +1, True),
    Effect(re.compile(r"^Attaching an existing EC2 instance"), +1, True),
    Effect(re.compile(r"^Moving EC2 instance out of Standby"), +1, True),
    Effect(re.compile(r"^Terminating EC2 instance"), -1, False),
    Effect(re.compile(r"^Detaching EC2 instance"), -1, False),
    Effect(re.compile(r"^Moving EC2 instance to Standby"), -1, False),
    # ESS: one activity per request, naming how many instances
    Effect(re.compile(r'^Add "(\d+)"'), +1, True),
    Effect(re.compile(r'^Attach "(\d+)"'), +1, True),
    Effect(re.compile(r'^Move "(\d+)" ECS instances? out of standby'), +1, True),
    Effect(re.compile(r'^Remove "(\d+)"'), -1, False),
    Effect(re.compile(r'^Detach "(\d+)"'), -1, False),
    Effect(re.compile(r'^Move "(\d+)" ECS instances? to standby'), -1, False),
)
DESIRED = re.compile(r'(?:desired|total) capacity from "?(\d+)"? to "?(\d+)"?', re.IGNORECASE)
JOINED = frozenset({"Successful", "Warning"})


@dataclass(frozen=True, slots=True)
class Series:
    """Step series as (time, value) points, oldest first; each holds until the next point."""

    desired: list[tuple[datetime, int]]
    in_service: list[tuple[datetime, int]]


def moment(text: str | None) -> datetime | None:
    """An activity time as either cloud renders it (ISO 8601, ESS to the minute)."""
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def series(
    activities: list[dict[str, Any]], desired: int, in_service: int, now: datetime
) -> Series:
    """The two series from activity rows (`remote`'s shape, any order) up to `now`."""
    served: list[tuple[datetime, int]] = []
    wanted: list[tuple[datetime, int, int]] = []
    for activity in activities:
        started, ended = moment(activity.get("started")), moment(activity.get("ended"))
        if started is None:
            continue
        found = DESIRED.search(activity.get("cause") or "")
        if found:
            wanted.append((started, int(found.group(1)), int(found.group(2))))
        for effect in EFFECTS:
            hit = effect.wording.search(activity.get("description") or "")
            if hit is None:
                continue
            count = int(hit.group(1)) if hit.groups() else 1
            if effect.at_end:
                if ended is not None and activity.get("status") in JOINED:
                    served.append((ended, effect.sign * count))
            else:
                served.append((started, effect.sign * count))
            break
    latest = max([t for t, _ in served] + [t for t, _, _ in wanted], default=now)
    now = max(now, latest)  # a history stamped later than the clock still ends at its last change
    return Series(_desired(wanted, desired, now), _in_service(served, in_service, now))


def _in_service(
    changes: list[tuple[datetime, int]], present: int, now: datetime
) -> list[tuple[datetime, int]]:
    """Walk back from the present count: before each change it was that much less."""
    changes.sort(key=lambda c: c[0])
    value = present - sum(delta for _, delta in changes)
    points = [(changes[0][0], max(value, 0))] if changes else []
    for when, delta in changes:
        value += delta
        points.append((when, max(value, 0)))
    points.append((now, present))
    return points


def _desired(
    changes: list[tuple[datetime, int, int]], present: int, now: datetime
) -> list[tuple[datetime, int]]:
    changes.sort(key=lambda c: c[0])
    points = [(changes[0][0], changes[0][1])] if changes else []
    points += [(when, after) for when, _, after in changes]
    points.append((now, present))
    return points


def svg(drawn: Series, width: int = 640, height: int = 180) -> str:
    """The two series as one small SVG; plain markup, so the page needs no chart library."""
    times = [t for t, _ in drawn.desired + drawn.in_service]
    values = [v for _, v in drawn.desired + drawn.in_service]
    first, last = min(times), max(times)
    span = max((last - first).total_seconds(), 1.0)
    top = max(max(values), 1)
    left, right, up, down = 36, 8, 10, 22

    def x(t: datetime) -> float:
        return left + (t - first).total_seconds() / span * (width - left - right)

    def y(v: int) -> float:
        return up + (1 - v / top) * (height - up - down)

    def steps(points: list[tuple[datetime, int]]) -> str:
        path: list[str] = []
        for n, (t, v) in enumerate(points):
            if n:
                path.append(f"{x(t):.1f},{y(points[n - 1][1]):.1f}")
            path.append(f"{x(t):.1f},{y(v):.1f}")
        return " ".join(path)

    grid = "".join(
        f'<line x1="{left}" x2="{width - right}" y1="{y(v):.1f}" y2="{y(v):.1f}" class="grid"/>'
        f'<text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end">{v}</text>'
        for v in sorted({0, top, top // 2})
    )
    return (
        f'<svg viewBox="0 0 {width} {height}" role="img" class="chart" '
        f'aria-label="Desired capacity and instances in service over time">{grid}'
        f'<polyline class="desired" points="{steps(drawn.desired)}"/>'
        f'<polyline class="in-service" points="{steps(drawn.in_service)}"/>'
        f'<text x="{left}" y="{height - 6}">{first:%H:%M:%S}</text>'
        f'<text x="{width - right}" y="{height - 6}" text-anchor="end">{last:%H:%M:%S}</text>'
        "</svg>"
    )
