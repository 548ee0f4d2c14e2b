"""A real `tidewater serve` process per test worker, driven over HTTP by the real SDKs."""

from __future__ import annotations

import itertools
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

ROOT = Path(__file__).resolve().parent.parent
# The project's reference material (captured requests, sample bodies) lives in shared/ beside
# the checkout, in development and in CI alike.
SHARED = next(
    (p for p in (ROOT.parent / "shared", Path("/work/shared")) if (p / "reference").is_dir()),
    ROOT.parent / "shared",
)
_regions = itertools.count(1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """A running service, its address and the handles tests use to move its time."""

    url: str
    data_dir: Path
    process: subprocess.Popen[bytes]
    args: list[str]
    env: dict[str, str]
    database_url: str | None = None  # its own database, when the test gave it one

    def post(self, path: str, timeout: float = 60) -> dict[str, Any]:
        request = urllib.request.Request(self.url + path, method="POST", data=b"")
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read())

    def get(self, path: str) -> dict[str, Any]:
        with urllib.request.urlopen(self.url + path, timeout=30) as response:
            return json.loads(response.read())

    def settle(self, timeout: float = 60) -> None:
        """Let the runner finish everything due now (one request, however long that takes)."""
        self.post("/_tidewater/settle", timeout)

    def advance(self, seconds: float) -> None:
        """Move the service clock forward, then settle."""
        self.post(f"/_tidewater/clock?seconds={seconds}")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(timeout=30)

    def start(self) -> None:
        self.process = launch(self.args, self.env, self.url)


def launch(args: list[str], env: dict[str, str], url: str) -> subprocess.Popen[bytes]:
    log = open(Path(env["TIDEWATER_DATA_DIR"]) / "server.log", "ab")  # noqa: SIM115
    process = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"tidewater exited with {process.returncode}; see {log.name}")
        try:
            with urllib.request.urlopen(url + "/_tidewater/health", timeout=2):
                return process
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("tidewater did not become healthy")


def start_server(data_dir: Path, *extra: str, database_url: str | None = None) -> Server:
    port = free_port()
    env = {**os.environ, "TIDEWATER_DATA_DIR": str(data_dir), "TIDEWATER_PORT": str(port)}
    if database_url:
        env["TIDEWATER_DATABASE_URL"] = database_url
    data_dir.mkdir(parents=True, exist_ok=True)
    args = [
        sys.executable,
        "-m",
        "tidewater",
        "serve",
        "--frozen-clock",
        "--runner",
        "manual",
        "--log-level",
        "warning",
        *extra,
    ]
    url = f"http://127.0.0.1:{port}"
    return Server(url, data_dir, launch(args, env, url), args, env, database_url)


# The machine's PostgreSQL (trust auth). Outside CI a missing server skips its tests; in CI
# (CI=true) it fails them, so PostgreSQL coverage can never silently disappear.
POSTGRES = os.environ.get(
    "TIDEWATER_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """One throwaway database per session (and per xdist worker), dropped at the end."""
    yield from _throwaway_database()


@pytest.fixture(scope="session")
def sim_postgres_url() -> Iterator[str]:
    """For tests that build the simulated cloud in process and drop and create its tables: never
    the database a running server of the same worker uses."""
    yield from _throwaway_database()


@pytest.fixture
def own_server(tmp_path: Path, own_database_url: str) -> Iterator[Server]:
    """A server of the test's own, on its own database (`database_url`), stopped at the end."""
    service = start_server(tmp_path / "data", database_url=own_database_url)
    yield service
    if service.process.poll() is None:
        service.stop()


@pytest.fixture
def own_database_url(tmp_path: Path) -> Iterator[str]:
    """A database no other test touches: a fresh SQLite file, or a fresh PostgreSQL database."""
    if BACKEND == "postgresql":
        yield from _throwaway_database()
    else:
        yield f"sqlite:///{tmp_path / 'own' / 'tidewater.db'}"


def _throwaway_database() -> Iterator[str]:
    name = "tidewater_test_" + secrets.token_hex(6)
    server = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {name}"))
    except OperationalError as error:
        server.dispose()
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI and is not reachable at {POSTGRES}: {error}")
        pytest.skip(f"no PostgreSQL at {POSTGRES}: {error}")
    try:
        yield make_url(POSTGRES).set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        server.dispose()


# `make test` runs the suite twice: on the embedded SQLite, then with TIDEWATER_TEST_BACKEND=
# postgresql, where each test worker's server gets a database of its own on the machine's server.
BACKEND = os.environ.get("TIDEWATER_TEST_BACKEND", "sqlite")


@pytest.fixture(scope="session")
def server(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[Server]:
    url = request.getfixturevalue("postgres_url") if BACKEND == "postgresql" else None
    service = start_server(tmp_path_factory.mktemp("tidewater"), database_url=url)
    yield service
    service.stop()


@pytest.fixture
def region() -> str:
    """A region of its own for each test: resources are scoped by region, so tests never meet."""
    return f"tw-test-{next(_regions)}"


ClientFactory = Callable[..., Any]


@pytest.fixture
def client(server: Server, region: str) -> ClientFactory:
    def make(service: str, *, key: str = "test", secret: str = "test", retries: int = 1) -> Any:
        return boto3.client(
            service,
            region_name=region,
            endpoint_url=server.url,
            aws_access_key_id=key,
            aws_secret_access_key=secret,
            config=Config(retries={"max_attempts": retries, "mode": "standard"}),
        )

    return make


@pytest.fixture
def autoscaling(client: ClientFactory) -> Any:
    return client("autoscaling")


@pytest.fixture
def ec2(client: ClientFactory) -> Any:
    return client("ec2")


@pytest.fixture
def aws_cli(
    server: Server, region: str, tmp_path: Path
) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run the real aws CLI against the server, configured only through the environment."""
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": region,
        "AWS_ENDPOINT_URL_AUTO_SCALING": server.url,
        "AWS_ENDPOINT_URL_EC2": server.url,
        "AWS_ENDPOINT_URL_SSM": server.url,
        "AWS_ENDPOINT_URL_SQS": server.url,
        "AWS_ENDPOINT_URL_CLOUDWATCH": server.url,
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
        "AWS_PAGER": "",
    }

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        aws = Path(sys.executable).with_name("aws")
        return subprocess.run(
            [str(aws), *args, "--output", "json"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    return run


@pytest.fixture
def ess(server: Server, region: str) -> Any:
    """alibabacloud-ess20220222 (the tea SDK, ACS3 signatures) pointed at the server."""
    from tests.helpers import ess_client  # helpers imports this module

    return ess_client(server, region)


@pytest.fixture
def ess_legacy(server: Server, region: str) -> Any:
    """aliyun-python-sdk-core + aliyun-python-sdk-ess (API 2014-08-28, HMAC-SHA1) at the server."""
    from aliyunsdkcore.client import AcsClient

    client = AcsClient("test", "test", region)
    client.add_endpoint(region, "Ess", server.url.removeprefix("http://"))
    return client
