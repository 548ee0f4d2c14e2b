"""SLB's load balancer actions: create, describe, change status, delete."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, exists, insert, update

from tidewater.cloud.sim import network
from tidewater.cloud.sim.compute import private_ip
from tidewater.cloud.sim.kit import paging, rpc, times
from tidewater.cloud.sim.kit.filters import exact, exact_choices
from tidewater.cloud.sim.kit.ids import resource_group
from tidewater.cloud.sim.slb.faults import (
    invalid,
    missing,
)
from tidewater.cloud.sim.slb.params import (
    ADDRESS_TYPES,
    DEFAULT_PAGE_SIZE,
    LISTED_STATUSES,
    NAME,
    NETWORK_TYPES,
    PAGE_LIMIT,
    READ,
    SPECS,
    STATUSES,
    Params,
    action,
    csv,
)
from tidewater.cloud.sim.slb.render import END_TIME, END_TIMESTAMP, backends_out, summary
from tidewater.cloud.sim.slb.state import SlbState, public_address
from tidewater.domain.scope import Scope
from tidewater.store.tables import sim_slb_backends, sim_slbs

Output = dict[str, Any]


class LoadBalancers(SlbState):
    """Load balancers themselves."""

    @action
    def create_load_balancer(self, scope: Scope, params: Params) -> Output:
        """An active load balancer: intranet ones sit in a vSwitch, internet ones are classic."""
        address_type = READ.choice(params, "AddressType", "internet", ADDRESS_TYPES)
        spec = READ.choice(params, "LoadBalancerSpec", "slb.s1.small", SPECS)
        name = rpc.value(params, "LoadBalancerName")
        if name is not None and not NAME.fullmatch(name):
            raise invalid()
        zones = network.zones(scope.region, scope.cloud)
        subnets = {s.id: s for s in self.compute.subnets(scope)}  # the default ones first
        master = rpc.value(params, "MasterZoneId")
        if master is not None and master not in zones:
            raise invalid()
        slave = rpc.value(params, "SlaveZoneId")
        if slave is not None and (slave not in zones or slave == master):
            raise invalid()
        vswitch = rpc.value(params, "VSwitchId")
        vpc = rpc.value(params, "VpcId")
        if vswitch is not None and vswitch not in subnets:
            raise invalid()
        if vpc is not None and vpc not in {s.vpc_id for s in subnets.values()}:
            raise invalid()
        if vswitch is not None and vpc is not None and subnets[vswitch].vpc_id != vpc:
            raise invalid()
        if vswitch is None and (vpc is not None or address_type == "intranet"):
            zone, vpc = master or zones[0], vpc or network.default_vpc(scope)
            vswitch = next(
                (s.id for s in subnets.values() if s.zone == zone and s.vpc_id == vpc), None
            )
            if vswitch is None:
                raise invalid()
        lb_id = self.new_id()
        if vswitch is not None:
            subnet = subnets[vswitch]
            if master is not None and master != subnet.zone:
                raise invalid()
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
            address = public_address(lb_id)
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

    @action
    def describe_load_balancers(self, scope: Scope, params: Params) -> Output:
        """One page; unknown ids are simply not listed."""
        number, size = READ.page(params, DEFAULT_PAGE_SIZE, PAGE_LIMIT)
        conditions = self._in_scope(scope)
        ids = csv(params, "LoadBalancerId")
        if ids is not None:
            conditions.append(sim_slbs.c.id.in_(ids))
        names = csv(params, "LoadBalancerName")
        if names is not None:
            conditions.append(sim_slbs.c.name.in_(names))
        conditions += exact_choices(
            params,
            (
                ("LoadBalancerStatus", sim_slbs.c.status, LISTED_STATUSES, READ.invalid),
                ("AddressType", sim_slbs.c.address_type, ADDRESS_TYPES, READ.invalid),
                ("NetworkType", sim_slbs.c.network_type, NETWORK_TYPES, READ.invalid),
            ),
        )
        conditions += exact(
            params,
            (
                ("VpcId", sim_slbs.c.vpc_id),
                ("VSwitchId", sim_slbs.c.vswitch_id),
                ("Address", sim_slbs.c.address),
                ("MasterZoneId", sim_slbs.c.master_zone),
                ("SlaveZoneId", sim_slbs.c.slave_zone),
            ),
        )
        server = rpc.value(params, "ServerId")
        if server is not None:
            conditions.append(
                exists().where(
                    sim_slb_backends.c.lb_id == sim_slbs.c.id,
                    sim_slb_backends.c.server_id == server,
                )
            )
        with self.db.read() as conn:
            order = (sim_slbs.c.created_at, sim_slbs.c.id)
            total, rows = paging.numbered_rows(conn, sim_slbs, conditions, order, number, size)
        return {
            "LoadBalancers": {"LoadBalancer": [summary(row) for row in rows]},
            "TotalCount": total,
            "PageNumber": number,
            "PageSize": size,
        }

    @action
    def describe_load_balancer_attribute(self, scope: Scope, params: Params) -> Output:
        with self.db.read() as conn:
            row = self._existing(conn, scope, params)
            backends = self._backend_rows(conn, row.id)
        return {
            **summary(row),
            "CreateTime": times.second(row.created_at),
            "EndTime": END_TIME,
            "EndTimeStamp": END_TIMESTAMP,
            "HasReservedInfo": "false",
            "Bandwidth": 5120,
            "ResourceGroupId": resource_group(scope),
            "BackendServers": backends_out(backends, weight_text=False),
            "ListenerPorts": {"ListenerPort": []},
            "ListenerPortsAndProtocol": {"ListenerPortAndProtocol": []},
            "ListenerPortsAndProtocal": {"ListenerPortAndProtocal": []},
        }

    @action
    def set_load_balancer_status(self, scope: Scope, params: Params) -> Output:
        with self.db.write() as conn:
            row = self._existing(conn, scope, params)
            status = READ.optional_choice(params, "LoadBalancerStatus", STATUSES)
            if status is None:
                raise missing("LoadBalancerStatus")
            conn.execute(update(sim_slbs).where(sim_slbs.c.id == row.id).values(status=status))
        return {}

    @action
    def delete_load_balancer(self, scope: Scope, params: Params) -> Output:
        with self.db.write() as conn:
            row = self._existing(conn, scope, params)
            conn.execute(delete(sim_slb_backends).where(sim_slb_backends.c.lb_id == row.id))
            conn.execute(delete(sim_slbs).where(sim_slbs.c.id == row.id))
        return {}
