"""How long simulated transitions take; scaled, so the cloud gets faster but behaves the same."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True, slots=True)
class Timing:
    boot: float = 5.0
    stop: float = 3.0
    shutdown: float = 3.0
    # How long a terminated machine stays listed before its cloud forgets it: EC2 keeps showing a
    # terminated instance for about an hour, ECS drops a released one at once.
    forget_aws: float = 3600.0
    forget_aliyun: float = 0.0
    scale: float = 1.0  # 0.1 makes every simulated delay ten times shorter

    def delay(self, seconds: float) -> timedelta:
        return timedelta(seconds=seconds * self.scale)
