"""EC2's networks as rows: VPCs, subnets, security groups, gateways and key pairs users create,
beside the default VPC that stays computed. Which CIDR fits where, and what blocks a deletion."""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from sqlalchemy import Connection, Row, Table, exists, select, update

from tidewater.cloud.ports import Subnet
from tidewater.cloud.sim import network
from tidewater.cloud.sim.ec2.faults import (
    Ec2Fault,
    bad_cidr,
    dependency,
    ids_not_found,
    invalid_filter,
)
from tidewater.cloud.sim.ec2.params import Params, parse_filters, static_page, unique
from tidewater.cloud.sim.ec2.state import Ec2State
from tidewater.cloud.sim.kit import cidr, dryrun
from tidewater.cloud.sim.kit.filters import Reader, in_memory
from tidewater.cloud.sim.kit.rows import owned
from tidewater.cloud.sim.network import default_group_id
from tidewater.domain.scope import Scope
from tidewater.store.tables import (
    machines,
    sim_images,
    sim_internet_gateways,
    sim_key_pairs,
    sim_security_groups,
    sim_subnets,
    sim_vpcs,
)

DEFAULT_VPC_CIDR = "172.31.0.0/16"
SMALLEST, LARGEST = 28, 16  # the prefix lengths a VPC or subnet may have


def new_id(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(9)[:17]}"


def cidr_block(text: Any) -> ipaddress.IPv4Network:
    """A dotted-quad CIDR; host bits are dropped as EC2 does (inferred)."""
    block = cidr.parse(text)
    if block is None:
        raise bad_cidr(str(text))
    return block


def in_range(block: ipaddress.IPv4Network) -> bool:
    return LARGEST <= block.prefixlen <= SMALLEST


class Vpc:
    """One VPC as the handlers see it: the computed default or a stored row."""

    def __init__(self, vpc_id: str, cidr: str, row: Row[Any] | None = None) -> None:
        self.id = vpc_id
        self.cidr = cidr
        self.row = row

    @property
    def is_default(self) -> bool:
        return self.row is None


class NetworkState(Ec2State):
    """The stored networks of an account and region, and the default VPC computed beside them."""

    def _vpc(self, conn: Connection, scope: Scope, vpc_id: str) -> Vpc:
        if vpc_id == network.default_vpc(scope):
            return Vpc(vpc_id, DEFAULT_VPC_CIDR)
        row = self._owned_row(conn, sim_vpcs, scope, vpc_id)
        if row is None:
            raise ids_not_found("InvalidVpcID.NotFound", "vpc", [vpc_id])
        return Vpc(row.id, row.cidr, row)

    @staticmethod
    def _owned_row(conn: Connection, table: Table, scope: Scope, row_id: str) -> Row[Any] | None:
        query = select(table).where(*owned(table, scope), table.c.id == row_id)
        return conn.execute(query).first()

    @staticmethod
    def _owned_rows(conn: Connection, table: Table, scope: Scope) -> list[Row[Any]]:
        query = select(table).where(*owned(table, scope)).order_by(table.c.created_at, table.c.id)
        return list(conn.execute(query).all())

    def _subnet_blocks(self, conn: Connection, scope: Scope, vpc: Vpc) -> list[str]:
        """The CIDRs already taken in a VPC: the default subnets' or the stored ones'."""
        taken = [
            r.cidr
            for r in conn.execute(
                select(sim_subnets.c.cidr).where(
                    *owned(sim_subnets, scope), sim_subnets.c.vpc_id == vpc.id
                )
            )
        ]
        if vpc.is_default:
            taken += [network.subnet_cidr(i) for i in range(len(network.default_subnets(scope)))]
        return taken

    def _vpc_in_use(self, conn: Connection, scope: Scope, vpc_id: str) -> bool:
        """Subnets, an attached gateway, non-default groups or instances keep a VPC."""
        blockers = (
            exists().where(*owned(sim_subnets, scope), sim_subnets.c.vpc_id == vpc_id),
            exists().where(
                *owned(sim_internet_gateways, scope), sim_internet_gateways.c.vpc_id == vpc_id
            ),
            exists().where(
                *owned(sim_security_groups, scope),
                sim_security_groups.c.vpc_id == vpc_id,
                sim_security_groups.c.name != "default",
            ),
            exists().where(*self._in_scope(scope), machines.c.vpc_id == vpc_id, _alive()),
        )
        return any(conn.execute(select(b)).scalar() for b in blockers)

    def _subnet_in_use(self, conn: Connection, scope: Scope, subnet_id: str) -> bool:
        query = select(
            exists().where(*self._in_scope(scope), machines.c.subnet_id == subnet_id, _alive())
        )
        return bool(conn.execute(query).scalar())

    def _check_deletable_vpc(self, conn: Connection, scope: Scope, vpc: Vpc) -> None:
        if vpc.is_default or self._vpc_in_use(conn, scope, vpc.id):
            raise dependency("vpc", vpc.id)


# -- describes: one pipeline for every network listing ------------------------------------------

Item = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Choice:
    """A list of names a describe may be limited to (`VpcIds`), the member of an item each one
    names, and the refusal of the unknown ones, all named together."""

    key: str
    member: str
    unknown: Callable[[list[str]], Ec2Fault]


def by_ids(key: str, member: str, code: str, noun: str) -> Choice:
    """The usual choice: unknown ids are refused with EC2's `The vpc ID '…' does not exist`."""
    return Choice(key, member, partial(ids_not_found, code, noun))


@dataclass(frozen=True, slots=True)
class Listing:
    """One describe of network resources as data: the member it answers in, the names it may be
    limited to, its filters and its largest page (None: the action takes no MaxResults)."""

    out: str
    filters: Mapping[str, Reader]
    choices: tuple[Choice, ...] = ()
    most: int | None = 1000

    def answer(self, items: list[Item], params: Params) -> Item:
        """Items chosen by name in listing order (every unknown name refused first), filtered,
        then one page of them (an offset into the listing, as for the catalogues); the dry run
        answers after the checks."""
        chosen = [(c, unique(params.get(c.key) or [])) for c in self.choices]
        for choice, asked in chosen:
            unknown = [a for a in asked if a not in {item[choice.member] for item in items}]
            if unknown:
                raise choice.unknown(unknown)
        for choice, asked in chosen:
            items = [item for item in items if not asked or item[choice.member] in asked]
        items = in_memory(items, parse_filters(params), self.filters, invalid_filter)
        token = None
        if self.most is not None:
            items, token = static_page(items, params, self.out, 5, self.most)
        dryrun.aws(params)
        return {self.out: items, "NextToken": token} if token else {self.out: items}


def _alive() -> Any:
    return machines.c.state != "terminated"


def tags_for(specs: Sequence[Mapping[str, Any]] | None, kind: str) -> list[dict[str, str]]:
    """The Tags of a creation's TagSpecifications naming this resource type."""
    tags: dict[str, str] = {}
    for spec in specs or []:
        if spec.get("ResourceType") != kind:
            raise Ec2Fault(
                "InvalidParameterValue",
                f"'{spec.get('ResourceType')}' is not a valid taggable resource type for this "
                "operation.",
            )
        for tag in spec.get("Tags") or []:
            tags[str(tag.get("Key", ""))] = str(tag.get("Value", ""))
    return [{"Key": k, "Value": v} for k, v in tags.items()]


# -- tags on network resources: CreateTags and DeleteTags reach them by id prefix ----------------

TAGGED_ROWS: dict[str, tuple[Table, str, str]] = {
    "vpc-": (sim_vpcs, "InvalidVpcID.NotFound", "vpc"),
    "subnet-": (sim_subnets, "InvalidSubnetID.NotFound", "subnet"),
    "sg-": (sim_security_groups, "InvalidGroup.NotFound", "security group"),
    "igw-": (sim_internet_gateways, "InvalidInternetGatewayID.NotFound", "internetGateway"),
    "key-": (sim_key_pairs, "InvalidKeyPair.NotFound", "key pair"),
    "ami-": (sim_images, "InvalidAMIID.NotFound", "image"),
}


def is_network_id(resource: str) -> bool:
    return any(resource.startswith(prefix) for prefix in TAGGED_ROWS)


def retag(
    conn: Connection,
    scope: Scope,
    ids: Sequence[str],
    change: Callable[[list[dict[str, str]]], list[dict[str, str]]],
) -> None:
    """Applies `change` to the tags of each stored network resource named; the computed defaults
    keep none, so tagging them changes nothing (inferred)."""
    computed = {
        network.default_vpc(scope),
        network.default_security_group(scope),
        *(s.id for s in network.default_subnets(scope)),
    }
    found: list[tuple[Table, Any]] = []
    for resource in ids:
        if resource in computed:
            continue
        table, code, noun = next(v for p, v in TAGGED_ROWS.items() if resource.startswith(p))
        row = conn.execute(
            select(table.c.id, table.c.tags).where(*owned(table, scope), table.c.id == resource)
        ).first()
        if row is None and resource.startswith("sg-"):
            continue  # a VPC's default group, computed until its rules change
        if row is None:
            raise ids_not_found(code, noun, [resource])
        found.append((table, row))
    for table, kept in found:
        tags = change(list(kept.tags or []))
        conn.execute(update(table).where(table.c.id == kept.id).values(tags=tags))


def check_groups(conn: Connection, scope: Scope, groups: Sequence[str], subnet: Subnet) -> None:
    """Every security group an instance is launched with exists and is in its subnet's VPC."""
    vpcs = [network.default_vpc(scope)]
    vpcs += [r.id for r in conn.execute(select(sim_vpcs.c.id).where(*owned(sim_vpcs, scope)))]
    known = {default_group_id(scope, v): v for v in vpcs}
    known |= {
        r.id: r.vpc_id
        for r in conn.execute(
            select(sim_security_groups.c.id, sim_security_groups.c.vpc_id).where(
                *owned(sim_security_groups, scope),
                sim_security_groups.c.id.in_([g for g in groups if g.startswith("sg-")]),
            )
        )
    }
    for group in groups:
        if not group.startswith("sg-"):
            continue  # a group name: the sim takes it as it always has
        if group not in known:
            raise Ec2Fault(
                "InvalidGroup.NotFound",
                f"The security group '{group}' does not exist in VPC '{subnet.vpc_id}'",
            )
        if known[group] != subnet.vpc_id:
            raise Ec2Fault(
                "InvalidParameter",
                f"Security group {group} and subnet {subnet.id} belong to different networks.",
            )
