"""SLB's backend server actions: add, remove, reweigh, and their health."""

from __future__ import annotations

from typing import Any

from tidewater.cloud.sim.slb.faults import (
    bad_backends,
    not_running,
    server_not_found,
)
from tidewater.cloud.sim.slb.params import (
    DEFAULT_PORT,
    DEFAULT_WEIGHT,
    READ,
    Params,
    action,
    backends_of,
)
from tidewater.cloud.sim.slb.render import backends_out
from tidewater.cloud.sim.slb.state import SlbState, health
from tidewater.domain.scope import Scope

Output = dict[str, Any]


class BackendServers(SlbState):
    """The instances a load balancer sends traffic to."""

    @action
    def add_backend_servers(self, scope: Scope, params: Params) -> Output:
        """Running instances join with Weight (default 100); the answer is the whole set."""
        with self.db.write() as conn:
            row = self._existing(conn, scope, params)
            wanted = backends_of(params)
            found = self._machines(conn, scope, (b.server_id for b in wanted))
            for backend in wanted:
                machine = found.get(backend.server_id)
                if machine is None:
                    raise server_not_found()
                if machine.state != "running":
                    raise not_running()
            present = {b.server_id for b in self._backend_rows(conn, row.id)}
            if any(b.server_id in present for b in wanted):
                raise bad_backends()  # never the same as an existing backend server
            for backend in wanted:
                self._put(
                    conn,
                    row.id,
                    [backend.server_id],
                    DEFAULT_WEIGHT if backend.weight is None else backend.weight,
                    {backend.server_id: backend.port or DEFAULT_PORT},
                )
            backends = self._backend_rows(conn, row.id)
        return {
            "LoadBalancerId": row.id,
            "BackendServers": backends_out(backends, weight_text=True),
        }

    @action
    def remove_backend_servers(self, scope: Scope, params: Params) -> Output:
        """Servers that are not backends are ignored; the answer is what remains."""
        with self.db.write() as conn:
            row = self._existing(conn, scope, params)
            wanted = backends_of(params)
            self._drop(conn, row.id, [b.server_id for b in wanted])
            backends = self._backend_rows(conn, row.id)
        return {
            "LoadBalancerId": row.id,
            "BackendServers": backends_out(backends, weight_text=False),
        }

    @action
    def set_backend_servers(self, scope: Scope, params: Params) -> Output:
        """Changes the weights of present backends; every named server must be one."""
        with self.db.write() as conn:
            row = self._existing(conn, scope, params)
            wanted = backends_of(params)
            present = {b.server_id for b in self._backend_rows(conn, row.id)}
            if any(b.server_id not in present for b in wanted):
                raise bad_backends()
            for backend in wanted:
                if backend.weight is not None:
                    self._put(conn, row.id, [backend.server_id], backend.weight, {})
            backends = self._backend_rows(conn, row.id)
        return {
            "LoadBalancerId": row.id,
            "BackendServers": backends_out(backends, weight_text=True),
        }

    @action
    def describe_health_status(self, scope: Scope, params: Params) -> Output:
        listener = READ.integer(params, "ListenerPort", 0, 1, 65535) or None
        with self.db.read() as conn:
            row = self._existing(conn, scope, params)
            backends = self._backend_rows(conn, row.id)
            found = self._machines(conn, scope, (b.server_id for b in backends))
        servers = []
        for backend in backends:
            machine = found.get(backend.server_id)
            servers.append(
                {
                    "ServerId": backend.server_id,
                    "ServerIp": machine.private_ip if machine is not None else "",
                    "Port": backend.port,
                    "ListenerPort": listener or backend.port,
                    "Protocol": "tcp",
                    "ServerHealthStatus": health(row, backend, machine),
                }
            )
        return {"BackendServers": {"BackendServer": servers}}
