"""EC2's VPCs, subnets, internet gateways and main route tables: users' own networks are rows,
the default VPC and its subnets stay computed and are answered first."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, delete, update

from tidewater.cloud.sim import network
from tidewater.cloud.sim.ec2.faults import (
    Ec2Fault,
    cidr_out_of_range,
    ids_not_found,
    invalid,
    missing,
)
from tidewater.cloud.sim.ec2.filters import (
    GATEWAY_FILTERS,
    ROUTE_TABLE_FILTERS,
    SUBNET_FILTERS,
    VPC_FILTERS,
)
from tidewater.cloud.sim.ec2.network_state import (
    DEFAULT_VPC_CIDR,
    Listing,
    NetworkState,
    by_ids,
    cidr_block,
    in_range,
    new_id,
    tags_for,
)
from tidewater.cloud.sim.ec2.params import Params, action
from tidewater.cloud.sim.ec2.render import (
    gateway_out,
    main_route_table_out,
    stored_subnet_out,
    stored_vpc_out,
    subnet_out,
    vpc_out,
)
from tidewater.cloud.sim.kit import dryrun
from tidewater.cloud.sim.kit.rows import add
from tidewater.domain.scope import Scope
from tidewater.store.tables import (
    sim_internet_gateways,
    sim_security_groups,
    sim_subnets,
    sim_vpcs,
)

Output = dict[str, Any]
TENANCIES = ("default", "dedicated", "host")
VPC_ATTRIBUTES = ("EnableDnsSupport", "EnableDnsHostnames", "EnableNetworkAddressUsageMetrics")
SUBNET_ATTRIBUTES = ("MapPublicIpOnLaunch", "AssignIpv6AddressOnCreation", "EnableDns64")

VPCS = Listing("Vpcs", VPC_FILTERS, (by_ids("VpcIds", "VpcId", "InvalidVpcID.NotFound", "vpc"),))
SUBNETS = Listing(
    "Subnets",
    SUBNET_FILTERS,
    (by_ids("SubnetIds", "SubnetId", "InvalidSubnetID.NotFound", "subnet"),),
)
GATEWAYS = Listing(
    "InternetGateways",
    GATEWAY_FILTERS,
    (
        by_ids(
            "InternetGatewayIds",
            "InternetGatewayId",
            "InvalidInternetGatewayID.NotFound",
            "internetGateway",
        ),
    ),
)
ROUTE_TABLES = Listing(
    "RouteTables",
    ROUTE_TABLE_FILTERS,
    (by_ids("RouteTableIds", "RouteTableId", "InvalidRouteTableID.NotFound", "routeTable"),),
    most=100,
)


class Networks(NetworkState):
    """CreateVpc to DescribeRouteTables: what test code builds before it reaches Auto Scaling."""

    # -- VPCs -----------------------------------------------------------------------------------

    @action
    def create_vpc(self, scope: Scope, params: Params) -> Output:
        text = params.get("CidrBlock")
        if text is None:
            raise missing("cidrBlock")
        block = cidr_block(text)
        if not in_range(block):
            raise cidr_out_of_range("InvalidVpc.Range", str(text))
        tenancy = params.get("InstanceTenancy") or "default"
        if tenancy not in TENANCIES:
            raise invalid(f"Value ({tenancy}) for parameter instanceTenancy is invalid.")
        tags = tags_for(params.get("TagSpecifications"), "vpc")
        dryrun.aws(params)
        with self.db.write() as conn:
            stored = add(
                conn,
                sim_vpcs,
                scope,
                id=new_id("vpc"),
                cidr=str(block),
                tenancy=tenancy,
                attributes={},
                tags=tags,
                created_at=self.clock.now(),
            )
        return {"Vpc": {**stored_vpc_out(scope, stored), "State": "pending"}}

    @action
    def delete_vpc(self, scope: Scope, params: Params) -> Output:
        with self.db.write() as conn:
            vpc = self._vpc(conn, scope, str(params["VpcId"]))
            self._check_deletable_vpc(conn, scope, vpc)
            dryrun.aws(params)
            conn.execute(delete(sim_vpcs).where(sim_vpcs.c.id == vpc.id))
            conn.execute(  # its default group, stored once its rules changed
                delete(sim_security_groups).where(sim_security_groups.c.vpc_id == vpc.id)
            )
        return {}

    @action
    def describe_vpcs(self, scope: Scope, params: Params) -> Output:
        with self.db.read() as conn:
            stored = self._owned_rows(conn, sim_vpcs, scope)
        return VPCS.answer([vpc_out(scope), *(stored_vpc_out(scope, r) for r in stored)], params)

    @action
    def modify_vpc_attribute(self, scope: Scope, params: Params) -> Output:
        chosen = {n: params[n]["Value"] for n in VPC_ATTRIBUTES if params.get(n) is not None}
        if len(chosen) != 1:
            raise invalid("Exactly one attribute must be specified.")  # inferred wording
        with self.db.write() as conn:
            vpc = self._vpc(conn, scope, str(params["VpcId"]))
            dryrun.aws(params)
            if vpc.row is None:
                return {}  # the default VPC's attributes are fixed in the sim (inferred)
            attributes = {**(vpc.row.attributes or {}), **chosen}
            conn.execute(
                update(sim_vpcs).where(sim_vpcs.c.id == vpc.id).values(attributes=attributes)
            )
        return {}

    # -- subnets --------------------------------------------------------------------------------

    @action
    def create_subnet(self, scope: Scope, params: Params) -> Output:
        text = params.get("CidrBlock")
        if text is None:
            raise missing("cidrBlock")
        block = cidr_block(text)
        zone = self._zone(scope, params)
        tags = tags_for(params.get("TagSpecifications"), "subnet")
        with self.db.write() as conn:
            vpc = self._vpc(conn, scope, str(params["VpcId"]))
            if not in_range(block) or not block.subnet_of(cidr_block(vpc.cidr)):
                raise cidr_out_of_range("InvalidSubnet.Range", str(text))
            if any(block.overlaps(cidr_block(t)) for t in self._subnet_blocks(conn, scope, vpc)):
                raise Ec2Fault(
                    "InvalidSubnet.Conflict", f"The CIDR '{text}' conflicts with another subnet"
                )
            dryrun.aws(params)
            stored = add(
                conn,
                sim_subnets,
                scope,
                id=new_id("subnet"),
                vpc_id=vpc.id,
                zone=zone,
                cidr=str(block),
                attributes={},
                tags=tags,
                created_at=self.clock.now(),
            )
        return {"Subnet": {**stored_subnet_out(scope, stored), "State": "available"}}

    @staticmethod
    def _zone(scope: Scope, params: Params) -> str:
        """The zone named, by name or id; the region's first when neither is (inferred)."""
        zones = network.zones(scope.region, scope.cloud)
        if params.get("AvailabilityZone") is not None:
            zone = str(params["AvailabilityZone"])
            if zone not in zones:
                raise invalid(
                    f"Value ({zone}) for parameter availabilityZone is invalid. Subnets can "
                    f"currently only be created in the following availability zones: "
                    f"{', '.join(zones)}."
                )
            return zone
        if params.get("AvailabilityZoneId") is not None:
            by_id = {network.zone_id(scope.region, z): z for z in zones}
            zone_id = str(params["AvailabilityZoneId"])
            if zone_id not in by_id:
                raise invalid(
                    f"Value ({zone_id}) for parameter availabilityZoneId is invalid. Subnets can "
                    f"currently only be created in the following availability zone ids: "
                    f"{', '.join(by_id)}."
                )
            return by_id[zone_id]
        return zones[0]

    @action
    def delete_subnet(self, scope: Scope, params: Params) -> Output:
        subnet_id = str(params["SubnetId"])
        with self.db.write() as conn:
            defaults = {s.id for s in network.default_subnets(scope)}
            row = self._owned_row(conn, sim_subnets, scope, subnet_id)
            if row is None and subnet_id not in defaults:
                raise ids_not_found("InvalidSubnetID.NotFound", "subnet", [subnet_id])
            if row is None or self._subnet_in_use(conn, scope, subnet_id):
                raise Ec2Fault(
                    "DependencyViolation",
                    f"The subnet '{subnet_id}' has dependencies and cannot be deleted.",
                )
            dryrun.aws(params)
            conn.execute(delete(sim_subnets).where(sim_subnets.c.id == subnet_id))
        return {}

    @action
    def describe_subnets(self, scope: Scope, params: Params) -> Output:
        with self.db.read() as conn:
            stored = self._owned_rows(conn, sim_subnets, scope)
        subnets = [subnet_out(scope, i, s) for i, s in enumerate(network.default_subnets(scope))]
        subnets += [stored_subnet_out(scope, r) for r in stored]
        return SUBNETS.answer(subnets, params)

    @action
    def modify_subnet_attribute(self, scope: Scope, params: Params) -> Output:
        chosen = {n: params[n]["Value"] for n in SUBNET_ATTRIBUTES if params.get(n) is not None}
        subnet_id = str(params["SubnetId"])
        with self.db.write() as conn:
            row = self._owned_row(conn, sim_subnets, scope, subnet_id)
            if row is None:
                if subnet_id in {s.id for s in network.default_subnets(scope)}:
                    dryrun.aws(params)
                    return {}  # the default subnets' attributes are fixed in the sim (inferred)
                raise ids_not_found("InvalidSubnetID.NotFound", "subnet", [subnet_id])
            dryrun.aws(params)
            attributes = {**(row.attributes or {}), **chosen}
            conn.execute(
                update(sim_subnets)
                .where(sim_subnets.c.id == subnet_id)
                .values(attributes=attributes)
            )
        return {}

    # -- internet gateways and route tables -----------------------------------------------------

    @action
    def create_internet_gateway(self, scope: Scope, params: Params) -> Output:
        tags = tags_for(params.get("TagSpecifications"), "internet-gateway")
        dryrun.aws(params)
        with self.db.write() as conn:
            stored = add(
                conn,
                sim_internet_gateways,
                scope,
                id=new_id("igw"),
                vpc_id=None,
                tags=tags,
                created_at=self.clock.now(),
            )
        return {"InternetGateway": gateway_out(scope, stored)}

    def _gateway(self, conn: Connection, scope: Scope, gateway_id: str) -> Row[Any]:
        row = self._owned_row(conn, sim_internet_gateways, scope, gateway_id)
        if row is None:
            raise Ec2Fault(
                "InvalidInternetGatewayID.NotFound",
                f"The internetGateway ID '{gateway_id}' does not exist",
            )
        return row

    @action
    def attach_internet_gateway(self, scope: Scope, params: Params) -> Output:
        with self.db.write() as conn:
            gateway = self._gateway(conn, scope, str(params["InternetGatewayId"]))
            vpc = self._vpc(conn, scope, str(params["VpcId"]))
            if gateway.vpc_id is not None:
                raise Ec2Fault(
                    "Resource.AlreadyAssociated",
                    f"resource {gateway.id} is already attached to network {gateway.vpc_id}",
                )
            dryrun.aws(params)
            conn.execute(
                update(sim_internet_gateways)
                .where(sim_internet_gateways.c.id == gateway.id)
                .values(vpc_id=vpc.id)
            )
        return {}

    @action
    def detach_internet_gateway(self, scope: Scope, params: Params) -> Output:
        with self.db.write() as conn:
            gateway = self._gateway(conn, scope, str(params["InternetGatewayId"]))
            vpc_id = str(params["VpcId"])
            if gateway.vpc_id != vpc_id:
                raise Ec2Fault(
                    "Gateway.NotAttached",
                    f"resource {gateway.id} is not attached to network {vpc_id}",
                )
            dryrun.aws(params)
            conn.execute(
                update(sim_internet_gateways)
                .where(sim_internet_gateways.c.id == gateway.id)
                .values(vpc_id=None)
            )
        return {}

    @action
    def delete_internet_gateway(self, scope: Scope, params: Params) -> Output:
        with self.db.write() as conn:
            gateway = self._gateway(conn, scope, str(params["InternetGatewayId"]))
            if gateway.vpc_id is not None:
                raise Ec2Fault(
                    "DependencyViolation",
                    f"The internetGateway '{gateway.id}' has dependencies and cannot be deleted.",
                )
            dryrun.aws(params)
            conn.execute(
                delete(sim_internet_gateways).where(sim_internet_gateways.c.id == gateway.id)
            )
        return {}

    @action
    def describe_internet_gateways(self, scope: Scope, params: Params) -> Output:
        with self.db.read() as conn:
            rows = self._owned_rows(conn, sim_internet_gateways, scope)
        return GATEWAYS.answer([gateway_out(scope, r) for r in rows], params)

    @action
    def describe_route_tables(self, scope: Scope, params: Params) -> Output:
        """Each VPC's main route table, computed from the VPC: the sim keeps no other."""
        with self.db.read() as conn:
            stored = self._owned_rows(conn, sim_vpcs, scope)
        vpcs = [(network.default_vpc(scope), DEFAULT_VPC_CIDR), *((r.id, r.cidr) for r in stored)]
        return ROUTE_TABLES.answer([main_route_table_out(scope, v, c) for v, c in vpcs], params)
