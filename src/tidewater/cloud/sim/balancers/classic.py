"""Classic Load Balancer actions (2012-06-01)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from tidewater.cloud.sim import network
from tidewater.cloud.sim.balancers.faults import (
    BalancerFault,
    validation,
)
from tidewater.cloud.sim.balancers.params import (
    Params,
    action,
    additional_attributes,
    check_classic_name,
    classic_attribute,
    classic_listeners,
    decode_marker,
    instance_ids,
    integer,
    page,
    page_size,
    text_list,
)
from tidewater.cloud.sim.balancers.render import classic_out
from tidewater.cloud.sim.balancers.state import (
    CLASSIC_ATTRIBUTES,
    BalancerState,
    classic_arn,
    digits,
)
from tidewater.cloud.sim.kit.rows import owner_columns
from tidewater.domain.scope import Scope
from tidewater.store.tables import (
    sim_load_balancers,
    sim_targets,
)

Output = dict[str, Any]


class Classic(BalancerState):
    """Classic load balancers, their instances and attributes."""

    def _classic_placement(self, scope: Scope, params: Params) -> tuple[list[str], list[str]]:
        zones = text_list(params.get("AvailabilityZones"))
        subnet_ids = text_list(params.get("Subnets"))
        defaults = {s.id: s for s in network.default_subnets(scope)}
        if zones and subnet_ids:
            raise validation("Only one of SubnetIds or AvailabilityZones may be specified")
        if subnet_ids:
            for subnet_id in subnet_ids:
                if subnet_id not in defaults:
                    raise BalancerFault("SubnetNotFound", "One or more subnets could not be found.")
            subnet_ids = list(dict.fromkeys(subnet_ids))
            return [defaults[s].zone for s in subnet_ids], subnet_ids
        if not zones:
            raise validation("Either AvailabilityZones or SubnetIds must be specified")
        by_zone = {s.zone: s.id for s in defaults.values()}
        for zone in zones:
            if zone not in by_zone:
                raise validation(f"Invalid Availability Zone: {zone}")
        zones = list(dict.fromkeys(zones))
        return zones, [by_zone[z] for z in zones]

    @action
    def clb_create_load_balancer(self, scope: Scope, params: Params) -> Output:
        name = check_classic_name(params.get("LoadBalancerName"))
        listeners = classic_listeners(params.get("Listeners"))
        zones, subnets = self._classic_placement(scope, params)
        scheme = params.get("Scheme") or "internet-facing"
        if scheme not in ("internet-facing", "internal"):
            raise validation(f"Invalid value for scheme: {scheme}")
        groups = text_list(params.get("SecurityGroups")) or [network.default_security_group(scope)]
        settings = {
            "Listeners": listeners,
            "Zones": sorted(zones),
            "Scheme": scheme,
            "SecurityGroups": sorted(groups),
        }
        prefix = "internal-" if scheme == "internal" else ""
        dns = f"{prefix}{name}-{digits(scope.account, scope.region, name)}"
        dns += f".{scope.region}.elb.amazonaws.com"
        with self.db.write() as conn:
            existing = self._load_balancer(conn, scope, "classic", "name", name)
            if existing is not None:
                if existing.settings != json.loads(json.dumps(settings)):
                    raise BalancerFault(
                        "DuplicateLoadBalancerName",
                        f"Load Balancer named {name} already exists and it is configured "
                        "with different parameters.",
                    )
                return {"DNSName": existing.dns_name}
            conn.execute(
                insert(sim_load_balancers).values(
                    arn=classic_arn(scope, name),
                    **owner_columns(scope),
                    family="classic",
                    name=name,
                    type="classic",
                    scheme=scheme,
                    dns_name=dns,
                    vpc_id=network.default_vpc(scope),
                    zones=zones,
                    subnets=subnets,
                    security_groups=groups,
                    listeners=listeners,
                    settings=settings,
                    attributes=CLASSIC_ATTRIBUTES,
                    created_at=self._now(),
                )
            )
        return {"DNSName": dns}

    @action
    def clb_describe_load_balancers(self, scope: Scope, params: Params) -> Output:
        names = list(dict.fromkeys(text_list(params.get("LoadBalancerNames"))))
        size = page_size(params)
        after = decode_marker("clb", params.get("Marker"))
        with self.db.read() as conn:
            query = select(sim_load_balancers).where(
                *self._scoped(sim_load_balancers, scope),
                sim_load_balancers.c.family == "classic",
            )
            if names:
                found = set(
                    conn.execute(
                        select(sim_load_balancers.c.name).where(
                            *self._scoped(sim_load_balancers, scope),
                            sim_load_balancers.c.family == "classic",
                            sim_load_balancers.c.name.in_(names),
                        )
                    ).scalars()
                )
                for name in names:
                    if name not in found:
                        raise BalancerFault(
                            "LoadBalancerNotFound", f"Cannot find Load Balancer {name}"
                        )
                query = query.where(sim_load_balancers.c.name.in_(names))
            if after is not None:
                query = query.where(sim_load_balancers.c.name > after)
            rows = list(conn.execute(query.order_by(sim_load_balancers.c.name).limit(size + 1)))
            rows, marker = page(rows, size, "clb")
            instances: dict[str, list[str]] = {row.arn: [] for row in rows}
            if rows:
                for target in conn.execute(
                    select(sim_targets.c.owner, sim_targets.c.instance_id)
                    .where(
                        sim_targets.c.owner.in_(list(instances)),
                        sim_targets.c.draining_until.is_(None),
                    )
                    .order_by(sim_targets.c.registered_at, sim_targets.c.instance_id)
                ):
                    instances[target.owner].append(target.instance_id)
        out: Output = {
            "LoadBalancerDescriptions": [
                classic_out(scope, row, instances[row.arn]) for row in rows
            ]
        }
        if marker is not None:
            out["NextMarker"] = marker
        return out

    @action
    def clb_delete_load_balancer(self, scope: Scope, params: Params) -> Output:
        name = params.get("LoadBalancerName")
        if not isinstance(name, str):
            raise validation("LoadBalancerName is required")
        with self.db.write() as conn:
            arn = classic_arn(scope, name)
            conn.execute(
                delete(sim_load_balancers).where(
                    *self._scoped(sim_load_balancers, scope),
                    sim_load_balancers.c.family == "classic",
                    sim_load_balancers.c.name == name,
                )
            )
            conn.execute(delete(sim_targets).where(sim_targets.c.owner == arn))
        return {}

    def _check_classic_instances(
        self, conn: Connection, scope: Scope, ids: Sequence[str], *, running: bool
    ) -> None:
        states = self._machines(conn, scope, ids)
        for instance_id in ids:
            state = states.get(instance_id)
            if state is None or state == "terminated":
                raise BalancerFault(
                    "InvalidInstance", f"Could not find EC2 instance {instance_id}."
                )
            if running and state != "running":
                raise BalancerFault(
                    "InvalidInstance", f"EC2 instance {instance_id} is not in running state."
                )

    @action
    def clb_register_instances_with_load_balancer(self, scope: Scope, params: Params) -> Output:
        ids = instance_ids(params.get("Instances"))
        with self.db.write() as conn:
            row = self._classic(conn, scope, params.get("LoadBalancerName"))
            self._check_classic_instances(conn, scope, ids, running=True)
            self._register_rows(conn, scope, "clb", row.arn, [(i, 0) for i in ids])
            live = self._live_targets(conn, row.arn, self._now(), draining=False)
        return {"Instances": [{"InstanceId": t.instance_id} for t in live]}

    @action
    def clb_deregister_instances_from_load_balancer(self, scope: Scope, params: Params) -> Output:
        ids = instance_ids(params.get("Instances"))
        with self.db.write() as conn:
            row = self._classic(conn, scope, params.get("LoadBalancerName"))
            self._check_classic_instances(conn, scope, ids, running=False)
            self._deregister_rows(conn, row.arn, ids, self._classic_drain(row))
            live = self._live_targets(conn, row.arn, self._now(), draining=False)
        return {"Instances": [{"InstanceId": t.instance_id} for t in live]}

    @action
    def clb_describe_instance_health(self, scope: Scope, params: Params) -> Output:
        ids = instance_ids(params.get("Instances"))
        now = self._now()
        with self.db.read() as conn:
            row = self._classic(conn, scope, params.get("LoadBalancerName"))
            if ids:
                self._check_classic_instances(conn, scope, ids, running=False)
            targets = {t.instance_id: t for t in self._live_targets(conn, row.arn, now)}
            wanted = ids or list(targets)
            states = self._machines(conn, scope, wanted)
        out: list[Output] = []
        for instance_id in wanted:
            target = targets.get(instance_id)
            if target is None:
                health = {
                    "State": "OutOfService",
                    "ReasonCode": "N/A",
                    "Description": "Instance is not currently registered with the LoadBalancer.",
                }
            else:
                health = self._classic_state(target, states.get(instance_id), now)
            out.append({"InstanceId": instance_id, **health})
        return {"InstanceStates": out}

    @action
    def clb_describe_load_balancer_attributes(self, scope: Scope, params: Params) -> Output:
        with self.db.read() as conn:
            row = self._classic(conn, scope, params.get("LoadBalancerName"))
        return {"LoadBalancerAttributes": dict(row.attributes)}

    @action
    def clb_modify_load_balancer_attributes(self, scope: Scope, params: Params) -> Output:
        changes = params.get("LoadBalancerAttributes")
        if not isinstance(changes, Mapping):
            raise validation("LoadBalancerAttributes is required")
        with self.db.write() as conn:
            row = self._classic(conn, scope, params.get("LoadBalancerName"))
            attributes: Output = json.loads(json.dumps(row.attributes))
            for key in ("CrossZoneLoadBalancing", "AccessLog", "ConnectionDraining"):
                change = changes.get(key)
                if change is None:
                    continue
                if not isinstance(change, Mapping) or not isinstance(change.get("Enabled"), bool):
                    raise validation(f"{key}.Enabled is required")
                attributes[key] = classic_attribute(key, change)
            settings = changes.get("ConnectionSettings")
            if settings is not None:
                idle = settings.get("IdleTimeout") if isinstance(settings, Mapping) else None
                attributes["ConnectionSettings"] = {
                    "IdleTimeout": integer(idle, "connectionSettings.idleTimeout", 1, 3600)
                }
            extra = changes.get("AdditionalAttributes")
            if extra is not None:
                attributes["AdditionalAttributes"] = additional_attributes(
                    attributes["AdditionalAttributes"], extra
                )
            conn.execute(
                update(sim_load_balancers)
                .where(sim_load_balancers.c.arn == row.arn)
                .values(attributes=attributes)
            )
        return {"LoadBalancerName": row.name, "LoadBalancerAttributes": attributes}
