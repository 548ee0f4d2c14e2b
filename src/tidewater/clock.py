"""Service time, injected everywhere so tests move it instead of sleeping."""

from __future__ import annotations

import math
import threading
from datetime import UTC, datetime, timedelta

# How far ahead of the wall clock the service clock may run: far enough for any test, near
# enough that every timestamp it produces (plus any delay added to it) stays representable.
MAX_AHEAD_SECONDS = 100 * 36525 * 864  # 100 years of 365.25 days


class Clock:
    """Wall time plus an offset that tests (and `/_tidewater/clock`) may push forward."""

    def __init__(self, frozen_at: datetime | None = None) -> None:
        self._frozen = frozen_at
        self._offset = timedelta()
        self._lock = threading.Lock()

    def now(self) -> datetime:
        base = self._frozen if self._frozen is not None else datetime.now(UTC)
        return base + self._offset

    def check(self, seconds: float) -> None:
        """Refuse (ValueError) a move that could not be applied, before anything stores it."""
        if not math.isfinite(seconds) or seconds < 0:
            raise ValueError(
                f"seconds must be a finite number from 0 to {MAX_AHEAD_SECONDS}; "
                "the clock only moves forward"
            )
        ahead = self._offset.total_seconds()
        if ahead + seconds > MAX_AHEAD_SECONDS:
            raise ValueError(
                f"seconds must keep the clock at most {MAX_AHEAD_SECONDS} seconds (100 years) "
                f"ahead; it is {ahead:.0f} seconds ahead now"
            )

    def advance(self, seconds: float) -> datetime:
        """Move forward; refuse (ValueError) a move that could not be applied, storing nothing."""
        with self._lock:
            self.check(seconds)
            self._offset += timedelta(seconds=seconds)
        return self.now()

    @property
    def offset(self) -> timedelta:
        return self._offset

    @property
    def frozen_at(self) -> datetime | None:
        return self._frozen

    def take_up(self, offset: timedelta, frozen_at: datetime | None = None) -> None:
        """Adopt the time another process kept: its offset (never back) and frozen instant."""
        with self._lock:
            if frozen_at is not None and self._frozen is not None:
                self._frozen = frozen_at
            self._offset = max(self._offset, offset)

    @property
    def frozen(self) -> bool:
        return self._frozen is not None
