"""The simulated Server Load Balancer (SLB/CLB 2014-05-15), persisted in the service's database.

Every action takes the flat, URL-decoded request parameters (`BackendServers` is a JSON array
string) and returns the response body without its RequestId; refusals are `SlbFault`s carrying
SLB's code, message and HTTP status. Backend servers are the sim's own Alibaba Cloud machines.

The engine-facing port (`slb_exists`, `slb_usable`, `slb_add`, `slb_remove`, `slb_weight`) is
what Auto Scaling calls as instances join and leave; every call is idempotent and refuses nothing.

Health: a backend is `normal` while its machine runs, `abnormal` otherwise, and `unavailable`
while the load balancer is inactive or the backend's weight is 0. The sim has no listeners: a
backend's health is reported on its own `Port` (80 unless given), for any `ListenerPort` asked.
"""

from __future__ import annotations

import functools
import json
import re
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    Connection,
    Row,
    delete,
    exists,
    func,
    insert,
    select,
    update,
)

from tidewater.cloud.sim import network
from tidewater.cloud.sim.compute import ALIYUN_ID_ALPHABET, SimCompute, private_ip
from tidewater.cloud.sim.kit import rpc
from tidewater.domain.scope import Cloud, Scope
from tidewater.store.tables import machines, sim_slb_backends, sim_slbs

Params = Mapping[str, str]
Output = dict[str, Any]

# -- tables -----------------------------------------------------------------------------------


# -- constants ----------------------------------------------------------------------------------

ADDRESS_TYPES = ("internet", "intranet")
STATUSES = ("active", "inactive")
LISTED_STATUSES = ("active", "inactive", "locked")
NETWORK_TYPES = ("vpc", "classic")
SPECS = (
    "slb.s1.small",
    "slb.s2.small",
    "slb.s2.medium",
    "slb.s3.small",
    "slb.s3.medium",
    "slb.s3.large",
)
BACKEND_LIMIT = 20  # servers one Add/Remove/SetBackendServers may name
DEFAULT_WEIGHT = 100
DEFAULT_PORT = 80
PAGE_LIMIT = 100
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_NUMBER = 2**31 - 1
FILTER_LIMIT = 20  # comma-separated ids or names one DescribeLoadBalancers may name
END_TIME = "2999-09-08T16:00:00Z"  # what SLB reports as a pay-as-you-go instance's end
END_TIMESTAMP = 32493801600000
NAME = re.compile(r"[^\x00-\x1f]{1,80}")
NUMBER = re.compile(r"[0-9]{1,12}")
ID = re.compile(r"[A-Za-z0-9_.:-]{1,64}")

# -- faults -------------------------------------------------------------------------------------


class SlbFault(Exception):
    """An SLB error code, exact message and HTTP status, decided in the sim."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status


def _invalid() -> SlbFault:
    """SLB's own error example; about 45 texts share the code, none names the parameter."""
    return SlbFault("InvalidParameter", "The specified parameter is not valid.")


def _missing(name: str) -> SlbFault:
    return SlbFault(
        "MissingParameter",
        f'The input parameter "{name}" that is mandatory for processing this request is not '
        "supplied.",
    )


def _not_found() -> SlbFault:
    return SlbFault(
        "InvalidLoadBalancerId.NotFound", "The specified LoadBalancerId does not exist.", 404
    )


def _malformed() -> SlbFault:
    return SlbFault(
        "BackendServersMalformed", "the specified parameter BackendServers is unavailable."
    )


def _too_many() -> SlbFault:
    return SlbFault(
        "TooManyBackendServers",
        f"The total number of input real servers exceeds max supported number: {BACKEND_LIMIT}",
    )


def _bad_backends() -> SlbFault:
    return SlbFault("InvalidParameter", "The specified BackendServers is invalid.")


def _bad_port() -> SlbFault:
    return SlbFault(
        "InvalidParameter",
        "The specified BackendServers is invalid, as the Port value should be in [1, 65535].",
    )


def _server_not_found() -> SlbFault:
    return SlbFault("InvalidServerId.NotFound", "The specified ServerId does not exist.", 404)


def _not_running() -> SlbFault:
    return SlbFault(
        "ObtainIpFail",
        "The specified BackendServers is invalid; some of the specified backend servers do not "
        "exist or are not running.",
    )


_Result = TypeVar("_Result")


def _action(
    method: Callable[[SimSlb, Scope, Params], _Result],
) -> Callable[[SimSlb, Scope, Params], _Result]:
    """Marks an SLB action and refuses text no store can keep (NUL, lone surrogates)."""

    @functools.wraps(method)
    def checked(self: SimSlb, scope: Scope, params: Params) -> _Result:
        bad = rpc.unstorable(params)
        if bad is not None:
            raise _invalid()
        return method(self, scope, params)

    return checked


# -- parameters ---------------------------------------------------------------------------------


def _required(params: Params, name: str) -> str:
    value = rpc.value(params, name)
    if value is None:
        raise _missing(name)
    return value


def _int(params: Params, name: str, default: int, low: int, high: int) -> int:
    raw = rpc.value(params, name)
    if raw is None:
        return default
    if not NUMBER.fullmatch(raw) or not low <= int(raw) <= high:
        raise _invalid()
    return int(raw)


def _choice(params: Params, name: str, default: str | None, allowed: Sequence[str]) -> str | None:
    value = rpc.value(params, name) or default
    if value is not None and value not in allowed:
        raise _invalid()
    return value


def _csv(params: Params, name: str) -> list[str] | None:
    raw = rpc.value(params, name)
    if raw is None:
        return None
    items = [item.strip() for item in raw.split(",") if item.strip()]
    if len(items) > FILTER_LIMIT:
        raise _invalid()
    return list(dict.fromkeys(items))


@dataclass(frozen=True, slots=True)
class Backend:
    server_id: str
    weight: int | None
    port: int | None


def _number(value: object, low: int, high: int) -> int | None:
    """A JSON number or a string of digits within [low, high]; None when it is neither."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and NUMBER.fullmatch(value):
        number = int(value)
    else:
        return None
    return number if low <= number <= high else None


def _backends(params: Params) -> list[Backend]:
    """BackendServers: [{"ServerId": "i-…", "Weight": "100", "Type": "ecs", "Port": "80"}]."""
    raw = _required(params, "BackendServers")
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):
        raise _malformed() from None
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise _malformed()
    if len(value) > BACKEND_LIMIT:
        raise _too_many()
    if not value:
        raise _bad_backends()
    found: dict[str, Backend] = {}
    for item in value:
        server = item.get("ServerId")
        if not isinstance(server, str) or not ID.fullmatch(server):
            raise _bad_backends()
        kind = item.get("Type", "ecs")
        if kind not in ("ecs", "", None):
            raise _bad_backends()
        weight: int | None = None
        if item.get("Weight") not in (None, ""):
            weight = _number(item["Weight"], 0, 100)
            if weight is None:
                raise _bad_backends()
        port: int | None = None
        if item.get("Port") not in (None, ""):
            port = _number(item["Port"], 1, 65535)
            if port is None:
                raise _bad_port()
        found.setdefault(server, Backend(server, weight, port))  # only the first one counts
    return list(found.values())


def _page(params: Params) -> tuple[int, int]:
    number = _int(params, "PageNumber", 1, 1, MAX_PAGE_NUMBER)
    size = _int(params, "PageSize", DEFAULT_PAGE_SIZE, 1, PAGE_LIMIT)
    return number, size


def new_lb_id() -> str:
    return "lb-" + "".join(secrets.choice(ALIYUN_ID_ALPHABET) for _ in range(20))


def _public_address(lb_id: str) -> str:
    digest = int(network.hex_id(lb_id, "public", length=8), 16)
    return f"47.{96 + (digest >> 16) % 32}.{(digest >> 8) % 256}.{digest % 250 + 4}"


def resource_group(scope: Scope) -> str:
    """Every account's default resource group."""
    return "rg-acfm" + network.hex_id(scope.account, "rg-default", length=10)


def _minute(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%MZ")


def _second(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _millis(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


# -- the simulated SLB --------------------------------------------------------------------------


class SimSlb:
    """SLB's load balancer and backend server calls, plus the port Auto Scaling uses."""

    def __init__(self, compute: SimCompute, new_id: Callable[[], str] = new_lb_id) -> None:
        self.compute = compute
        self.db = compute.db
        self.clock = compute.clock
        self.new_id = new_id

    # -- SQL building blocks ------------------------------------------------------------------

    @staticmethod
    def _in_scope(scope: Scope) -> list[ColumnElement[bool]]:
        return [sim_slbs.c.account == scope.account, sim_slbs.c.region == scope.region]

    def _row(self, conn: Connection, scope: Scope, lb_id: str) -> Row[Any] | None:
        return conn.execute(
            select(sim_slbs).where(*self._in_scope(scope), sim_slbs.c.id == lb_id)
        ).first()

    def _existing(self, conn: Connection, scope: Scope, params: Params) -> Row[Any]:
        lb_id = _required(params, "LoadBalancerId")
        row = self._row(conn, scope, lb_id)
        if row is None:
            raise _not_found()
        return row

    @staticmethod
    def _backend_rows(conn: Connection, lb_id: str) -> list[Row[Any]]:
        return list(
            conn.execute(
                select(sim_slb_backends)
                .where(sim_slb_backends.c.lb_id == lb_id)
                .order_by(sim_slb_backends.c.position, sim_slb_backends.c.server_id)
            ).all()
        )

    @staticmethod
    def _machines(conn: Connection, scope: Scope, ids: Iterable[str]) -> dict[str, Row[Any]]:
        ids = list(ids)
        if not ids:
            return {}
        rows = conn.execute(
            select(machines).where(
                machines.c.account == scope.account,
                machines.c.region == scope.region,
                machines.c.cloud == Cloud.ALIYUN.value,
                machines.c.state.in_(("pending", "running", "stopping", "stopped")),
                machines.c.id.in_(ids),
            )
        ).all()
        return {row.id: row for row in rows}

    @staticmethod
    def _put(
        conn: Connection, lb_id: str, ids: Sequence[str], weight: int, ports: Mapping[str, int]
    ) -> None:
        """Adds backends (or sets the weight of present ones), keeping the order of adding."""
        # writers to one balancer take turns, or two could add the same backend at once
        conn.execute(select(sim_slbs.c.id).where(sim_slbs.c.id == lb_id).with_for_update())
        present = {
            row.server_id: row
            for row in conn.execute(
                select(sim_slb_backends).where(sim_slb_backends.c.lb_id == lb_id)
            ).all()
        }
        last = max((row.position for row in present.values()), default=0)
        for server in dict.fromkeys(ids):
            if server in present:
                conn.execute(
                    update(sim_slb_backends)
                    .where(
                        sim_slb_backends.c.lb_id == lb_id,
                        sim_slb_backends.c.server_id == server,
                    )
                    .values(weight=weight)
                )
                continue
            last += 1
            conn.execute(
                insert(sim_slb_backends).values(
                    lb_id=lb_id,
                    server_id=server,
                    weight=weight,
                    port=ports.get(server, DEFAULT_PORT),
                    position=last,
                )
            )

    @staticmethod
    def _drop(conn: Connection, lb_id: str, ids: Sequence[str]) -> None:
        conn.execute(
            delete(sim_slb_backends).where(
                sim_slb_backends.c.lb_id == lb_id, sim_slb_backends.c.server_id.in_(list(ids))
            )
        )

    # -- rendering ------------------------------------------------------------------------------

    @staticmethod
    def _summary(row: Row[Any]) -> Output:
        return {
            "LoadBalancerId": row.id,
            "LoadBalancerName": row.name,
            "LoadBalancerStatus": row.status,
            "Address": row.address,
            "AddressType": row.address_type,
            "AddressIPVersion": "ipv4",
            "NetworkType": row.network_type,
            "VpcId": row.vpc_id,
            "VSwitchId": row.vswitch_id,
            "RegionId": row.region,
            "RegionIdAlias": row.region,
            "MasterZoneId": row.master_zone,
            "SlaveZoneId": row.slave_zone,
            "LoadBalancerSpec": row.spec,
            "PayType": "PayOnDemand",
            "InternetChargeType": "paybytraffic",
            "CreateTime": _minute(row.created_at),
            "CreateTimeStamp": _millis(row.created_at),
            "DeleteProtection": "off",
        }

    @staticmethod
    def _backends_out(rows: Iterable[Row[Any]], *, weight_text: bool) -> Output:
        """The full backend set; AddBackendServers' SDK model types Weight as a string."""
        return {
            "BackendServer": [
                {
                    "ServerId": row.server_id,
                    "Weight": str(row.weight) if weight_text else row.weight,
                    "Type": "ecs",
                }
                for row in rows
            ]
        }

    # -- CreateLoadBalancer ---------------------------------------------------------------------

    @_action
    def create_load_balancer(self, scope: Scope, params: Params) -> Output:
        """An active load balancer: intranet ones sit in a vSwitch, internet ones are classic."""
        address_type = _choice(params, "AddressType", "internet", ADDRESS_TYPES)
        spec = _choice(params, "LoadBalancerSpec", "slb.s1.small", SPECS)
        name = rpc.value(params, "LoadBalancerName")
        if name is not None and not NAME.fullmatch(name):
            raise _invalid()
        zones = network.zones(scope.region, scope.cloud)
        subnets = {s.id: s for s in network.default_subnets(scope)}
        master = rpc.value(params, "MasterZoneId")
        if master is not None and master not in zones:
            raise _invalid()
        slave = rpc.value(params, "SlaveZoneId")
        if slave is not None and (slave not in zones or slave == master):
            raise _invalid()
        vswitch = rpc.value(params, "VSwitchId")
        vpc = rpc.value(params, "VpcId")
        if vswitch is not None and vswitch not in subnets:
            raise _invalid()
        if vpc is not None and vpc != network.default_vpc(scope):
            raise _invalid()
        if vswitch is None and (vpc is not None or address_type == "intranet"):
            zone = master or zones[0]
            vswitch = next(s.id for s in subnets.values() if s.zone == zone)
        lb_id = self.new_id()
        if vswitch is not None:
            subnet = subnets[vswitch]
            if master is not None and master != subnet.zone:
                raise _invalid()
            master = subnet.zone
            network_type, vpc = "vpc", subnet.vpc_id
        else:
            master = master or zones[0]
            network_type, vpc, vswitch = "classic", "", ""
        if slave is None or slave == master:
            slave = next((z for z in zones if z != master), master)
        if address_type == "intranet":
            address = private_ip(zones.index(master), lb_id)
        else:
            address = _public_address(lb_id)
        now = self.clock.now()
        row = {
            "id": lb_id,
            "account": scope.account,
            "region": scope.region,
            "name": name or lb_id,
            "address_type": address_type,
            "network_type": network_type,
            "vpc_id": vpc,
            "vswitch_id": vswitch,
            "address": address,
            "master_zone": master,
            "slave_zone": slave,
            "spec": spec,
            "status": "active",
            "created_at": now,
        }
        with self.db.write() as conn:
            conn.execute(insert(sim_slbs).values(row))
        return {
            "LoadBalancerId": lb_id,
            "LoadBalancerName": row["name"],
            "Address": address,
            "AddressIPVersion": "ipv4",
            "NetworkType": network_type,
            "VpcId": vpc,
            "VSwitchId": vswitch,
            "ResourceGroupId": resource_group(scope),
        }

    # -- DescribeLoadBalancers / DescribeLoadBalancerAttribute ------------------------------------

    @_action
    def describe_load_balancers(self, scope: Scope, params: Params) -> Output:
        """One page; unknown ids are simply not listed."""
        number, size = _page(params)
        conditions = self._in_scope(scope)
        ids = _csv(params, "LoadBalancerId")
        if ids is not None:
            conditions.append(sim_slbs.c.id.in_(ids))
        names = _csv(params, "LoadBalancerName")
        if names is not None:
            conditions.append(sim_slbs.c.name.in_(names))
        status = _choice(params, "LoadBalancerStatus", None, LISTED_STATUSES)
        if status is not None:
            conditions.append(sim_slbs.c.status == status)
        address_type = _choice(params, "AddressType", None, ADDRESS_TYPES)
        if address_type is not None:
            conditions.append(sim_slbs.c.address_type == address_type)
        network_type = _choice(params, "NetworkType", None, NETWORK_TYPES)
        if network_type is not None:
            conditions.append(sim_slbs.c.network_type == network_type)
        for name, column in (
            ("VpcId", sim_slbs.c.vpc_id),
            ("VSwitchId", sim_slbs.c.vswitch_id),
            ("Address", sim_slbs.c.address),
            ("MasterZoneId", sim_slbs.c.master_zone),
            ("SlaveZoneId", sim_slbs.c.slave_zone),
        ):
            value = rpc.value(params, name)
            if value is not None:
                conditions.append(column == value)
        server = rpc.value(params, "ServerId")
        if server is not None:
            conditions.append(
                exists().where(
                    sim_slb_backends.c.lb_id == sim_slbs.c.id,
                    sim_slb_backends.c.server_id == server,
                )
            )
        with self.db.read() as conn:
            total = conn.execute(
                select(func.count()).select_from(sim_slbs).where(*conditions)
            ).scalar_one()
            offset = (number - 1) * size
            rows: Sequence[Row[Any]] = []
            if offset < total:
                rows = conn.execute(
                    select(sim_slbs)
                    .where(*conditions)
                    .order_by(sim_slbs.c.created_at, sim_slbs.c.id)
                    .limit(size)
                    .offset(offset)
                ).all()
        return {
            "LoadBalancers": {"LoadBalancer": [self._summary(row) for row in rows]},
            "TotalCount": total,
            "PageNumber": number,
            "PageSize": size,
        }

    @_action
    def describe_load_balancer_attribute(self, scope: Scope, params: Params) -> Output:
        with self.db.read() as conn:
            row = self._existing(conn, scope, params)
            backends = self._backend_rows(conn, row.id)
        return {
            **self._summary(row),
            "CreateTime": _second(row.created_at),
            "EndTime": END_TIME,
            "EndTimeStamp": END_TIMESTAMP,
            "HasReservedInfo": "false",
            "Bandwidth": 5120,
            "ResourceGroupId": resource_group(scope),
            "BackendServers": self._backends_out(backends, weight_text=False),
            "ListenerPorts": {"ListenerPort": []},
            "ListenerPortsAndProtocol": {"ListenerPortAndProtocol": []},
            "ListenerPortsAndProtocal": {"ListenerPortAndProtocal": []},
        }

    # -- backend servers ------------------------------------------------------------------------

    @_action
    def add_backend_servers(self, scope: Scope, params: Params) -> Output:
        """Running instances join with Weight (default 100); the answer is the whole set."""
        with self.db.write() as conn:
            row = self._existing(conn, scope, params)
            wanted = _backends(params)
            found = self._machines(conn, scope, (b.server_id for b in wanted))
            for backend in wanted:
                machine = found.get(backend.server_id)
                if machine is None:
                    raise _server_not_found()
                if machine.state != "running":
                    raise _not_running()
            present = {b.server_id for b in self._backend_rows(conn, row.id)}
            if any(b.server_id in present for b in wanted):
                raise _bad_backends()  # never the same as an existing backend server
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
            "BackendServers": self._backends_out(backends, weight_text=True),
        }

    @_action
    def remove_backend_servers(self, scope: Scope, params: Params) -> Output:
        """Servers that are not backends are ignored; the answer is what remains."""
        with self.db.write() as conn:
            row = self._existing(conn, scope, params)
            wanted = _backends(params)
            self._drop(conn, row.id, [b.server_id for b in wanted])
            backends = self._backend_rows(conn, row.id)
        return {
            "LoadBalancerId": row.id,
            "BackendServers": self._backends_out(backends, weight_text=False),
        }

    @_action
    def set_backend_servers(self, scope: Scope, params: Params) -> Output:
        """Changes the weights of present backends; every named server must be one."""
        with self.db.write() as conn:
            row = self._existing(conn, scope, params)
            wanted = _backends(params)
            present = {b.server_id for b in self._backend_rows(conn, row.id)}
            if any(b.server_id not in present for b in wanted):
                raise _bad_backends()
            for backend in wanted:
                if backend.weight is not None:
                    self._put(conn, row.id, [backend.server_id], backend.weight, {})
            backends = self._backend_rows(conn, row.id)
        return {
            "LoadBalancerId": row.id,
            "BackendServers": self._backends_out(backends, weight_text=True),
        }

    @_action
    def describe_health_status(self, scope: Scope, params: Params) -> Output:
        listener = _int(params, "ListenerPort", 0, 1, 65535) or None
        with self.db.read() as conn:
            row = self._existing(conn, scope, params)
            backends = self._backend_rows(conn, row.id)
            found = self._machines(conn, scope, (b.server_id for b in backends))
        servers = []
        for backend in backends:
            machine = found.get(backend.server_id)
            if row.status != "active" or backend.weight == 0:
                health = "unavailable"
            elif machine is not None and machine.state == "running":
                health = "normal"
            else:
                health = "abnormal"
            servers.append(
                {
                    "ServerId": backend.server_id,
                    "ServerIp": machine.private_ip if machine is not None else "",
                    "Port": backend.port,
                    "ListenerPort": listener or backend.port,
                    "Protocol": "tcp",
                    "ServerHealthStatus": health,
                }
            )
        return {"BackendServers": {"BackendServer": servers}}

    # -- status and deletion --------------------------------------------------------------------

    @_action
    def set_load_balancer_status(self, scope: Scope, params: Params) -> Output:
        with self.db.write() as conn:
            row = self._existing(conn, scope, params)
            status = _choice(params, "LoadBalancerStatus", None, STATUSES)
            if status is None:
                raise _missing("LoadBalancerStatus")
            conn.execute(update(sim_slbs).where(sim_slbs.c.id == row.id).values(status=status))
        return {}

    @_action
    def delete_load_balancer(self, scope: Scope, params: Params) -> Output:
        with self.db.write() as conn:
            row = self._existing(conn, scope, params)
            conn.execute(delete(sim_slb_backends).where(sim_slb_backends.c.lb_id == row.id))
            conn.execute(delete(sim_slbs).where(sim_slbs.c.id == row.id))
        return {}

    # -- the engine-facing port -----------------------------------------------------------------

    def slb_exists(self, scope: Scope, lb_id: str) -> bool:
        with self.db.read() as conn:
            return self._row(conn, scope, lb_id) is not None

    def slb_usable(self, scope: Scope, lb_id: str) -> bool:
        """Instances may join or leave only an active load balancer."""
        with self.db.read() as conn:
            row = self._row(conn, scope, lb_id)
        return row is not None and row.status == "active"

    def slb_add(self, scope: Scope, lb_id: str, instance_ids: Sequence[str], weight: int) -> None:
        """Makes the instances backends with this weight; present ones take the weight."""
        with self.db.write() as conn:
            if self._row(conn, scope, lb_id) is not None and instance_ids:
                self._put(conn, lb_id, instance_ids, weight, {})

    def slb_remove(self, scope: Scope, lb_id: str, instance_ids: Sequence[str]) -> None:
        with self.db.write() as conn:
            if self._row(conn, scope, lb_id) is not None and instance_ids:
                self._drop(conn, lb_id, instance_ids)

    def slb_weight(
        self, scope: Scope, lb_id: str, instance_ids: Sequence[str], weight: int
    ) -> None:
        """Sets the weight of those instances that are backends (EnterStandby sets 0)."""
        with self.db.write() as conn:
            if self._row(conn, scope, lb_id) is None or not instance_ids:
                return
            conn.execute(
                update(sim_slb_backends)
                .where(
                    sim_slb_backends.c.lb_id == lb_id,
                    sim_slb_backends.c.server_id.in_(list(instance_ids)),
                )
                .values(weight=weight)
            )

    def slb_backends(self, scope: Scope, lb_id: str) -> dict[str, int]:
        """Server id → weight, in the order they were added (for tests and diagnostics)."""
        with self.db.read() as conn:
            if self._row(conn, scope, lb_id) is None:
                return {}
            return {row.server_id: row.weight for row in self._backend_rows(conn, lb_id)}
