"""ELBv2 load balancer actions: Application and Network Load Balancers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, select

from tidewater.cloud.sim import network
from tidewater.cloud.sim.balancers.faults import (
    BalancerFault,
    lbs_not_found,
    validation,
)
from tidewater.cloud.sim.balancers.params import (
    Params,
    action,
    check_v2_name,
    decode_marker,
    page,
    page_size,
    text_list,
)
from tidewater.cloud.sim.balancers.render import lb_out
from tidewater.cloud.sim.balancers.state import (
    BalancerState,
    digits,
    elb_arn,
    hex16,
)
from tidewater.cloud.sim.kit.rows import add
from tidewater.domain.scope import Scope
from tidewater.store.tables import (
    sim_listeners,
    sim_load_balancers,
)

Output = dict[str, Any]


class LoadBalancers(BalancerState):
    """Application and Network Load Balancers."""

    def _v2_subnets(self, scope: Scope, params: Params, kind: str) -> list[Any]:
        ids = text_list(params.get("Subnets"))
        mappings = params.get("SubnetMappings")
        if mappings is not None:
            if ids:
                raise validation("You can specify subnets or subnet mappings, not both")
            if not isinstance(mappings, list):
                raise validation("SubnetMappings must be a list")
            given = [m.get("SubnetId") for m in mappings if isinstance(m, Mapping)]
            ids = [i for i in given if isinstance(i, str)]
            if len(ids) != len(mappings):
                raise validation("A subnet ID must be specified for each subnet mapping")
        defaults = {s.id: s for s in network.default_subnets(scope)}
        if not ids:
            return list(defaults.values())
        for subnet_id in ids:
            if subnet_id not in defaults:
                raise BalancerFault("SubnetNotFound", f"The subnet ID '{subnet_id}' is not valid")
        subnets = [defaults[i] for i in dict.fromkeys(ids)]
        zones = {s.zone for s in subnets}
        if len(zones) != len(subnets):
            raise validation("You cannot specify multiple subnets in the same Availability Zone")
        if kind == "application" and len(subnets) < 2:
            raise validation(
                "At least two subnets in two different Availability Zones must be specified"
            )
        return subnets

    @action
    def elbv2_create_load_balancer(self, scope: Scope, params: Params) -> Output:
        name = check_v2_name(params.get("Name"), "Load balancer")
        if name.lower().startswith("internal-"):
            raise validation("Load balancer name cannot start with 'internal-'")
        kind = params.get("Type") or "application"
        if kind not in ("application", "network"):
            raise validation(f"Load balancer type '{kind}' is not supported")
        scheme = params.get("Scheme") or "internet-facing"
        if scheme not in ("internet-facing", "internal"):
            raise validation(f"Invalid scheme '{scheme}'")
        address = params.get("IpAddressType") or "ipv4"
        if address not in ("ipv4", "dualstack", "dualstack-without-public-ipv4"):
            raise validation(f"Invalid IP address type '{address}'")
        subnets = self._v2_subnets(scope, params, kind)
        groups = text_list(params.get("SecurityGroups"))
        if kind == "application" and not groups:
            groups = [network.default_security_group(scope)]
        settings = {
            "Type": kind,
            "Scheme": scheme,
            "IpAddressType": address,
            "Subnets": sorted(s.id for s in subnets),
            "SecurityGroups": sorted(groups),
        }
        with self.db.write() as conn:
            existing = self._load_balancer(conn, scope, "v2", "name", name)
            if existing is not None:
                if existing.settings != settings:
                    raise BalancerFault(
                        "DuplicateLoadBalancerName",
                        f"A load balancer with the same name '{name}' exists, but with "
                        "different settings",
                    )
                return {"LoadBalancers": [lb_out(existing)]}
            short = "app" if kind == "application" else "net"
            suffix = hex16()
            prefix = "internal-" if scheme == "internal" else ""
            if kind == "application":
                dns = f"{prefix}{name}-{digits(suffix)}.{scope.region}.elb.amazonaws.com"
            else:
                dns = f"{name}-{suffix}.elb.{scope.region}.amazonaws.com"
            row = add(
                conn,
                sim_load_balancers,
                scope,
                arn=elb_arn(scope, f"loadbalancer/{short}/{name}/{suffix}"),
                family="v2",
                name=name,
                type=kind,
                scheme=scheme,
                dns_name=dns,
                vpc_id=subnets[0].vpc_id,
                zones=[s.zone for s in subnets],
                subnets=[s.id for s in subnets],
                security_groups=groups,
                listeners=[],
                settings=settings,
                attributes={},
                created_at=self._now(),
            )
        return {"LoadBalancers": [lb_out(row)]}

    @action
    def elbv2_describe_load_balancers(self, scope: Scope, params: Params) -> Output:
        arns = list(dict.fromkeys(text_list(params.get("LoadBalancerArns"))))
        names = list(dict.fromkeys(text_list(params.get("Names"))))
        if arns and names:
            raise validation(
                "Load balancer names and load balancer ARNs cannot be specified at the same time"
            )
        size = page_size(params)
        after = decode_marker("lb", params.get("Marker"))
        with self.db.read() as conn:
            query = select(sim_load_balancers).where(
                *self._scoped(sim_load_balancers, scope), sim_load_balancers.c.family == "v2"
            )
            if arns:
                query = query.where(sim_load_balancers.c.arn.in_(arns))
                found = {r.arn for r in conn.execute(query)}
                if any(a not in found for a in arns):
                    raise lbs_not_found()
            if names:
                query = query.where(sim_load_balancers.c.name.in_(names))
                found = {r.name for r in conn.execute(query)}
                missing = [n for n in names if n not in found]
                if missing:
                    raise BalancerFault(
                        "LoadBalancerNotFound",
                        f"Load balancers '[{', '.join(missing)}]' not found",
                    )
            if after is not None:
                query = query.where(sim_load_balancers.c.name > after)
            rows = list(conn.execute(query.order_by(sim_load_balancers.c.name).limit(size + 1)))
        rows, marker = page(rows, size, "lb")
        out: Output = {"LoadBalancers": [lb_out(r) for r in rows]}
        if marker is not None:
            out["NextMarker"] = marker
        return out

    @action
    def elbv2_delete_load_balancer(self, scope: Scope, params: Params) -> Output:
        arn = params.get("LoadBalancerArn")
        if not isinstance(arn, str):
            raise validation("A load balancer ARN must be specified")
        with self.db.write() as conn:
            conn.execute(
                delete(sim_listeners).where(
                    *self._scoped(sim_listeners, scope), sim_listeners.c.load_balancer_arn == arn
                )
            )
            conn.execute(
                delete(sim_load_balancers).where(
                    *self._scoped(sim_load_balancers, scope),
                    sim_load_balancers.c.family == "v2",
                    sim_load_balancers.c.arn == arn,
                )
            )
        return {}
