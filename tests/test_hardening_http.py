"""What unauthenticated or careless clients can do to the server: nothing lasting.

Every test talks to a real `tidewater serve` over real sockets. The servers here have their own
database, so moving their clocks far ahead never touches another test's server.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import select
import socket
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from botocore.config import Config
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import BACKEND, Server, _throwaway_database, launch, start_server
from tests.helpers import aws_client, ess_client

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


# ---- request size --------------------------------------------------------------------------


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_an_oversize_aws_body_is_refused_before_it_is_read(guarded: Server, chunked: bool) -> None:
    total = 64 * MiB
    before = rss_kib(guarded)
    start = head("/", length=None if chunked else total, chunked=chunked)
    status, body, sent = stream(guarded, start, total, chunked=chunked)
    assert status == 413, body[:300]
    assert sent < total, "the server waited for the whole body"
    assert b"<ErrorResponse" in body and b"<Code>RequestEntityTooLarge</Code>" in body
    assert rss_kib(guarded) - before < 40 * 1024
    healthy(guarded)


def test_an_oversize_alibaba_body_is_refused_in_alibabas_shape(guarded: Server) -> None:
    total = 64 * MiB
    status, body, sent = stream(
        guarded, head("/", *ACS_HEADERS, length=total), total, chunked=False
    )
    assert status == 413
    assert sent < total
    error = json.loads(body)
    assert error["Code"] == "RequestEntityTooLarge"
    assert error["RequestId"] and error["HostId"] == "ess.aliyuncs.com"


def test_a_huge_announced_length_is_answered_at_once(guarded: Server) -> None:
    with socket.create_connection(address(guarded), timeout=30) as sock:
        sock.sendall(head("/", length=10**15))
        started = time.monotonic()
        status, headers, body = read_response(sock, timeout=10)
        assert time.monotonic() - started < READ_TIMEOUT
        assert sock.recv(1) == b""  # and the connection is closed
    assert status == 413 and headers.get("connection") == "close"
    assert b"RequestEntityTooLarge" in body


def test_a_stalled_body_is_answered_within_the_read_timeout(guarded: Server) -> None:
    with socket.create_connection(address(guarded), timeout=30) as sock:
        sock.sendall(head("/", length=1000) + b"Action=Describe")
        started = time.monotonic()
        status, _, body = read_response(sock, timeout=READ_TIMEOUT * 5)
        waited = time.monotonic() - started
        assert sock.recv(1) == b""
    assert READ_TIMEOUT * 0.8 < waited < READ_TIMEOUT * 3
    assert status == 400 and b"<Code>RequestTimeout</Code>" in body


def test_a_stalled_head_is_closed_within_the_read_timeout(guarded: Server) -> None:
    for partial in (b"", b"POST / HTTP/1.1\r\nHost: localhost\r\n"):
        with socket.create_connection(address(guarded), timeout=30) as sock:
            sock.sendall(partial)
            sock.settimeout(READ_TIMEOUT * 5)
            started = time.monotonic()
            while sock.recv(65536):
                pass
            assert time.monotonic() - started < READ_TIMEOUT * 3


@pytest.mark.parametrize("shape", ["one-header", "many-headers"])
def test_an_oversize_head_is_refused(guarded: Server, shape: str) -> None:
    if shape == "one-header":
        padding = ["X-Padding: " + "a" * (4 * MiB)]
    else:
        padding = [f"X-Padding-{i}: " + "b" * 100 for i in range(1000)]
    with socket.create_connection(address(guarded), timeout=30) as sock:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(head("/", *padding, length=0))
        status, headers, body = read_response(sock, timeout=10)
    assert status == 400, body[:300]
    assert b"<Code>RequestHeaderSectionTooLarge</Code>" in body
    assert headers.get("connection") == "close"
    healthy(guarded)


def test_an_oversize_alibaba_head_is_refused_in_alibabas_shape(guarded: Server) -> None:
    padding = [f"X-Padding-{i}: " + "b" * 100 for i in range(1000)]
    with socket.create_connection(address(guarded), timeout=30) as sock:
        sock.sendall(head("/", *ACS_HEADERS, *padding, length=0))
        status, _, body = read_response(sock, timeout=10)
    assert status == 400
    assert json.loads(body)["Code"] == "RequestHeaderSectionTooLarge"


def test_requests_under_the_limits_still_work(guarded: Server) -> None:
    """A long query string and a few kilobytes of headers are what real SDK calls carry."""
    autoscaling = aws_client(guarded, "autoscaling")
    names = [f"group-{i:04d}-" + "n" * 200 for i in range(100)]  # ~21 KB of form body
    assert (
        autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=names)["AutoScalingGroups"]
        == []
    )
    ess = ess_client(guarded, "cn-hangzhou")
    from alibabacloud_ess20220222 import models

    ids = ["asg-" + "x" * 20 for _ in range(20)]
    found = ess.describe_scaling_groups(
        models.DescribeScalingGroupsRequest(region_id="cn-hangzhou", scaling_group_ids=ids)
    )
    assert found.body.scaling_groups == []


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    padding=st.integers(min_value=0, max_value=2 * HEAD_LIMIT),
    size=st.sampled_from([0, 1, AWS_BODY_LIMIT - 1, AWS_BODY_LIMIT, AWS_BODY_LIMIT + 1]),
    alibaba=st.booleans(),
)
def test_size_limits_hold_at_their_edges(
    guarded: Server, padding: int, size: int, alibaba: bool
) -> None:
    limit = ALIYUN_BODY_LIMIT if alibaba else AWS_BODY_LIMIT
    extra = list(ACS_HEADERS) if alibaba else []
    pads = [f"X-Pad-{i}: " + "p" * 1000 for i in range(padding // 1000)]
    with socket.create_connection(address(guarded), timeout=30) as sock:
        try:
            sock.sendall(head("/", *extra, *pads, length=size))
            if size <= limit:
                sock.sendall(b"A" * size)
        except (BrokenPipeError, ConnectionResetError):
            pass
        status, _, body = read_response(sock, timeout=30)
    assert status < 500, body[:300]
    if padding > HEAD_LIMIT:
        assert status == 400 and b"RequestHeaderSectionTooLarge" in body
    elif padding < HEAD_LIMIT - 1024:
        assert (status == 413) == (size > limit), body[:300]
    healthy(guarded)


# ---- connections ---------------------------------------------------------------------------


def test_a_client_leaving_mid_body_is_not_an_error(guarded: Server) -> None:
    log = guarded.data_dir / "server.log"
    mark = log.stat().st_size
    for _ in range(20):
        with socket.create_connection(address(guarded), timeout=30) as sock:
            sock.sendall(head("/", length=100_000) + b"Action=DescribeAutoScalingGroups&")
            time.sleep(0.05)
    healthy(guarded)
    time.sleep(0.5)
    with log.open("rb") as text:
        text.seek(mark)
        written = text.read().decode("utf-8", "replace")
    assert "ERROR" not in written and "Traceback" not in written, written[:2000]


def test_idle_sockets_never_starve_real_clients(tmp_path: Path, own_database_url: str) -> None:
    """With 256 descriptors, 300 idle connections must not make a normal SDK call fail."""
    data_dir = tmp_path / "fds"
    data_dir.mkdir()
    port = socket.socket()
    port.bind(("127.0.0.1", 0))
    number = port.getsockname()[1]
    port.close()
    env = {
        **os.environ,
        "TIDEWATER_DATA_DIR": str(data_dir),
        "TIDEWATER_PORT": str(number),
        "TIDEWATER_DATABASE_URL": own_database_url,
    }
    args = ["prlimit", "--nofile=256:256", "--", sys.executable, "-m", "tidewater", "serve"]
    args += ["--frozen-clock", "--runner", "manual", "--log-level", "warning"]
    url = f"http://127.0.0.1:{number}"
    service = Server(url, data_dir, launch(args, env, url), args, env)
    idle: list[socket.socket] = []
    try:
        for _ in range(300):
            idle.append(socket.create_connection(("127.0.0.1", number), timeout=5))
        time.sleep(0.5)
        config = Config(connect_timeout=5, read_timeout=10, retries={"max_attempts": 1})
        autoscaling = aws_client(service, "autoscaling", config=config)
        for _ in range(5):
            assert autoscaling.describe_auto_scaling_groups()["AutoScalingGroups"] == []
        healthy(service)
    finally:
        for sock in idle:
            sock.close()
        service.stop()


def test_beyond_the_connection_limit_a_request_gets_a_clear_answer(
    tmp_path: Path, own_database_url: str
) -> None:
    """When every connection is busy, a new one is told to come back (503), not left hanging."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TIDEWATER_MAX_CONNECTIONS", "3")
        service = start_server(tmp_path / "crowded", database_url=own_database_url)
    busy = [socket.create_connection(address(service), timeout=5) for _ in range(3)]
    try:
        for sock in busy:
            sock.sendall(b"POST / HTTP/1.1\r\nHost: localhost\r\n")  # a head under way
        time.sleep(0.3)
        with socket.create_connection(address(service), timeout=10) as sock:
            sock.sendall(head("/", length=0))
            status, headers, body = read_response(sock, timeout=10)
        assert status == 503 and headers.get("connection") == "close"
        assert b"<Code>ServiceUnavailable</Code>" in body
    finally:
        for sock in busy:
            sock.close()
    time.sleep(0.3)
    assert (
        aws_client(service, "autoscaling").describe_auto_scaling_groups()["AutoScalingGroups"] == []
    )
    service.stop()


def test_a_body_nobody_reads_does_not_hold_the_connection(guarded: Server) -> None:
    """An endpoint that reads no body answers; the connection then closes instead of sinking a
    trickle of body for ever."""
    with socket.create_connection(address(guarded), timeout=30) as sock:
        sock.sendall(head("/_tidewater/settle", length=10**6) + b"x" * 100)
        status, _, _ = read_response(sock, timeout=10)
        assert status == 200
        sock.settimeout(READ_TIMEOUT * 5)
        started = time.monotonic()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            for _ in range(int(READ_TIMEOUT * 25)):
                sock.sendall(b"x" * 100)
                time.sleep(0.2)
        assert time.monotonic() - started < READ_TIMEOUT * 2
