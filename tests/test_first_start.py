"""The first start of `tidewater serve` greets a person with what they need, not migrations."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from tests.conftest import Server, free_port, launch


def test_first_start_prints_the_address_keys_and_sdk_settings(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    port = free_port()
    env = {**os.environ, "TIDEWATER_DATA_DIR": str(data), "TIDEWATER_PORT": str(port)}
    args = [sys.executable, "-m", "tidewater", "serve"]  # the default log level: info
    url = f"http://127.0.0.1:{port}"
    service = Server(url, data, launch(args, env, url), args, env)
    service.stop()
    printed = (data / "server.log").read_text()
    assert f"Tidewater is serving on {url}" in printed
    assert f"console   {url}/console/ (sign in with the keys)" in printed
    assert f"export AWS_ENDPOINT_URL={url}" in printed
    assert f'endpoint="127.0.0.1:{port}", protocol="http"' in printed
    assert "test / test (the defaults" in printed
    assert "test endpoints (/_tidewater/clock, settle, reset): served" in printed
    assert "alembic" not in printed and "Running upgrade" not in printed
