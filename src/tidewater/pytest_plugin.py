"""The `tidewater` fixture, registered by installing the package (the `pytest11` entry point).

One server for the session (`tidewater_server`); `tidewater` hands each test that server reset
to empty, with the SDKs' environment variables pointing at it for the test's length.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tidewater.testing import Running, running


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("tidewater_frozen", "stop the service clock but for clock.advance()", "bool")
    parser.addini(
        "tidewater_runner", "auto, or manual: activities move on settle()", default="auto"
    )
    parser.addini("tidewater_database_url", "a PostgreSQL URL; default a fresh SQLite file")


@pytest.fixture(scope="session")
def tidewater_server(pytestconfig: pytest.Config) -> Iterator[Running]:
    """One Tidewater for the whole session, started on first use."""
    with running(
        database_url=pytestconfig.getini("tidewater_database_url") or None,
        frozen=bool(pytestconfig.getini("tidewater_frozen")),
        runner=str(pytestconfig.getini("tidewater_runner")),
        environment=False,
    ) as service:
        yield service


@pytest.fixture
def tidewater(tidewater_server: Running, monkeypatch: pytest.MonkeyPatch) -> Running:
    """The session's Tidewater, emptied for this test, and the SDKs pointed at it."""
    tidewater_server.reset()
    for name, value in tidewater_server.environment().items():
        monkeypatch.setenv(name, value)
    return tidewater_server
