"""Drive a server with wrk, the native load generator, so the client is never the bottleneck.

Requests are signed before the run: an AWS request once (SigV4 allows a replay), an Alibaba Cloud
one per send (each carries its own nonce, and Tidewater refuses a nonce it has seen). The Lua
script hands each wrk thread its own slice of the prepared requests, so no two threads send the
same nonce.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


@dataclass(frozen=True, slots=True)
class Prepared:
    """One request as wrk sends it."""

    method: str
    path: str
    headers: dict[str, str]
    body: str = ""


def ensure() -> str:
    """The wrk binary, installed from Debian's packages when it is missing and we may."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "wrk"],
            check=True,
            stdout=subprocess.DEVNULL,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )
        found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk is needed: install Debian's wrk package (apt-get install wrk)")
    return found


def _lua(requests: list[Prepared]) -> str:
    """A script whose threads each cycle through their own share of `requests`."""
    lines = ["local all = {}"]
    for r in requests:
        headers = (
            "{"
            + ", ".join(f"[{json.dumps(k)}] = {json.dumps(v)}" for k, v in r.headers.items())
            + "}"
        )
        lines.append(
            f"all[#all + 1] = {{{json.dumps(r.method)}, {json.dumps(r.path)}, {headers}, "
            f"{json.dumps(r.body)}}}"
        )
    lines.append(
        """
local threads, counter = {}, 0
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end
local mine, i = {}, 0
function init(args)
  local total = tonumber(args[1])
  for n = 1, #all do
    if (n - 1) % total == id then
      local r = all[n]
      mine[#mine + 1] = wrk.format(r[1], r[2], r[3], r[4])
    end
  end
end
function request()
  i = i % #mine + 1
  return mine[i]
end
"""
    )
    return "\n".join(lines)


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(number) * UNITS[unit]


def run(
    url: str, requests: list[Prepared], connections: int, seconds: float, threads: int = 2
) -> dict[str, float]:
    """Requests per second, p50 and p99 in ms, and how many answers were not 2xx/3xx."""
    threads = min(threads, connections)
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "requests.lua"
        script.write_text(_lua(requests))
        out = subprocess.run(
            [
                ensure(),
                f"-t{threads}",
                f"-c{connections}",
                f"-d{max(1, round(seconds))}s",
                "--latency",
                "-s",
                str(script),
                url + "/",
                "--",
                str(threads),
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p50 = re.search(r"\s50%\s+(\S+)", out)
    p99 = re.search(r"\s99%\s+(\S+)", out)
    total = re.search(r"(\d+) requests in", out)
    failed = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if not (rate and p50 and p99 and total):
        raise RuntimeError(f"wrk said:\n{out}")
    return {
        "requests": int(total.group(1)),
        "errors": int(failed.group(1)) if failed else 0,
        "socket_errors": sum(int(n) for n in errors.groups()) if errors else 0,
        "per_second": float(rate.group(1)),
        "p50_ms": _ms(p50.group(1)),
        "p99_ms": _ms(p99.group(1)),
    }
