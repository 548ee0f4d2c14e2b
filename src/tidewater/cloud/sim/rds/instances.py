"""RDS's DB instance actions: create, describe, restart, delete."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from tidewater.cloud.sim import network
from tidewater.cloud.sim.kit import paging, rpc
from tidewater.cloud.sim.kit.filters import exact
from tidewater.cloud.sim.rds.faults import (
    RdsFault,
    incorrect_state,
    invalid,
    not_found,
)
from tidewater.cloud.sim.rds.params import (
    CLIENT_TOKEN,
    DEFAULT_PAGE_SIZE,
    ENGINES,
    ID_LIMIT,
    INSTANCE_CLASS,
    LISTED_STATUSES,
    NET_TYPES,
    PAGE_LIMIT,
    PAY_TYPES,
    READ,
    Params,
    action,
    ip_list,
)
from tidewater.cloud.sim.rds.render import created_out, instance_out
from tidewater.cloud.sim.rds.state import (
    CREATE_SECONDS,
    DEFAULT_GROUP,
    DEFAULT_IPS,
    RESTART_SECONDS,
    RdsState,
)
from tidewater.domain.scope import Scope
from tidewater.store.tables import sim_rds_instances, sim_rds_ips

Output = dict[str, Any]


class Instances(RdsState):
    """DB instances and their lifecycle."""

    @action
    def create_db_instance(self, scope: Scope, params: Params) -> Output:
        """A Creating instance in a vSwitch of the default VPC; a repeated ClientToken replays."""
        engine = READ.required(params, "Engine")
        if engine not in ENGINES:
            raise invalid("Engine")
        version = READ.required(params, "EngineVersion")
        if version not in ENGINES[engine]:
            raise RdsFault(
                "InvalidEngineVersion.Malformed",
                "The specified parameter EngineVersion is not valid.",
            )
        instance_class = READ.required(params, "DBInstanceClass")
        if not INSTANCE_CLASS.fullmatch(instance_class):
            raise RdsFault(
                "InvalidDBInstanceClass.Malformed",
                "The specified parameter DBInstanceClass is not valid.",
            )
        READ.required(params, "DBInstanceStorage")
        storage = READ.integer(params, "DBInstanceStorage", 0, 5, 64000)
        net_type = READ.choice(params, "DBInstanceNetType", "Intranet", NET_TYPES)
        pay_type = READ.choice(params, "PayType", "Postpaid", PAY_TYPES)
        network_type = rpc.value(params, "InstanceNetworkType") or "VPC"
        if network_type == "Classic":
            raise RdsFault(
                "InvalidParam.InstanceNetworkType",
                "Creation of classic network instances is not supported.",
            )
        if network_type != "VPC":
            raise invalid("InstanceNetworkType")
        description = rpc.value(params, "DBInstanceDescription") or ""
        if len(description) > 256:
            raise invalid("DBInstanceDescription")
        ips = ip_list(
            rpc.value(params, "SecurityIPList") or DEFAULT_IPS,
            RdsFault(
                "InvalidSecurityIPList.Format",
                "The specified parameter securityIPList is not valid.",
            ),
        )
        zones = network.zones(scope.region, scope.cloud)
        subnets = {s.id: s for s in self.compute.subnets(scope)}  # the default ones first
        zone = rpc.value(params, "ZoneId")
        if zone is not None and zone not in zones:
            raise RdsFault("InvalidZone.NotSupported", "The Specified Zone not supported.")
        vswitch = rpc.value(params, "VSwitchId")
        if vswitch is not None and vswitch not in subnets:
            raise RdsFault(
                "InvalidVSwitchId.Format", "The specified vswitch Id format is incorrect."
            )
        vpc = rpc.value(params, "VPCId") or rpc.value(params, "VpcId")
        if vpc is not None and vpc not in {s.vpc_id for s in subnets.values()}:
            raise invalid("VPCId")
        if vswitch is not None and vpc is not None and subnets[vswitch].vpc_id != vpc:
            raise invalid("VPCId")
        if vswitch is None:
            zone = zone or zones[0]
            vpc = vpc or network.default_vpc(scope)
            vswitch = next(
                (s.id for s in subnets.values() if s.zone == zone and s.vpc_id == vpc), None
            )
            if vswitch is None:
                raise invalid("VPCId")
        elif zone is not None and subnets[vswitch].zone != zone:
            raise RdsFault("InvalidZoneId.NotSupported", "The Specified vpc Zone not supported.")
        subnet = subnets[vswitch]
        token = rpc.value(params, "ClientToken")
        if token is not None and not CLIENT_TOKEN.fullmatch(token):
            raise invalid("ClientToken")
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
                        return created_out(replay)
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
        return created_out(created)

    @action
    def describe_db_instances(self, scope: Scope, params: Params) -> Output:
        """One page; unlike ECS and SLB, an unknown DBInstanceId is an error."""
        number, size = READ.page(params, DEFAULT_PAGE_SIZE, PAGE_LIMIT)
        now = self.clock.now()
        conditions = self._in_scope(scope)
        raw_ids = rpc.value(params, "DBInstanceId")
        ids: list[str] = []
        if raw_ids is not None:
            ids = list(dict.fromkeys(i.strip() for i in raw_ids.split(",") if i.strip()))
            if not ids or len(ids) > ID_LIMIT:
                raise invalid("DBInstanceId")
            conditions.append(sim_rds_instances.c.id.in_(ids))
        status = rpc.value(params, "DBInstanceStatus")
        if status is not None:
            if status not in LISTED_STATUSES:
                raise invalid("DBInstanceStatus")
            conditions.append(self._status_column(now) == status)
        engine = rpc.value(params, "Engine")
        if engine is not None:
            if engine not in ENGINES:
                raise invalid("Engine")
            conditions.append(sim_rds_instances.c.engine == engine)
        net_type = rpc.value(params, "DBInstanceNetType")
        if net_type is not None:
            if net_type not in NET_TYPES:
                raise invalid("DBInstanceNetType")
            conditions.append(sim_rds_instances.c.net_type == net_type)
        conditions += exact(
            params,
            (
                ("VpcId", sim_rds_instances.c.vpc_id),
                ("VSwitchId", sim_rds_instances.c.vswitch_id),
                ("ZoneId", sim_rds_instances.c.zone),
            ),
        )
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
                    raise not_found()
            total, rows = paging.numbered_rows(
                conn,
                sim_rds_instances,
                conditions,
                (sim_rds_instances.c.created_at, sim_rds_instances.c.id),
                number,
                size,
            )
        return {
            "Items": {
                "DBInstance": [instance_out(scope, row, self.status_of(row, now)) for row in rows]
            },
            "PageNumber": number,
            "PageRecordCount": len(rows),
            "TotalRecordCount": total,
        }

    @action
    def restart_db_instance(self, scope: Scope, params: Params) -> Output:
        now = self.clock.now()
        with self.db.write() as conn:
            row = self._existing(conn, scope, params)
            if self.status_of(row, now) != "Running":
                raise incorrect_state()
            conn.execute(
                update(sim_rds_instances)
                .where(sim_rds_instances.c.id == row.id)
                .values(status="Rebooting", due_at=now + self.timing.delay(RESTART_SECONDS))
            )
        return {}

    @action
    def delete_db_instance(self, scope: Scope, params: Params) -> Output:
        """Gone at once, whitelists too; an instance still being created cannot be released."""
        now = self.clock.now()
        with self.db.write() as conn:
            row = self._existing(conn, scope, params)
            if self.status_of(row, now) == "Creating":
                raise incorrect_state()
            conn.execute(delete(sim_rds_ips).where(sim_rds_ips.c.db_id == row.id))
            conn.execute(delete(sim_rds_instances).where(sim_rds_instances.c.id == row.id))
        return {}
