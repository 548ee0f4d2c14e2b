"""What unauthenticated or careless clients can do to the server: nothing lasting.

Every test talks to a real `tidewater serve` over real sockets. The servers here have their own
database, so moving their clocks far ahead never touches another test's server.
"""

from __future__ import annotations

import http.client
import json
import re
import select
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import BACKEND, Server, _throwaway_database, start_server

READ_TIMEOUT = 2.0  # the read timeout the servers here are started with
MiB = 1024 * 1024
AWS_BODY_LIMIT = 10 * MiB
ALIYUN_BODY_LIMIT = 8 * MiB
HEAD_LIMIT = 64 * 1024


@pytest.fixture(scope="module")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if BACKEND == "postgresql":
        yield from _throwaway_database()
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('hardening-db') / 'tidewater.db'}"


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory, database_url: str) -> Iterator[Server]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TIDEWATER_READ_TIMEOUT_SECONDS", str(READ_TIMEOUT))
        service = start_server(tmp_path_factory.mktemp("hardening"), database_url=database_url)
    yield service
    if service.process.poll() is None:
        service.stop()


# ---- small raw-HTTP tools ------------------------------------------------------------------


def address(server: Server) -> tuple[str, int]:
    parts = urlsplit(server.url)
    return parts.hostname or "127.0.0.1", parts.port or 80


def request(server: Server, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
    host, port = address(server)
    conn = http.client.HTTPConnection(host, port, timeout=30)
    try:
        conn.request(method, path, body=body)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def healthy(server: Server) -> dict[str, Any]:
    status, body = request(server, "GET", "/_tidewater/health")
    assert status == 200, body
    answer: dict[str, Any] = json.loads(body)
    return answer


def rss_kib(server: Server) -> int:
    status = Path(f"/proc/{server.process.pid}/status").read_text()
    match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
    assert match is not None
    return int(match.group(1))


def read_response(sock: socket.socket, timeout: float) -> tuple[int, dict[str, str], bytes]:
    """Read one HTTP response (status, headers, body) that ends with Content-Length or close."""
    sock.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, v in (x.split(":", 1) for x in lines[1:])}
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        rest += chunk
    return status, headers, rest


def head(path: str = "/", *lines: str, length: int | None = None, chunked: bool = False) -> bytes:
    text = f"POST {path} HTTP/1.1\r\nHost: localhost\r\n"
    text += "Content-Type: application/x-www-form-urlencoded; charset=utf-8\r\n"
    if length is not None:
        text += f"Content-Length: {length}\r\n"
    if chunked:
        text += "Transfer-Encoding: chunked\r\n"
    for line in lines:
        text += line + "\r\n"
    return (text + "\r\n").encode("latin-1")


def stream(server: Server, start: bytes, total: int, *, chunked: bool) -> tuple[int, bytes, int]:
    """Send a head then up to `total` body bytes in 1 MiB pieces, stopping as soon as the server
    answers; return the status, the body and how many body bytes had been sent by then."""
    piece = b"A" * MiB
    sent = 0
    with socket.create_connection(address(server), timeout=30) as sock:
        sock.sendall(start)
        try:
            while sent < total:
                readable, _, _ = select.select([sock], [], [], 0)
                if readable:
                    break
                sock.sendall(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
                sent += len(piece)
            if chunked and sent >= total:
                sock.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        status, _, body = read_response(sock, timeout=30)
    return status, body, sent


ACS_HEADERS = ("x-acs-action: DescribeScalingGroups", "x-acs-version: 2022-02-22")


# ---- the test clock ------------------------------------------------------------------------


@pytest.mark.parametrize("seconds", ["1e12", "nan", "inf", "-inf", "1e308", "-1", "x", ""])
def test_clock_refuses_a_move_it_cannot_make_and_stays_healthy(
    guarded: Server, seconds: str
) -> None:
    before = healthy(guarded)["now"]
    status, body = request(guarded, "POST", f"/_tidewater/clock?seconds={quote(seconds)}")
    assert status == 400, body
    assert "seconds" in json.loads(body)["error"]
    assert healthy(guarded)["now"] == before
    status, body = request(guarded, "POST", "/_tidewater/clock?seconds=1")
    assert status == 200, body


def test_clock_moves_at_most_its_stated_bound(guarded: Server) -> None:
    status, body = request(guarded, "POST", "/_tidewater/clock?seconds=3155760001")
    assert status == 400
    assert "3155760000" in json.loads(body)["error"]
    healthy(guarded)


SECONDS = st.one_of(
    st.text(max_size=30),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.floats().map(str),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(["1e12", "1e308", "nan", "-0", "0x10", "1_000", "  3 ", "١٢", "Infinity"]),
)


@settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
@given(path=st.sampled_from(["/_tidewater/clock", "/_tidewater/settle"]), seconds=SECONDS)
def test_test_endpoints_never_fail_for_any_seconds(
    guarded: Server, path: str, seconds: str
) -> None:
    status, body = request(guarded, "POST", f"{path}?seconds={quote(seconds, safe='')}")
    assert status < 500, body
    if status == 400:
        assert "seconds" in json.loads(body)["error"]
    healthy(guarded)
