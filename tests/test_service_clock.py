"""The service clock is kept in the database: a restart (even `kill -9`) takes up the time the
clock was moved to, and a frozen clock stays frozen at the same instant."""

from __future__ import annotations

import urllib.error
from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import Server
from tidewater.clock import Clock


def now_of(server: Server) -> datetime:
    return datetime.fromisoformat(server.post("/_tidewater/clock?seconds=0")["now"])


@pytest.mark.parametrize("stop", ["kill", "stop"])
def test_a_restart_takes_up_the_moved_clock(own_server: Server, stop: str) -> None:
    before = now_of(own_server)
    own_server.advance(86_400)
    moved = now_of(own_server)
    assert moved == before + timedelta(days=1), "a frozen clock moves only when asked"
    getattr(own_server, stop)()
    own_server.start()
    assert now_of(own_server) == moved, "the frozen instant and the offset were both kept"
    own_server.advance(60)
    assert now_of(own_server) == moved + timedelta(seconds=60)


def test_a_refused_move_stores_nothing(own_server: Server) -> None:
    before = now_of(own_server)
    with pytest.raises(urllib.error.HTTPError) as refused:
        own_server.post("/_tidewater/clock?seconds=-5")
    assert refused.value.code == 400
    own_server.kill()
    own_server.start()
    assert now_of(own_server) == before


@given(st.lists(st.floats(min_value=0, max_value=1e6), max_size=8), st.floats(0, 1e6))
def test_take_up_never_moves_a_clock_back(moves: list[float], stored: float) -> None:
    clock = Clock(frozen_at=datetime.fromisoformat("2026-01-01T00:00:00+00:00"))
    for seconds in moves:
        clock.advance(seconds)
    before = clock.now()
    clock.take_up(timedelta(seconds=stored))
    assert clock.now() >= before
    assert clock.offset == max(before - clock.frozen_at, timedelta(seconds=stored))
