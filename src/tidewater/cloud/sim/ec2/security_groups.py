"""EC2's security groups: each VPC's default group stays computed, the groups users create are
rows carrying their ingress and egress rules."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, Row, delete, select, update

from tidewater.cloud.sim import network
from tidewater.cloud.sim.ec2.faults import Ec2Fault, invalid
from tidewater.cloud.sim.ec2.filters import GROUP_FILTERS, RULE_FILTERS
from tidewater.cloud.sim.ec2.network_state import (
    Choice,
    Listing,
    NetworkState,
    new_id,
    tags_for,
)
from tidewater.cloud.sim.ec2.params import Params, action, unique
from tidewater.cloud.sim.ec2.render import (
    default_group_out,
    group_rule_out,
    stored_group_out,
)
from tidewater.cloud.sim.kit import dryrun
from tidewater.cloud.sim.kit.rows import add, owned
from tidewater.cloud.sim.network import default_group_id
from tidewater.domain.scope import Scope
from tidewater.store.tables import machines, sim_security_groups, sim_vpcs

Output = dict[str, Any]
Rule = dict[str, Any]
PROTOCOLS = {"tcp": "tcp", "6": "tcp", "udp": "udp", "17": "udp", "icmp": "icmp", "1": "icmp"}
DEFAULT_DESCRIPTION = "default VPC security group"


def _no_such_group(ids: list[str]) -> Ec2Fault:
    return Ec2Fault("InvalidGroup.NotFound", f"The security group '{ids[0]}' does not exist")


def _no_such_rule(ids: list[str]) -> Ec2Fault:
    return Ec2Fault(
        "InvalidSecurityGroupRuleId.NotFound",
        f"The security group rule ID '{ids[0]}' does not exist",
    )  # inferred wording


GROUPS = Listing("SecurityGroups", GROUP_FILTERS, (Choice("GroupIds", "GroupId", _no_such_group),))
RULES = Listing(
    "SecurityGroupRules",
    RULE_FILTERS,
    (Choice("SecurityGroupRuleIds", "SecurityGroupRuleId", _no_such_rule),),
)
PROTOCOLS.update({"-1": "-1", "all": "-1", "icmpv6": "icmpv6", "58": "icmpv6"})


class SecurityGroups(NetworkState):
    """CreateSecurityGroup to DescribeSecurityGroupRules."""

    @action
    def create_security_group(self, scope: Scope, params: Params) -> Output:
        name = str(params["GroupName"])
        description = str(params["Description"])
        if name == "default":
            raise invalid("Cannot use reserved security group name: default")  # inferred
        if name.startswith("sg-"):
            raise invalid("Group names may not be in the format sg-*.")
        if len(name) > 255 or len(description) > 255:
            raise invalid("Group names and descriptions are limited to 255 characters.")
        tags = tags_for(params.get("TagSpecifications"), "security-group")
        with self.db.write() as conn:
            vpc = self._vpc(conn, scope, str(params.get("VpcId") or network.default_vpc(scope)))
            clash = conn.execute(
                select(sim_security_groups.c.id).where(
                    *owned(sim_security_groups, scope),
                    sim_security_groups.c.vpc_id == vpc.id,
                    sim_security_groups.c.name == name,
                )
            ).first()
            if clash is not None:
                raise Ec2Fault(
                    "InvalidGroup.Duplicate",
                    f"The security group '{name}' already exists for VPC '{vpc.id}'",
                )
            dryrun.aws(params)
            group_id = new_id("sg")
            self._store(conn, scope, group_id, vpc.id, name, description, [], tags)
        arn = f"arn:aws:ec2:{scope.region}:{scope.account}:security-group/{group_id}"
        out: Output = {"GroupId": group_id, "SecurityGroupArn": arn}
        return {**out, "Tags": tags} if tags else out

    def _group(
        self, conn: Connection, scope: Scope, params: Params, *, deleting: bool = False
    ) -> Row[Any]:
        """The group named by GroupId, or by GroupName in the default VPC; a VPC's default group
        becomes a row the first time its rules change."""
        query = select(sim_security_groups).where(*owned(sim_security_groups, scope))
        group_id, name = params.get("GroupId"), params.get("GroupName")
        default_vpc = network.default_vpc(scope)
        if group_id:
            row = conn.execute(query.where(sim_security_groups.c.id == group_id)).first()
            shown = str(group_id)
        elif name:
            row = conn.execute(
                query.where(
                    sim_security_groups.c.vpc_id == default_vpc,
                    sim_security_groups.c.name == name,
                )
            ).first()
            shown = str(name)
        else:
            raise Ec2Fault(
                "MissingParameter", "The request must contain the parameter groupName or groupId"
            )
        defaults = self._default_groups(conn, scope)
        is_default = (row is not None and row.name == "default") or shown in defaults
        if deleting and (is_default or (name == "default" and not group_id)):
            group = row.id if row is not None else shown
            if group not in defaults and row is None:
                group = default_group_id(scope, default_vpc)
            raise Ec2Fault(
                "CannotDelete",
                f'the specified group: "{group}" name: "default" cannot be deleted by a user',
            )
        if row is None and not group_id and name == "default":
            shown = default_group_id(scope, default_vpc)
        if row is None and shown in defaults:
            row = self._keep_default(conn, scope, shown, defaults[shown])
        if row is None:
            raise Ec2Fault("InvalidGroup.NotFound", f"The security group '{shown}' does not exist")
        return row

    def _keep_default(self, conn: Connection, scope: Scope, group_id: str, vpc_id: str) -> Row[Any]:
        """Stores a VPC's default group with the rules it was computed with."""
        ingress: Rule = {"id": new_id("sgr"), "protocol": "-1", "group": group_id}
        return self._store(
            conn, scope, group_id, vpc_id, "default", DEFAULT_DESCRIPTION, [ingress], []
        )

    def _store(
        self,
        conn: Connection,
        scope: Scope,
        group_id: str,
        vpc_id: str,
        name: str,
        description: str,
        ingress: list[Rule],
        tags: list[dict[str, str]],
    ) -> Row[Any]:
        """A new group row; every group starts allowing all traffic out, as EC2's do."""
        everywhere: Rule = {"id": new_id("sgr"), "protocol": "-1", "cidr": "0.0.0.0/0"}
        return add(
            conn,
            sim_security_groups,
            scope,
            id=group_id,
            vpc_id=vpc_id,
            name=name,
            description=description,
            ingress=ingress,
            egress=[everywhere],
            tags=tags,
            created_at=self.clock.now(),
        )

    def _default_groups(self, conn: Connection, scope: Scope) -> dict[str, str]:
        """Each VPC's default group id → its VPC."""
        vpcs = [network.default_vpc(scope)]
        vpcs += [r.id for r in conn.execute(select(sim_vpcs.c.id).where(*owned(sim_vpcs, scope)))]
        return {default_group_id(scope, v): v for v in vpcs}

    @action
    def delete_security_group(self, scope: Scope, params: Params) -> Output:
        with self.db.write() as conn:
            row = self._group(conn, scope, params, deleting=True)
            users = conn.execute(
                select(machines.c.security_groups).where(
                    *self._in_scope(scope), machines.c.state != "terminated"
                )
            )
            if any(row.id in (groups or []) for (groups,) in users):
                raise Ec2Fault("DependencyViolation", f"resource {row.id} has a dependent object")
            dryrun.aws(params)
            conn.execute(delete(sim_security_groups).where(sim_security_groups.c.id == row.id))
        return {"Return": True, "GroupId": row.id}

    @action
    def authorize_security_group_ingress(self, scope: Scope, params: Params) -> Output:
        return self._authorize(scope, params, "ingress")

    @action
    def authorize_security_group_egress(self, scope: Scope, params: Params) -> Output:
        return self._authorize(scope, params, "egress")

    @action
    def revoke_security_group_ingress(self, scope: Scope, params: Params) -> Output:
        return self._revoke(scope, params, "ingress")

    @action
    def revoke_security_group_egress(self, scope: Scope, params: Params) -> Output:
        return self._revoke(scope, params, "egress")

    def _authorize(self, scope: Scope, params: Params, way: str) -> Output:
        asked = rules_of(params)
        with self.db.write() as conn:
            row = self._group(conn, scope, params)
            kept: list[Rule] = list(getattr(row, way) or [])
            for rule in asked:
                if any(same(rule, k) for k in kept):
                    raise Ec2Fault(
                        "InvalidPermission.Duplicate",
                        f'the specified rule "{described(rule)}" already exists',
                    )
            dryrun.aws(params)
            added = [{**rule, "id": new_id("sgr")} for rule in asked]
            conn.execute(
                update(sim_security_groups)
                .where(sim_security_groups.c.id == row.id)
                .values({way: [*kept, *added]})
            )
        return {
            "Return": True,
            "SecurityGroupRules": [
                group_rule_out(scope, row.id, r, way == "egress") for r in added
            ],
        }

    def _revoke(self, scope: Scope, params: Params, way: str) -> Output:
        rule_ids = unique(params.get("SecurityGroupRuleIds") or [])
        asked = [] if rule_ids and not params.get("IpPermissions") else rules_of(params)
        with self.db.write() as conn:
            row = self._group(conn, scope, params)
            kept: list[Rule] = list(getattr(row, way) or [])
            for rule_id in rule_ids:
                if not any(k["id"] == rule_id for k in kept):
                    raise Ec2Fault(
                        "InvalidSecurityGroupRuleId.NotFound",
                        f"The security group rule ID '{rule_id}' does not exist",
                    )  # inferred wording
            for rule in asked:
                if not any(same(rule, k) for k in kept):
                    raise Ec2Fault(
                        "InvalidPermission.NotFound",
                        "The specified rule does not exist in this security group.",
                    )
            dryrun.aws(params)
            left = [
                k for k in kept if k["id"] not in rule_ids and not any(same(r, k) for r in asked)
            ]
            conn.execute(
                update(sim_security_groups)
                .where(sim_security_groups.c.id == row.id)
                .values({way: left})
            )
        return {"Return": True}

    @action
    def describe_security_groups(self, scope: Scope, params: Params) -> Output:
        with self.db.read() as conn:
            vpcs = [r.id for r in self._owned_rows(conn, sim_vpcs, scope)]
            rows = self._owned_rows(conn, sim_security_groups, scope)
        stored = {r.id for r in rows}
        defaults = [default_group_id(scope, v) for v in [network.default_vpc(scope), *vpcs]]
        groups = [
            default_group_out(scope, v)
            for v, g in zip([network.default_vpc(scope), *vpcs], defaults, strict=True)
            if g not in stored
        ]
        groups += [stored_group_out(scope, r) for r in rows]
        names = unique(params.get("GroupNames") or [])
        if names:  # names reach only the default VPC's groups, answered in the order asked
            vpc = network.default_vpc(scope)
            in_default = {g["GroupName"]: g for g in groups if g["VpcId"] == vpc}
            missing = [n for n in names if n not in in_default]
            if missing:
                raise Ec2Fault(
                    "InvalidGroup.NotFound",
                    f"The security group '{missing[0]}' does not exist in default VPC '{vpc}'",
                )
            groups = [in_default[n] for n in names]
        return GROUPS.answer(groups, params)

    @action
    def describe_security_group_rules(self, scope: Scope, params: Params) -> Output:
        with self.db.read() as conn:
            rows = self._owned_rows(conn, sim_security_groups, scope)
        rules = [
            group_rule_out(scope, row.id, rule, egress)
            for row in rows
            for egress, way in ((False, row.ingress), (True, row.egress))
            for rule in way or []
        ]
        return RULES.answer(rules, params)


# -- rules ----------------------------------------------------------------------------------------


def rules_of(params: Params) -> list[Rule]:
    """One rule per peer of each IpPermissions entry, or of the flat CidrIp form."""
    permissions = list(params.get("IpPermissions") or [])
    if not permissions and params.get("IpProtocol") is not None:
        flat = {k: params.get(k) for k in ("IpProtocol", "FromPort", "ToPort")}
        if params.get("CidrIp"):
            flat["IpRanges"] = [{"CidrIp": params["CidrIp"]}]
        if params.get("SourceSecurityGroupName"):
            flat["UserIdGroupPairs"] = [{"GroupName": params["SourceSecurityGroupName"]}]
        permissions = [flat]
    if not permissions:
        raise Ec2Fault("MissingParameter", "No inbound rule specified.")  # inferred wording
    rules: list[Rule] = []
    for permission in permissions:
        protocol, low, high = _ports(permission)
        base: Rule = {"protocol": protocol, "from": low, "to": high}
        for peer in permission.get("IpRanges") or []:
            rules.append({**base, "cidr": _cidr(peer.get("CidrIp")), **_text(peer)})
        for peer in permission.get("Ipv6Ranges") or []:
            rules.append({**base, "cidr6": str(peer.get("CidrIpv6")), **_text(peer)})
        for peer in permission.get("UserIdGroupPairs") or []:
            group = peer.get("GroupId") or peer.get("GroupName")
            rules.append({**base, "group": str(group), **_text(peer)})
        for peer in permission.get("PrefixListIds") or []:
            rules.append({**base, "prefix": str(peer.get("PrefixListId")), **_text(peer)})
        peers = ("IpRanges", "Ipv6Ranges", "UserIdGroupPairs", "PrefixListIds")
        if not any(permission.get(k) for k in peers):
            raise invalid("The request must contain a source or destination.")  # inferred
    return rules


def _ports(permission: Mapping[str, Any]) -> tuple[str, int | None, int | None]:
    text = str(permission.get("IpProtocol") or "").lower()
    protocol = PROTOCOLS.get(text)
    if protocol is None:
        raise invalid(
            f"Invalid value '{permission.get('IpProtocol')}' for IP protocol. Unknown protocol."
        )
    if protocol == "-1":
        return protocol, None, None
    low, high = permission.get("FromPort"), permission.get("ToPort")
    ports_ok = low is not None and high is not None and 0 <= low <= high <= 65535
    if protocol in ("tcp", "udp") and not ports_ok:
        raise invalid("Invalid TCP/UDP port range")  # inferred wording
    return protocol, low, high


def _cidr(text: Any) -> str:
    try:
        return str(ipaddress.IPv4Network(str(text), strict=False))
    except ValueError:
        raise invalid(f"CIDR block {text} is malformed") from None


def _text(peer: Mapping[str, Any]) -> dict[str, str]:
    return {"description": str(peer["Description"])} if peer.get("Description") else {}


def same(a: Rule, b: Rule) -> bool:
    keys = ("protocol", "from", "to", "cidr", "cidr6", "group", "prefix")
    return all(a.get(k) == b.get(k) for k in keys)


def described(rule: Rule) -> str:
    """EC2's wording of a rule in InvalidPermission.Duplicate."""
    peer = rule.get("cidr") or rule.get("cidr6") or rule.get("group") or rule.get("prefix")
    protocol = "ALL" if rule["protocol"] == "-1" else str(rule["protocol"]).upper()
    if rule["protocol"] == "-1":
        return f"peer: {peer}, {protocol}, ALLOW"
    return f"peer: {peer}, {protocol}, from port: {rule['from']}, to port: {rule['to']}, ALLOW"
