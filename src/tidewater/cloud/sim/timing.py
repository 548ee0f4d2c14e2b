"""How long simulated transitions take; scaled, so the cloud gets faster but behaves the same."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True, slots=True)
class Timing:
    boot: float = 5.0
    stop: float = 3.0
    shutdown: float = 3.0
    scale: float = 1.0  # 0.1 makes every simulated delay ten times shorter

    def delay(self, seconds: float) -> timedelta:
        return timedelta(seconds=seconds * self.scale)
