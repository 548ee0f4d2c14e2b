"""A real Tidewater for a test suite: the `tidewater` pytest fixture, or `running()` anywhere.

The server runs in this process, on a thread of its own, on a free loopback port with a fresh
database; the SDKs find it through the environment variables they already read. Installing
the package registers the fixture (the `pytest11` entry point); one server serves the whole
session, and each test starts from a reset.
"""

from __future__ import annotations

import json
import os
import socket
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

KEY = ("test", "test")
START_SECONDS = 30.0


@dataclass(frozen=True)
class ServiceClock:
    """The service's clock, moved through its test endpoint."""

    service: Running

    def advance(self, seconds: float) -> datetime:
        """Move time forward and run everything that became due; the new time."""
        answer = self.service.post("/_tidewater/clock", seconds=seconds)
        return datetime.fromisoformat(answer["now"])

    def now(self) -> datetime:
        return datetime.fromisoformat(self.service.get("/_tidewater/health")["now"])


@dataclass(frozen=True)
class Running:
    """A started Tidewater, as a test sees it."""

    url: str
    region: str = "us-east-1"
    aliyun_region: str = "cn-hangzhou"
    access_key_id: str = KEY[0]
    secret_access_key: str = KEY[1]
    clock: ServiceClock = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "clock", ServiceClock(self))

    @property
    def endpoint(self) -> str:
        """host:port, as the Alibaba Cloud SDKs take their endpoint."""
        return self.url.removeprefix("http://")

    def settle(self) -> int:
        """Run everything due now; the runner passes it took."""
        return int(self.post("/_tidewater/settle")["passes"])

    def reset(
        self, *, account: str | None = None, region: str | None = None, cloud: str | None = None
    ) -> dict[str, int]:
        """Delete what the APIs made (or one account, region or cloud's share); rows by table."""
        share = {"account": account, "region": region, "cloud": cloud}
        deleted: dict[str, int] = self.post("/_tidewater/reset", **share)["reset"]
        return deleted

    def environment(self) -> dict[str, str]:
        """What boto3, the aws CLI and the Alibaba Cloud SDKs read to find this server."""
        return {
            "AWS_ENDPOINT_URL": self.url,
            "AWS_ENDPOINT_URL_AUTO_SCALING": self.url,
            "AWS_ACCESS_KEY_ID": self.access_key_id,
            "AWS_SECRET_ACCESS_KEY": self.secret_access_key,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_REGION": self.region,
            "ALIBABA_CLOUD_ACCESS_KEY_ID": self.access_key_id,
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET": self.secret_access_key,
            "ALIBABA_CLOUD_REGION_ID": self.aliyun_region,
            "TIDEWATER_URL": self.url,
            "TIDEWATER_ENDPOINT": self.endpoint,
        }

    def post(self, path: str, **query: Any) -> Any:
        return self._call("POST", path, query)

    def get(self, path: str, **query: Any) -> Any:
        return self._call("GET", path, query)

    def _call(self, method: str, path: str, query: Mapping[str, Any]) -> Any:
        given = {k: str(v) for k, v in query.items() if v is not None}
        address = self.url + path + ("?" + urllib.parse.urlencode(given) if given else "")
        body = b"" if method == "POST" else None
        request = urllib.request.Request(address, method=method, data=body)
        with urllib.request.urlopen(request, timeout=120) as response:
            return json.loads(response.read())


@contextmanager
def running(
    *,
    database_url: str | None = None,
    frozen: bool = False,
    runner: str = "auto",
    environment: bool = True,
    **settings: Any,
) -> Iterator[Running]:
    """A fresh Tidewater on a free loopback port until the block ends.

    `frozen` stops its clock except when a test moves it; `runner="manual"` moves activities
    only on `settle()` or a clock move. With `environment` the SDKs' variables point at it for
    the block's length. Other keywords are `tidewater.config.Settings` fields.
    """
    import uvicorn

    from tidewater.app import build
    from tidewater.clock import Clock
    from tidewater.config import Settings

    with tempfile.TemporaryDirectory(prefix="tidewater-") as data:
        port = _free_port()
        chosen = replace(
            Settings(),
            host="127.0.0.1",
            port=port,
            data_dir=Path(data),
            database_url=database_url,
            runner=runner,
            frozen_clock=frozen,
            **settings,
        )
        service = build(chosen, Clock(frozen_at=Clock().now() if frozen else None))
        server = uvicorn.Server(  # on a thread: uvicorn leaves the signals to the main one
            uvicorn.Config(
                service.http,
                host="127.0.0.1",
                port=port,
                log_level="warning",
                access_log=False,
                http=service.protocol,
                timeout_keep_alive=75,
            )
        )
        thread = threading.Thread(target=server.run, name="tidewater", daemon=True)
        thread.start()
        handle = Running(f"http://127.0.0.1:{port}", **_keys(chosen))
        try:
            _wait_until_started(server, thread)
            with _environment(handle.environment() if environment else {}):
                yield handle
        finally:
            service.runner.halt()
            server.should_exit = True
            thread.join(timeout=START_SECONDS)
            service.db.dispose()


def _keys(settings: Any) -> dict[str, str]:
    return {
        "access_key_id": settings.access_key_id,
        "secret_access_key": settings.secret_access_key,
    }


def _wait_until_started(server: Any, thread: threading.Thread) -> None:
    deadline = time.monotonic() + START_SECONDS
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("tidewater stopped before it started serving")
        if time.monotonic() > deadline:
            raise RuntimeError("tidewater did not start serving")
        time.sleep(0.005)


@contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
