"""ELBv2 target group actions: groups, their targets, health and attributes."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Row, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from tidewater.cloud.sim import network
from tidewater.cloud.sim.balancers.faults import (
    BalancerFault,
    quoted,
    tgs_not_found,
    validation,
)
from tidewater.cloud.sim.balancers.params import (
    Params,
    action,
    attribute_value,
    check_v2_name,
    decode_marker,
    health_check,
    integer,
    page,
    page_size,
    targets,
    text_list,
)
from tidewater.cloud.sim.balancers.render import group_out
from tidewater.cloud.sim.balancers.state import (
    HTTP_ATTRIBUTES,
    TCP_ATTRIBUTES,
    BalancerState,
    elb_arn,
    hex16,
)
from tidewater.cloud.sim.kit.rows import owner_columns
from tidewater.domain.scope import Scope
from tidewater.store.tables import (
    machines,
    sim_target_groups,
    sim_targets,
)

Output = dict[str, Any]


class TargetGroups(BalancerState):
    """Target groups and the instances registered in them."""

    @action
    def elbv2_create_target_group(self, scope: Scope, params: Params) -> Output:
        name = check_v2_name(params.get("Name"), "Target group")
        target_type = params.get("TargetType") or "instance"
        if target_type != "instance":
            raise validation(f"Target type '{target_type}' is not supported")
        protocol = params.get("Protocol")
        if protocol is None:
            raise validation("A protocol must be specified")
        if protocol not in ("HTTP", "HTTPS", "TCP", "TLS", "UDP", "TCP_UDP"):
            raise validation(f"Protocol '{protocol}' is not supported")
        if params.get("Port") is None:
            raise validation("A port must be specified")
        port = integer(params.get("Port"), "port", 1, 65535)
        vpc = params.get("VpcId") or network.default_vpc(scope)
        if not isinstance(vpc, str) or not re.fullmatch(r"vpc-[0-9a-f]{8,17}", vpc):
            raise validation(f"The VPC ID '{vpc}' is not found")
        health = health_check(params, protocol)
        version = params.get("ProtocolVersion") or "HTTP1"
        settings = {
            "Protocol": protocol,
            "Port": port,
            "VpcId": vpc,
            "ProtocolVersion": version,
            "HealthCheck": health,
        }
        attributes = dict(HTTP_ATTRIBUTES if protocol in ("HTTP", "HTTPS") else TCP_ATTRIBUTES)
        with self.db.write() as conn:
            existing = conn.execute(
                select(sim_target_groups).where(
                    *self._scoped(sim_target_groups, scope), sim_target_groups.c.name == name
                )
            ).first()
            if existing is None:
                arn = elb_arn(scope, f"targetgroup/{name}/{hex16()}")
                try:
                    with conn.begin_nested():
                        conn.execute(
                            insert(sim_target_groups).values(
                                arn=arn,
                                **owner_columns(scope),
                                name=name,
                                protocol=protocol,
                                port=port,
                                vpc_id=vpc,
                                target_type=target_type,
                                health_check=health,
                                settings=settings,
                                attributes=attributes,
                                created_at=self._now(),
                            )
                        )
                except IntegrityError:  # pragma: no cover - a concurrent create won
                    pass
                existing = self._group(conn, scope, arn)
            elif existing.settings != settings:
                raise BalancerFault(
                    "DuplicateTargetGroupName",
                    f"A target group with the same name '{name}' exists, but with different "
                    "settings",
                )
            balancers = self._group_balancers(conn, scope).get(existing.arn, [])
        return {"TargetGroups": [group_out(existing, balancers)]}

    @action
    def elbv2_describe_target_groups(self, scope: Scope, params: Params) -> Output:
        arns = list(dict.fromkeys(text_list(params.get("TargetGroupArns"))))
        names = list(dict.fromkeys(text_list(params.get("Names"))))
        balancer = params.get("LoadBalancerArn")
        if sum(bool(x) for x in (arns, names, balancer)) > 1:
            raise validation(
                "Target group names, target group ARNs, and a load balancer ARN cannot be "
                "specified at the same time"
            )
        size = page_size(params)
        after = decode_marker("tg", params.get("Marker"))
        with self.db.read() as conn:
            balancers = self._group_balancers(conn, scope)
            query = select(sim_target_groups).where(*self._scoped(sim_target_groups, scope))
            if balancer is not None:
                self._balancer(conn, scope, balancer)
                attached = [arn for arn, lbs in balancers.items() if balancer in lbs]
                query = query.where(sim_target_groups.c.arn.in_(attached))
            if arns or names:
                column = sim_target_groups.c.arn if arns else sim_target_groups.c.name
                wanted = arns or names
                query = query.where(column.in_(wanted))
                found = {r._mapping[column.name] for r in conn.execute(query)}
                if any(w not in found for w in wanted):
                    raise tgs_not_found()
            if after is not None:
                query = query.where(sim_target_groups.c.name > after)
            rows = list(conn.execute(query.order_by(sim_target_groups.c.name).limit(size + 1)))
        rows, marker = page(rows, size, "tg")
        out: Output = {"TargetGroups": [group_out(r, balancers.get(r.arn, [])) for r in rows]}
        if marker is not None:
            out["NextMarker"] = marker
        return out

    @action
    def elbv2_delete_target_group(self, scope: Scope, params: Params) -> Output:
        arn = params.get("TargetGroupArn")
        if not isinstance(arn, str):
            raise validation("A target group ARN must be specified")
        with self.db.write() as conn:
            if arn in self._group_balancers(conn, scope):
                raise BalancerFault(
                    "ResourceInUse",
                    f"Target group '{arn}' is currently in use by a listener or a rule",
                )
            conn.execute(
                delete(sim_target_groups).where(
                    *self._scoped(sim_target_groups, scope), sim_target_groups.c.arn == arn
                )
            )
            conn.execute(
                delete(sim_targets).where(
                    *self._scoped(sim_targets, scope), sim_targets.c.owner == arn
                )
            )
        return {}

    def _check_targets(
        self, conn: Connection, scope: Scope, group: Row[Any], ids: Sequence[str]
    ) -> None:
        rows = {
            r.id: r
            for r in conn.execute(
                select(machines.c.id, machines.c.state, machines.c.vpc_id).where(
                    machines.c.id.in_(list(ids)), *self._scoped(machines, scope)
                )
            )
        }
        unknown = [i for i in ids if i not in rows or rows[i].state == "terminated"]
        if unknown:
            raise BalancerFault(
                "InvalidTarget",
                f"The following targets are not valid instances: {quoted(unknown)}",
            )
        idle = [i for i in ids if rows[i].state != "running"]
        if idle:
            raise BalancerFault(
                "InvalidTarget",
                "The following targets are not in a running state and cannot be registered: "
                + quoted(idle),
            )
        elsewhere = [i for i in ids if rows[i].vpc_id != group.vpc_id]
        if elsewhere:
            raise BalancerFault(
                "InvalidTarget",
                f"The following targets are not in the target group VPC '{group.vpc_id}': "
                + quoted(elsewhere),
            )

    @action
    def elbv2_register_targets(self, scope: Scope, params: Params) -> Output:
        with self.db.write() as conn:
            group = self._group(conn, scope, params.get("TargetGroupArn"))
            pairs = targets(group, params.get("Targets"))
            self._check_targets(conn, scope, group, list(dict.fromkeys(i for i, _ in pairs)))
            self._register_rows(conn, scope, "target_group", group.arn, pairs)
        return {}

    @action
    def elbv2_deregister_targets(self, scope: Scope, params: Params) -> Output:
        with self.db.write() as conn:
            group = self._group(conn, scope, params.get("TargetGroupArn"))
            pairs = targets(group, params.get("Targets"))
            for instance_id, port in pairs:
                self._deregister_rows(
                    conn, group.arn, [instance_id], self._group_drain(group), [port]
                )
        return {}

    @action
    def elbv2_describe_target_health(self, scope: Scope, params: Params) -> Output:
        now = self._now()
        with self.db.read() as conn:
            group = self._group(conn, scope, params.get("TargetGroupArn"))
            live = self._live_targets(conn, group.arn, now)
            asked = params.get("Targets")
            if asked:
                pairs = targets(group, asked)
                known = self._machines(conn, scope, [i for i, _ in pairs])
                unknown = [i for i, _ in pairs if i not in known]
                if unknown:
                    raise BalancerFault(
                        "InvalidTarget",
                        f"The following targets are not valid instances: {quoted(unknown)}",
                    )
            else:
                pairs = [(t.instance_id, t.port) for t in live]
            by_key = {(t.instance_id, t.port): t for t in live}
            states = self._machines(conn, scope, [i for i, _ in pairs])
            in_use = group.arn in self._group_balancers(conn, scope)
        out: list[Output] = []
        for instance_id, port in pairs:
            check_port = group.health_check.get("HealthCheckPort", "traffic-port")
            out.append(
                {
                    "Target": {"Id": instance_id, "Port": port},
                    "HealthCheckPort": str(port) if check_port == "traffic-port" else check_port,
                    "TargetHealth": self._target_health(
                        by_key.get((instance_id, port)), states.get(instance_id), in_use, now
                    ),
                }
            )
        return {"TargetHealthDescriptions": out}

    @action
    def elbv2_describe_target_group_attributes(self, scope: Scope, params: Params) -> Output:
        with self.db.read() as conn:
            group = self._group(conn, scope, params.get("TargetGroupArn"))
        return {"Attributes": [{"Key": k, "Value": v} for k, v in group.attributes.items()]}

    @action
    def elbv2_modify_target_group_attributes(self, scope: Scope, params: Params) -> Output:
        changes = params.get("Attributes")
        if not isinstance(changes, list) or not changes:
            raise validation("At least one attribute must be specified")
        with self.db.write() as conn:
            group = self._group(conn, scope, params.get("TargetGroupArn"))
            attributes = dict(group.attributes)
            for item in changes:
                key = item.get("Key") if isinstance(item, Mapping) else None
                value = item.get("Value") if isinstance(item, Mapping) else None
                if not isinstance(key, str) or key not in attributes:
                    raise validation(f"Target group attribute key '{key}' is not recognized")
                attributes[key] = attribute_value(key, value)
            conn.execute(
                update(sim_target_groups)
                .where(sim_target_groups.c.arn == group.arn)
                .values(attributes=attributes)
            )
        return {"Attributes": [{"Key": k, "Value": v} for k, v in attributes.items()]}
