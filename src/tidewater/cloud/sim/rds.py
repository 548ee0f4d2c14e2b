"""The simulated ApsaraDB RDS (2014-08-15): DB instances and their IP whitelists, persisted.

Every action takes the flat, URL-decoded request parameters and returns the response body
without its RequestId; refusals are `RdsFault`s carrying RDS's code, message and HTTP status.

States follow the injected clock: a new instance is `Creating` and a restarted one `Rebooting`
until its `due_at`, then `Running`. The row keeps the transitional status and its deadline; every
read derives the status from them, so no timer has to run for an instance to become Running.

The engine-facing port (`rds_exists`, `rds_usable`, `rds_allow`, `rds_revoke`) is what Auto
Scaling calls as instances join and leave: it keeps the instances' private IPs in the whitelist
group `ESS_GROUP`. Every call is idempotent and refuses nothing.
"""

from __future__ import annotations

import functools
import ipaddress
import re
import secrets
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    Connection,
    Row,
    and_,
    case,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from tidewater.cloud.sim import network
from tidewater.cloud.sim.compute import ALIYUN_ID_ALPHABET, SimCompute
from tidewater.cloud.sim.kit import rpc
from tidewater.domain.scope import Cloud, Scope
from tidewater.store.tables import machines, sim_rds_instances, sim_rds_ips

Params = Mapping[str, str]
Output = dict[str, Any]

# -- tables -----------------------------------------------------------------------------------


# -- constants ----------------------------------------------------------------------------------

# The whitelist group Auto Scaling keeps its instances' private IPs in. Alibaba does not document
# the name ESS uses; this one is stable, and taken apart from user groups by its prefix.
ESS_GROUP = "ess-autoscaling"
DEFAULT_GROUP = "default"
DEFAULT_IPS = "127.0.0.1"
CREATE_SECONDS = 60.0  # Creating → Running, before Timing.scale
RESTART_SECONDS = 10.0  # Rebooting → Running, before Timing.scale
TRANSIENT = ("Creating", "Rebooting")
LISTED_STATUSES = ("Creating", "Running", "Rebooting", "Deleting")
ENGINES: dict[str, tuple[str, ...]] = {
    "MySQL": ("5.5", "5.6", "5.7", "8.0"),
    "SQLServer": ("2008r2", "2012", "2012_ent", "2016_ent", "2017_ent", "2019_ent"),
    "PostgreSQL": ("10.0", "11.0", "12.0", "13.0", "14.0", "15.0", "16.0"),
    "MariaDB": ("10.3",),
}
PORTS = {"MySQL": "3306", "SQLServer": "1433", "PostgreSQL": "5432", "MariaDB": "3306"}
DOMAINS = {"MySQL": "mysql", "SQLServer": "sqlserver", "PostgreSQL": "pg", "MariaDB": "mariadb"}
NET_TYPES = ("Internet", "Intranet")
PAY_TYPES = ("Postpaid", "Prepaid", "Serverless")
MODIFY_MODES = ("Cover", "Append", "Delete")
ATTRIBUTES = ("", "hidden")
IP_LIMIT = 1000  # whitelist entries per instance
GROUP_LIMIT = 200  # whitelist groups per instance
PAGE_LIMIT = 100
DEFAULT_PAGE_SIZE = 30
MAX_PAGE_NUMBER = 2**31 - 1
ID_LIMIT = 30  # comma-separated ids one DescribeDBInstances may name
INSTANCE_CLASS = re.compile(r"(rds|mysql|pg|mssql|mariadb)(\.[a-z0-9]{1,16}){1,4}")
GROUP_NAME = re.compile(r"[a-z][a-z0-9_-]{0,62}[a-z0-9]|[a-z]")
NUMBER = re.compile(r"[0-9]{1,12}")
CLIENT_TOKEN = re.compile(r"[\x21-\x7e]{1,64}")

# -- faults -------------------------------------------------------------------------------------


class RdsFault(Exception):
    """An RDS error code, exact message and HTTP status, decided in the sim."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status


def _invalid(name: str) -> RdsFault:
    return RdsFault("InvalidParameter", f'The specified value of parameter "{name}" is not valid.')


def _missing(name: str) -> RdsFault:
    return RdsFault(
        "MissingParameter",
        f'The input parameter "{name}" that is mandatory for processing this request is not '
        "supplied.",
    )


def _not_found() -> RdsFault:
    return RdsFault(
        "InvalidDBInstanceId.NotFound", "The DBInstanceId provided does not exist in records."
    )


def _incorrect_state() -> RdsFault:
    return RdsFault(
        "IncorrectDBInstanceState",
        "Current DB instance state does not support this operation.",
        403,
    )


def _ip_list_format() -> RdsFault:
    return RdsFault("SecurityIPList.Format", "Specified SecurityIPList is not valid.")


_Result = TypeVar("_Result")


def _action(
    method: Callable[[SimRds, Scope, Params], _Result],
) -> Callable[[SimRds, Scope, Params], _Result]:
    """Marks an RDS action and refuses text no store can keep (NUL, lone surrogates)."""

    @functools.wraps(method)
    def checked(self: SimRds, scope: Scope, params: Params) -> _Result:
        bad = rpc.unstorable(params)
        if bad is not None:
            raise _invalid(bad if rpc.encodable(bad) else "")
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
        raise _invalid(name)
    return int(raw)


def _choice(params: Params, name: str, default: str, allowed: Sequence[str]) -> str:
    value = rpc.value(params, name) or default
    if value not in allowed:
        raise _invalid(name)
    return value


def _entry(text: str) -> str | None:
    """One whitelist entry: an IPv4 address or CIDR block, normalised; None when it is not."""
    try:
        if "/" in text:
            return str(ipaddress.IPv4Network(text, strict=False))
        return str(ipaddress.IPv4Address(text))
    except ValueError:
        return None


def _ip_list(raw: str, fault: RdsFault) -> list[str]:
    """A comma-separated whitelist; an entry twice is refused, as RDS does."""
    entries: list[str] = []
    for text in raw.split(","):
        entry = _entry(text.strip())
        if entry is None:
            raise fault
        if entry in entries:
            raise RdsFault(
                "InvalidSecurityIPList.Duplicate",
                "Specified security IP list is not valid: Duplicate IP address in the list.",
            )
        entries.append(entry)
    if len(entries) > IP_LIMIT:
        raise fault
    return entries


def _split(ips: str) -> list[str]:
    return [ip for ip in ips.split(",") if ip]


def _page(params: Params) -> tuple[int, int]:
    number = _int(params, "PageNumber", 1, 1, MAX_PAGE_NUMBER)
    size = _int(params, "PageSize", DEFAULT_PAGE_SIZE, 1, PAGE_LIMIT)
    return number, size


def new_db_id() -> str:
    return "rm-" + "".join(secrets.choice(ALIYUN_ID_ALPHABET) for _ in range(20))


def _second(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _resource_group(scope: Scope) -> str:
    return "rg-acfm" + network.hex_id(scope.account, "rg-default", length=10)


# -- the simulated RDS --------------------------------------------------------------------------


class SimRds:
    """RDS's DB instance and whitelist calls, plus the port Auto Scaling uses."""

    def __init__(self, compute: SimCompute, new_id: Callable[[], str] = new_db_id) -> None:
        self.compute = compute
        self.db = compute.db
        self.clock = compute.clock
        self.timing = compute.timing
        self.new_id = new_id

    # -- states ---------------------------------------------------------------------------------

    @staticmethod
    def status_of(row: Row[Any], now: datetime) -> str:
        if row.status in TRANSIENT and row.due_at is not None and row.due_at <= now:
            return "Running"
        return str(row.status)

    @staticmethod
    def _status_column(now: datetime) -> ColumnElement[str]:
        """The SQL twin of status_of."""
        return case(
            (
                and_(
                    sim_rds_instances.c.status.in_(TRANSIENT),
                    sim_rds_instances.c.due_at <= now,
                ),
                "Running",
            ),
            else_=sim_rds_instances.c.status,
        )

    # -- SQL building blocks --------------------------------------------------------------------

    @staticmethod
    def _in_scope(scope: Scope) -> list[ColumnElement[bool]]:
        return [
            sim_rds_instances.c.account == scope.account,
            sim_rds_instances.c.region == scope.region,
        ]

    def _row(self, conn: Connection, scope: Scope, db_id: str) -> Row[Any] | None:
        return conn.execute(
            select(sim_rds_instances).where(*self._in_scope(scope), sim_rds_instances.c.id == db_id)
        ).first()

    def _existing(self, conn: Connection, scope: Scope, params: Params) -> Row[Any]:
        db_id = _required(params, "DBInstanceId")
        row = self._row(conn, scope, db_id)
        if row is None:
            raise _not_found()
        return row

    @staticmethod
    def _groups(conn: Connection, db_id: str) -> dict[str, Row[Any]]:
        rows = conn.execute(select(sim_rds_ips).where(sim_rds_ips.c.db_id == db_id)).all()
        ordered = sorted(rows, key=lambda r: (r.name != DEFAULT_GROUP, r.name))
        return {row.name: row for row in ordered}

    @staticmethod
    def _store_group(
        conn: Connection, db_id: str, name: str, ips: Sequence[str], attribute: str | None
    ) -> None:
        """Writes one group; a group left empty is removed, except the default one."""
        present = conn.execute(
            select(sim_rds_ips).where(sim_rds_ips.c.db_id == db_id, sim_rds_ips.c.name == name)
        ).first()
        where = (sim_rds_ips.c.db_id == db_id, sim_rds_ips.c.name == name)
        if not ips and name != DEFAULT_GROUP:
            conn.execute(delete(sim_rds_ips).where(*where))
        elif present is None:
            conn.execute(
                insert(sim_rds_ips).values(
                    db_id=db_id, name=name, attribute=attribute or "", ips=",".join(ips)
                )
            )
        else:
            values: dict[str, str] = {"ips": ",".join(ips)}
            if attribute is not None:
                values["attribute"] = attribute
            conn.execute(update(sim_rds_ips).where(*where).values(**values))

    def _private_ips(self, conn: Connection, scope: Scope, ids: Sequence[str]) -> list[str]:
        if not ids:
            return []
        rows = conn.execute(
            select(machines.c.id, machines.c.private_ip).where(
                machines.c.account == scope.account,
                machines.c.region == scope.region,
                machines.c.cloud == Cloud.ALIYUN.value,
                machines.c.id.in_(list(ids)),
            )
        ).all()
        by_id = {row.id: row.private_ip for row in rows}
        return list(dict.fromkeys(by_id[i] for i in ids if i in by_id))

    # -- rendering ------------------------------------------------------------------------------

    def _instance(self, scope: Scope, row: Row[Any], now: datetime) -> Output:
        return {
            "DBInstanceId": row.id,
            "DBInstanceDescription": row.description,
            "DBInstanceStatus": self.status_of(row, now),
            "DBInstanceType": "Primary",
            "DBInstanceClass": row.instance_class,
            "DBInstanceNetType": row.net_type,
            "DBInstanceStorageType": "cloud_essd",
            "Engine": row.engine,
            "EngineVersion": row.engine_version,
            "Category": "Basic",
            "PayType": row.pay_type,
            "RegionId": row.region,
            "ZoneId": row.zone,
            "InstanceNetworkType": "VPC",
            "VpcId": row.vpc_id,
            "VSwitchId": row.vswitch_id,
            "VpcCloudInstanceId": row.id,
            "ConnectionMode": "Standard",
            "ConnectionString": f"{row.id}.{DOMAINS[row.engine]}.rds.aliyuncs.com",
            "CreateTime": _second(row.created_at),
            "ExpireTime": "",
            "LockMode": "Unlock",
            "LockReason": "",
            "MutriORsignle": False,
            "ResourceGroupId": _resource_group(scope),
            "DeletionProtection": False,
            "ReadOnlyDBInstanceIds": {"ReadOnlyDBInstanceId": []},
        }

    # -- CreateDBInstance -----------------------------------------------------------------------

    @_action
    def create_db_instance(self, scope: Scope, params: Params) -> Output:
        """A Creating instance in a vSwitch of the default VPC; a repeated ClientToken replays."""
        engine = _required(params, "Engine")
        if engine not in ENGINES:
            raise _invalid("Engine")
        version = _required(params, "EngineVersion")
        if version not in ENGINES[engine]:
            raise RdsFault(
                "InvalidEngineVersion.Malformed",
                "The specified parameter EngineVersion is not valid.",
            )
        instance_class = _required(params, "DBInstanceClass")
        if not INSTANCE_CLASS.fullmatch(instance_class):
            raise RdsFault(
                "InvalidDBInstanceClass.Malformed",
                "The specified parameter DBInstanceClass is not valid.",
            )
        _required(params, "DBInstanceStorage")
        storage = _int(params, "DBInstanceStorage", 0, 5, 64000)
        net_type = _choice(params, "DBInstanceNetType", "Intranet", NET_TYPES)
        pay_type = _choice(params, "PayType", "Postpaid", PAY_TYPES)
        network_type = rpc.value(params, "InstanceNetworkType") or "VPC"
        if network_type == "Classic":
            raise RdsFault(
                "InvalidParam.InstanceNetworkType",
                "Creation of classic network instances is not supported.",
            )
        if network_type != "VPC":
            raise _invalid("InstanceNetworkType")
        description = rpc.value(params, "DBInstanceDescription") or ""
        if len(description) > 256:
            raise _invalid("DBInstanceDescription")
        ips = _ip_list(
            rpc.value(params, "SecurityIPList") or DEFAULT_IPS,
            RdsFault(
                "InvalidSecurityIPList.Format",
                "The specified parameter securityIPList is not valid.",
            ),
        )
        zones = network.zones(scope.region, scope.cloud)
        subnets = {s.id: s for s in network.default_subnets(scope)}
        zone = rpc.value(params, "ZoneId")
        if zone is not None and zone not in zones:
            raise RdsFault("InvalidZone.NotSupported", "The Specified Zone not supported.")
        vswitch = rpc.value(params, "VSwitchId")
        if vswitch is not None and vswitch not in subnets:
            raise RdsFault(
                "InvalidVSwitchId.Format", "The specified vswitch Id format is incorrect."
            )
        vpc = rpc.value(params, "VPCId") or rpc.value(params, "VpcId")
        if vpc is not None and vpc != network.default_vpc(scope):
            raise _invalid("VPCId")
        if vswitch is None:
            zone = zone or zones[0]
            vswitch = next(s.id for s in subnets.values() if s.zone == zone)
        elif zone is not None and subnets[vswitch].zone != zone:
            raise RdsFault("InvalidZoneId.NotSupported", "The Specified vpc Zone not supported.")
        subnet = subnets[vswitch]
        token = rpc.value(params, "ClientToken")
        if token is not None and not CLIENT_TOKEN.fullmatch(token):
            raise _invalid("ClientToken")
        now = self.clock.now()
        db_id = self.new_id()
        row = {
            "id": db_id,
            "account": scope.account,
            "region": scope.region,
            "engine": engine,
            "engine_version": version,
            "instance_class": instance_class,
            "storage": storage,
            "net_type": net_type,
            "pay_type": pay_type,
            "description": description,
            "zone": subnet.zone,
            "vpc_id": subnet.vpc_id,
            "vswitch_id": subnet.id,
            "status": "Creating",
            "due_at": now + self.timing.delay(CREATE_SECONDS),
            "created_at": now,
            "client_token": token,
        }
        try:
            with self.db.write() as conn:
                if token is not None:
                    replay = conn.execute(
                        select(sim_rds_instances).where(
                            *self._in_scope(scope), sim_rds_instances.c.client_token == token
                        )
                    ).first()
                    if replay is not None:
                        return self._created(replay)
                conn.execute(insert(sim_rds_instances).values(row))
                self._store_group(conn, db_id, DEFAULT_GROUP, ips, "")
                created = self._row(conn, scope, db_id)
        except IntegrityError:  # the same token, raced
            with self.db.read() as conn:
                created = conn.execute(
                    select(sim_rds_instances).where(
                        *self._in_scope(scope), sim_rds_instances.c.client_token == token
                    )
                ).first()
        assert created is not None
        return self._created(created)

    @staticmethod
    def _created(row: Row[Any]) -> Output:
        return {
            "DBInstanceId": row.id,
            "OrderId": str(int(network.hex_id(row.id, "order", length=10), 16) % 10**15),
            "ConnectionString": f"{row.id}.{DOMAINS[row.engine]}.rds.aliyuncs.com",
            "Port": PORTS[row.engine],
        }

    # -- DescribeDBInstances / DescribeDBInstanceIPArrayList --------------------------------------

    @_action
    def describe_db_instances(self, scope: Scope, params: Params) -> Output:
        """One page; unlike ECS and SLB, an unknown DBInstanceId is an error."""
        number, size = _page(params)
        now = self.clock.now()
        conditions = self._in_scope(scope)
        raw_ids = rpc.value(params, "DBInstanceId")
        ids: list[str] = []
        if raw_ids is not None:
            ids = list(dict.fromkeys(i.strip() for i in raw_ids.split(",") if i.strip()))
            if not ids or len(ids) > ID_LIMIT:
                raise _invalid("DBInstanceId")
            conditions.append(sim_rds_instances.c.id.in_(ids))
        status = rpc.value(params, "DBInstanceStatus")
        if status is not None:
            if status not in LISTED_STATUSES:
                raise _invalid("DBInstanceStatus")
            conditions.append(self._status_column(now) == status)
        engine = rpc.value(params, "Engine")
        if engine is not None:
            if engine not in ENGINES:
                raise _invalid("Engine")
            conditions.append(sim_rds_instances.c.engine == engine)
        net_type = rpc.value(params, "DBInstanceNetType")
        if net_type is not None:
            if net_type not in NET_TYPES:
                raise _invalid("DBInstanceNetType")
            conditions.append(sim_rds_instances.c.net_type == net_type)
        for name, column in (
            ("VpcId", sim_rds_instances.c.vpc_id),
            ("VSwitchId", sim_rds_instances.c.vswitch_id),
            ("ZoneId", sim_rds_instances.c.zone),
        ):
            value = rpc.value(params, name)
            if value is not None:
                conditions.append(column == value)
        with self.db.read() as conn:
            if ids:
                known = set(
                    conn.execute(
                        select(sim_rds_instances.c.id).where(
                            *self._in_scope(scope), sim_rds_instances.c.id.in_(ids)
                        )
                    ).scalars()
                )
                if known != set(ids):
                    raise _not_found()
            total = conn.execute(
                select(func.count()).select_from(sim_rds_instances).where(*conditions)
            ).scalar_one()
            offset = (number - 1) * size
            rows: Sequence[Row[Any]] = []
            if offset < total:
                rows = conn.execute(
                    select(sim_rds_instances)
                    .where(*conditions)
                    .order_by(sim_rds_instances.c.created_at, sim_rds_instances.c.id)
                    .limit(size)
                    .offset(offset)
                ).all()
        return {
            "Items": {"DBInstance": [self._instance(scope, row, now) for row in rows]},
            "PageNumber": number,
            "PageRecordCount": len(rows),
            "TotalRecordCount": total,
        }

    @_action
    def describe_db_instance_ip_array_list(self, scope: Scope, params: Params) -> Output:
        with self.db.read() as conn:
            row = self._existing(conn, scope, params)
            groups = self._groups(conn, row.id)
        return {
            "Items": {
                "DBInstanceIPArray": [
                    {
                        "DBInstanceIPArrayName": group.name,
                        "DBInstanceIPArrayAttribute": group.attribute,
                        "SecurityIPType": "IPv4",
                        "SecurityIPList": group.ips,
                    }
                    for group in groups.values()
                ]
            }
        }

    # -- ModifySecurityIps ----------------------------------------------------------------------

    @_action
    def modify_security_ips(self, scope: Scope, params: Params) -> Output:
        """Cover, Append to or Delete from one group (default `Default`, shown as `default`)."""
        raw = _required(params, "SecurityIps")
        name = (rpc.value(params, "DBInstanceIPArrayName") or DEFAULT_GROUP).lower()
        if not GROUP_NAME.fullmatch(name):
            raise _invalid("DBInstanceIPArrayName")
        mode = _choice(params, "ModifyMode", "Cover", MODIFY_MODES)
        attribute = params.get("DBInstanceIPArrayAttribute")
        if attribute is not None and attribute not in ATTRIBUTES:
            raise RdsFault(
                "InvalidIPArrayAttribute.Format", "The format of the IP attribute is invalid."
            )
        _choice(params, "SecurityIPType", "IPv4", ("IPv4", "ipv4"))
        _choice(params, "WhitelistNetworkType", "MIX", ("Classic", "VPC", "MIX"))
        entries = _ip_list(raw, _ip_list_format())
        now = self.clock.now()
        with self.db.write() as conn:
            row = self._existing(conn, scope, params)
            if self.status_of(row, now) != "Running":
                raise _incorrect_state()
            groups = self._groups(conn, row.id)
            current = _split(groups[name].ips) if name in groups else []
            if mode == "Cover":
                result = entries
            elif mode == "Append":
                result = list(dict.fromkeys([*current, *entries]))
            else:
                result = [ip for ip in current if ip not in entries]
                if not result:
                    raise _ip_list_format()  # Delete must leave one entry
            if name not in groups and len(groups) >= GROUP_LIMIT:
                raise RdsFault(
                    "InvalidSecurityIPListGroup.QuotaExceeded",
                    "Specified security IP list group is not valid: Exceeding the allowed amount "
                    "of group.",
                )
            others = sum(len(_split(g.ips)) for n, g in groups.items() if n != name)
            if others + len(result) > IP_LIMIT:
                raise _ip_list_format()
            self._store_group(conn, row.id, name, result, attribute)
        task = int(network.hex_id(row.id, name, str(now.timestamp()), length=8), 16)
        return {"TaskId": str(task % 10**9)}

    # -- RestartDBInstance / DeleteDBInstance ---------------------------------------------------

    @_action
    def restart_db_instance(self, scope: Scope, params: Params) -> Output:
        now = self.clock.now()
        with self.db.write() as conn:
            row = self._existing(conn, scope, params)
            if self.status_of(row, now) != "Running":
                raise _incorrect_state()
            conn.execute(
                update(sim_rds_instances)
                .where(sim_rds_instances.c.id == row.id)
                .values(status="Rebooting", due_at=now + self.timing.delay(RESTART_SECONDS))
            )
        return {}

    @_action
    def delete_db_instance(self, scope: Scope, params: Params) -> Output:
        """Gone at once, whitelists too; an instance still being created cannot be released."""
        now = self.clock.now()
        with self.db.write() as conn:
            row = self._existing(conn, scope, params)
            if self.status_of(row, now) == "Creating":
                raise _incorrect_state()
            conn.execute(delete(sim_rds_ips).where(sim_rds_ips.c.db_id == row.id))
            conn.execute(delete(sim_rds_instances).where(sim_rds_instances.c.id == row.id))
        return {}

    # -- the engine-facing port -----------------------------------------------------------------

    def rds_exists(self, scope: Scope, db_id: str) -> bool:
        with self.db.read() as conn:
            return self._row(conn, scope, db_id) is not None

    def rds_usable(self, scope: Scope, db_id: str) -> bool:
        """Instances may join or leave the whitelist of a Running DB instance only."""
        with self.db.read() as conn:
            row = self._row(conn, scope, db_id)
        return row is not None and self.status_of(row, self.clock.now()) == "Running"

    def rds_allow(self, scope: Scope, db_id: str, instance_ids: Sequence[str]) -> None:
        """Adds the instances' private IPs to the ESS_GROUP whitelist group."""
        self._change_ess_group(scope, db_id, instance_ids, allow=True)

    def rds_revoke(self, scope: Scope, db_id: str, instance_ids: Sequence[str]) -> None:
        """Takes the instances' private IPs out of ESS_GROUP; an emptied group goes."""
        self._change_ess_group(scope, db_id, instance_ids, allow=False)

    def _change_ess_group(
        self, scope: Scope, db_id: str, instance_ids: Sequence[str], *, allow: bool
    ) -> None:
        with self.db.write() as conn:
            if self._row(conn, scope, db_id) is None:
                return
            ips = self._private_ips(conn, scope, instance_ids)
            if not ips:
                return
            groups = self._groups(conn, db_id)
            current = _split(groups[ESS_GROUP].ips) if ESS_GROUP in groups else []
            if allow:
                result = list(dict.fromkeys([*current, *ips]))
            else:
                result = [ip for ip in current if ip not in ips]
            if result != current:
                self._store_group(conn, db_id, ESS_GROUP, result, None)

    def rds_whitelist(self, scope: Scope, db_id: str) -> dict[str, list[str]]:
        """Group name → entries (for tests and diagnostics)."""
        with self.db.read() as conn:
            if self._row(conn, scope, db_id) is None:
                return {}
            return {n: _split(g.ips) for n, g in self._groups(conn, db_id).items()}
