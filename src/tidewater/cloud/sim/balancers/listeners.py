"""ELBv2 listener actions: what forwards a load balancer's traffic to which target group."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import delete, select

from tidewater.cloud.sim.balancers.faults import (
    BalancerFault,
    tgs_not_found,
    validation,
)
from tidewater.cloud.sim.balancers.params import (
    Params,
    action,
    decode_marker,
    forwarded,
    integer,
    page_size,
    text_list,
)
from tidewater.cloud.sim.balancers.render import listener_out
from tidewater.cloud.sim.balancers.state import (
    BalancerState,
    elb_arn,
    hex16,
)
from tidewater.cloud.sim.kit import paging
from tidewater.cloud.sim.kit.rows import add
from tidewater.domain.scope import Scope
from tidewater.store.tables import (
    sim_listeners,
    sim_target_groups,
)

Output = dict[str, Any]


class Listeners(BalancerState):
    """Listeners of Application and Network Load Balancers."""

    @action
    def elbv2_create_listener(self, scope: Scope, params: Params) -> Output:
        port = integer(params.get("Port"), "port", 1, 65535)
        groups = forwarded(params.get("DefaultActions"))
        with self.db.write() as conn:
            lb = self._balancer(conn, scope, params.get("LoadBalancerArn"))
            protocol = params.get("Protocol") or ("HTTP" if lb.type == "application" else "TCP")
            allowed = (
                ("HTTP", "HTTPS") if lb.type == "application" else ("TCP", "TLS", "UDP", "TCP_UDP")
            )
            if protocol not in allowed:
                raise validation(f"Protocol '{protocol}' must be one of '{', '.join(allowed)}'")
            taken = self._group_balancers(conn, scope)
            for arn in groups:
                group = conn.execute(
                    select(sim_target_groups).where(
                        *self._scoped(sim_target_groups, scope), sim_target_groups.c.arn == arn
                    )
                ).first()
                if group is None:
                    raise tgs_not_found()
                if any(other != lb.arn for other in taken.get(arn, [])):
                    raise BalancerFault(
                        "TargetGroupAssociationLimit",
                        "The following target groups cannot be associated with more than one "
                        f"load balancer: {arn}",
                    )
            existing = conn.execute(
                select(sim_listeners).where(
                    sim_listeners.c.load_balancer_arn == lb.arn, sim_listeners.c.port == port
                )
            ).first()
            data: Output = {"DefaultActions": list(params["DefaultActions"])}
            if params.get("SslPolicy"):
                data["SslPolicy"] = params["SslPolicy"]
            if params.get("Certificates"):
                data["Certificates"] = list(params["Certificates"])
            if existing is not None:
                if existing.protocol == protocol and existing.data == json.loads(json.dumps(data)):
                    return {"Listeners": [listener_out(existing)]}
                raise BalancerFault(
                    "DuplicateListener",
                    "A listener already exists on this port for this load balancer",
                )
            short = "app" if lb.type == "application" else "net"
            lb_tail = lb.arn.split(":loadbalancer/", 1)[1].split("/", 1)[1]
            arn = elb_arn(scope, f"listener/{short}/{lb_tail}/{hex16()}")
            row = add(
                conn,
                sim_listeners,
                scope,
                arn=arn,
                load_balancer_arn=lb.arn,
                port=port,
                protocol=protocol,
                target_groups=groups,
                data=data,
                created_at=self._now(),
            )
        return {"Listeners": [listener_out(row)]}

    @action
    def elbv2_describe_listeners(self, scope: Scope, params: Params) -> Output:
        arns = list(dict.fromkeys(text_list(params.get("ListenerArns"))))
        balancer = params.get("LoadBalancerArn")
        if not arns and balancer is None:
            raise validation("You must specify either listener ARNs or a load balancer ARN")
        size = page_size(params)
        after = decode_marker("listener", params.get("Marker"))
        with self.db.read() as conn:
            query = select(sim_listeners).where(*self._scoped(sim_listeners, scope))
            if balancer is not None:
                self._balancer(conn, scope, balancer)
                query = query.where(sim_listeners.c.load_balancer_arn == balancer)
            if arns:
                query = query.where(sim_listeners.c.arn.in_(arns))
                found = {r.arn for r in conn.execute(query)}
                if any(a not in found for a in arns):
                    raise BalancerFault("ListenerNotFound", "One or more listeners not found")
            if after is not None:
                query = query.where(sim_listeners.c.arn > after)
            rows = list(conn.execute(query.order_by(sim_listeners.c.arn).limit(size + 1)))
        marker = None
        if len(rows) > size:
            rows = rows[:size]
            marker = paging.encode("listener", [rows[-1].arn], padded=True)
        out: Output = {"Listeners": [listener_out(r) for r in rows]}
        if marker is not None:
            out["NextMarker"] = marker
        return out

    @action
    def elbv2_delete_listener(self, scope: Scope, params: Params) -> Output:
        arn = params.get("ListenerArn")
        with self.db.write() as conn:
            row = conn.execute(
                select(sim_listeners.c.arn).where(
                    *self._scoped(sim_listeners, scope), sim_listeners.c.arn == arn
                )
            ).first()
            if row is None:
                raise BalancerFault("ListenerNotFound", "One or more listeners not found")
            conn.execute(delete(sim_listeners).where(sim_listeners.c.arn == arn))
        return {}

    # == the engine-facing port ===============================================================
