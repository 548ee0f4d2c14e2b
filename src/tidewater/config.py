"""Settings for one `tidewater serve` process, from options or TIDEWATER_* environment variables."""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_KEY = ("test", "test")


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 4580
    data_dir: Path = Path(".tidewater")
    database_url: str | None = None
    access_key_id: str = DEFAULT_KEY[0]
    secret_access_key: str = DEFAULT_KEY[1]
    aws_account_id: str = "000000000000"
    sim_boot_seconds: float = 5.0
    sim_stop_seconds: float = 3.0
    sim_shutdown_seconds: float = 3.0
    sim_time_scale: float = 1.0
    runner: str = "auto"  # "manual": activities move only when /_tidewater/settle or clock asks
    frozen_clock: bool = False  # time stands still except through /_tidewater/clock
    node: str = field(default_factory=socket.gethostname)  # unique among live processes
    lease_seconds: float = 30.0  # how long a silent node keeps the activities it runs
    lock_wait_seconds: float = 5.0  # how long a change waits for its group before contention
    sweep_seconds: float = 0.5  # the runner looks for due work this often, woken or not
    read_timeout_seconds: float = 30.0  # a request's head, then its body, must arrive within this
    max_connections: int = 1000  # beyond this idle connections make room; kept below the fd limit
    aws_max_groups: int = 500  # Auto Scaling groups per account and region (AWS's default quota)
    aws_max_launch_configurations: int = 200  # per account and region (AWS's default quota)
    aws_max_instances: int = 1000  # the AWS account's instance limit, per region and per group
    cloudwatch_max_alarms: int = 10_000  # CloudWatch metric alarms per account and region
    images: Path | None = None  # a JSON list of images the simulated clouds add to their catalogue
    test_endpoints: bool = False  # move time and reset state even when not on loopback
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'tidewater.db'}"

    @property
    def serves_test_endpoints(self) -> bool:
        """Moving the clock skips every drain and hook timeout, and a reset empties the
        service: only for whoever can reach loopback, unless asked for by name."""
        return self.test_endpoints or is_loopback(self.host)

    @property
    def default_credentials(self) -> bool:
        return (self.access_key_id, self.secret_access_key) == DEFAULT_KEY

    def check(self) -> None:
        """Refuse to expose the well-known test key pair beyond this machine."""
        if self.default_credentials and not is_loopback(self.host):
            raise ValueError(
                f"refusing to listen on {self.host} with the default test/test credentials; "
                "set TIDEWATER_ACCESS_KEY_ID and TIDEWATER_SECRET_ACCESS_KEY"
            )
        if self.runner not in ("auto", "manual"):
            raise ValueError("--runner must be 'auto' or 'manual'")
        if self.sim_time_scale <= 0:
            raise ValueError("--sim-time-scale must be greater than zero")
        if self.lease_seconds <= 0 or self.lock_wait_seconds <= 0 or self.sweep_seconds <= 0:
            raise ValueError("--lease-seconds, --lock-wait-seconds and --sweep-seconds must be > 0")
        if not 0 < self.read_timeout_seconds <= 3600:
            raise ValueError("--read-timeout-seconds must be > 0 and at most 3600")
        if self.max_connections < 1:
            raise ValueError("--max-connections must be at least 1")
        if self.cloudwatch_max_alarms < 0:
            raise ValueError("--cloudwatch-max-alarms must be >= 0")
        if min(self.aws_max_groups, self.aws_max_launch_configurations, self.aws_max_instances) < 0:
            raise ValueError(
                "--aws-max-groups, --aws-max-launch-configurations and "
                "--aws-max-instances must be >= 0"
            )
        if not self.node or len(self.node) > 64:
            raise ValueError("--node must be 1 to 64 characters")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
