"""EC2's instance actions: RunInstances, DescribeInstances, Terminate/Stop/Start and tags."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Row,
    and_,
    delete,
    false,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from tidewater.cloud.ports import LaunchSpec, Subnet
from tidewater.cloud.sim import network
from tidewater.cloud.sim.compute import SSM_REFERENCE, by_token, launched_attributes
from tidewater.cloud.sim.ec2.faults import (
    Ec2Fault,
    combination,
    ids_not_found,
    image_gone,
    image_not_found,
    image_pending,
    invalid,
    invalid_id,
    malformed_image_id,
    missing,
)
from tidewater.cloud.sim.ec2.filters import instance_filter, tag_filter
from tidewater.cloud.sim.ec2.network_state import (
    check_groups,
    is_network_id,
    retag,
)
from tidewater.cloud.sim.ec2.params import (
    DEFAULT_INSTANCE_TYPE,
    IMAGE_ID,
    TAGGABLE_ON_RUN,
    Launch,
    Params,
    action,
    check_instance_ids,
    client_token,
    counts,
    instance_tags,
    key_name,
    merge,
    parse_filters,
    sql_page,
    unique,
)
from tidewater.cloud.sim.ec2.render import changes, reservations
from tidewater.cloud.sim.ec2.state import (
    GONE,
    Ec2State,
    mark_started,
    may_start,
    may_stop,
    may_terminate,
    template_row,
    version_data,
    version_number,
)
from tidewater.cloud.sim.instance_types import instance_kind
from tidewater.cloud.sim.kit import dryrun, paging
from tidewater.cloud.sim.kit.tags import aws_tags, machine_tags_of
from tidewater.domain.scope import Scope
from tidewater.store.tables import machine_tags, machines

Output = dict[str, Any]

INSTANCE_ORDER: paging.Order = ((machines.c.launched_at, False), (machines.c.id, False))
TAG_ORDER: paging.Order = ((machine_tags.c.machine_id, False), (machine_tags.c.key, False))


class Instances(Ec2State):
    """Instances and their tags, over the machines SimCompute keeps."""

    # -- RunInstances ---------------------------------------------------------------------------

    @action
    def run_instances(self, scope: Scope, params: Params) -> Output:
        """Launches MinCount..MaxCount instances at once; a repeated ClientToken replays."""
        _, count = counts(params)
        with self.db.read() as conn:
            data, template = self._launch_data(conn, scope, params)
            subnet = self._subnet(conn, scope, data)
            groups = network.launch_groups(scope, network.named_groups(data), subnet.vpc_id)
            check_groups(conn, scope, groups, subnet)
        launch = self._launch(scope, params, data, template, subnet, count)
        dryrun.aws(params)
        return self._launch_once(scope, launch)

    def _launch_data(
        self, conn: Connection, scope: Scope, params: Params
    ) -> tuple[dict[str, Any], tuple[str, int] | None]:
        """The request's members over its launch template's data, and which version was used."""
        reference = params.get("LaunchTemplate")
        if not reference:
            return merge({}, params), None
        row = template_row(
            conn, scope, reference.get("LaunchTemplateId"), reference.get("LaunchTemplateName")
        )
        number = version_number(row, reference.get("Version") or "$Default")
        data = version_data(conn, row, number)
        merged = merge(data, params)
        merged["TagSpecifications"] = [
            *(data.get("TagSpecifications") or []),
            *(params.get("TagSpecifications") or []),
        ]
        return merged, (row.id, number)

    def _launch(
        self,
        scope: Scope,
        params: Params,
        data: Mapping[str, Any],
        template: tuple[str, int] | None,
        subnet: Subnet,
        count: int,
    ) -> Launch:
        image_id = self._checked_image(scope, data.get("ImageId"))
        instance_type = str(data.get("InstanceType") or DEFAULT_INSTANCE_TYPE)
        if instance_kind(instance_type) is None:
            raise invalid(f"Invalid value '{instance_type}' for InstanceType.")
        tags = instance_tags(data.get("TagSpecifications") or [], TAGGABLE_ON_RUN)
        if template is not None:
            tags.update(
                {
                    "aws:ec2launchtemplate:id": template[0],
                    "aws:ec2launchtemplate:version": str(template[1]),
                }
            )
        key = key_name(data)
        if key is not None and not self.compute.key_pair_exists(scope, key):
            raise Ec2Fault("InvalidKeyPair.NotFound", f"The key pair '{key}' does not exist")
        spec = LaunchSpec(
            image_id=image_id,
            instance_type=instance_type,
            key_name=key,
            security_groups=network.launch_groups(scope, network.named_groups(data), subnet.vpc_id),
            template_id=template[0] if template else None,
            template_version=str(template[1]) if template else None,
            tags=tags,
        )
        attributes = {
            **launched_attributes(data),
            "disable_api_termination": bool(data.get("DisableApiTermination")),
        }
        return Launch(spec, subnet, count, client_token(params), attributes)

    def _checked_image(self, scope: Scope, image_id: Any) -> str:
        if not image_id:
            raise missing("ImageId")
        if str(image_id).startswith(SSM_REFERENCE):
            resolved = self.compute.resolve_image(scope, str(image_id))
            if resolved is None:
                # inferred wording: EC2's InvalidParameterValue for an ImageId it cannot use
                raise invalid(
                    f"Invalid value '{image_id}' for ImageId. Systems Manager parameter "
                    "could not be resolved."
                )
            image_id = resolved
        if not IMAGE_ID.fullmatch(str(image_id)):
            raise malformed_image_id(str(image_id))
        image = self.compute.image(scope, str(image_id))
        if image is None:
            raise image_not_found([str(image_id)])
        if image.state == "deregistered":
            raise image_gone(image.id)
        if image.state == "pending":
            raise image_pending(image.id)
        return str(image_id)

    def _subnet(self, conn: Connection, scope: Scope, data: Mapping[str, Any]) -> Subnet:
        """SubnetId (any subnet, the user's too) wins, then Placement.AvailabilityZone, then the
        default subnet of the zone with fewest instances."""
        subnets = network.default_subnets(scope)
        subnet_id = data.get("SubnetId") or network.primary_interface(data).get("SubnetId")
        zone = (data.get("Placement") or {}).get("AvailabilityZone")
        if subnet_id:
            for subnet in self.compute.subnets(scope, conn):
                if subnet.id == subnet_id:
                    return subnet
            raise ids_not_found("InvalidSubnetID.NotFound", "subnet", [subnet_id])
        if zone:
            for subnet in subnets:
                if subnet.zone == zone:
                    return subnet
            raise invalid(f"Invalid value '{zone}' for AvailabilityZone.")
        busy: dict[str, int] = {
            zone: count
            for zone, count in conn.execute(
                select(machines.c.zone, func.count())
                .where(*self._in_scope(scope), machines.c.state.not_in(GONE))
                .group_by(machines.c.zone)
            )
        }
        return min(subnets, key=lambda s: busy.get(s.zone, 0))

    def _launch_once(self, scope: Scope, launch: Launch) -> Output:
        """A concurrent twin with the same ClientToken loses the insert and replays the winner."""
        try:
            with self.db.write() as conn:
                rows = self._replay(conn, scope, launch.token) if launch.token else None
                if not rows:
                    rows = self._insert(conn, scope, launch)
                tags = machine_tags_of(conn, [r.id for r in rows])
        except IntegrityError:
            if launch.token is None:
                raise
            with self.db.read() as conn:
                rows = self._replay(conn, scope, launch.token)
                if not rows:
                    raise
                tags = machine_tags_of(conn, [r.id for r in rows])
        return reservations(scope, rows, tags)[0]

    def _replay(self, conn: Connection, scope: Scope, token: str) -> list[Row[Any]] | None:
        first = by_token(conn, scope, token)
        if first is None:
            return None
        reservation = (first.attributes or {}).get("reservation_id")
        if not reservation:
            return [first]
        rows = conn.execute(
            select(machines).where(
                *self._in_scope(scope),
                machines.c.attributes["reservation_id"].as_string() == reservation,
            )
        ).all()
        return sorted(rows, key=lambda r: (r.attributes or {}).get("launch_index", 0))

    def _insert(self, conn: Connection, scope: Scope, launch: Launch) -> list[Row[Any]]:
        reservation = "r-" + secrets.token_hex(9)[:17]
        ids = []
        for index in range(launch.count):
            token = launch.token if index == 0 else None
            row = self.compute.insert(conn, scope, launch.spec, launch.subnet, token)
            attributes = {
                **(row.attributes or {}),
                **launch.attributes,
                "reservation_id": reservation,
                "launch_index": index,
            }
            if launch.token:
                attributes["client_token"] = launch.token
            conn.execute(
                update(machines).where(machines.c.id == row.id).values(attributes=attributes)
            )
            ids.append(row.id)
        rows = self._rows(conn, scope, ids)
        return [rows[i] for i in ids]

    # -- DescribeInstances ----------------------------------------------------------------------

    @action
    def describe_instances(self, scope: Scope, params: Params) -> Output:
        """Terminated instances stay listed until the cloud forgets them (about an hour);
        one SQL statement reads exactly one page."""
        ids = unique(params.get("InstanceIds") or [])
        if ids and params.get("MaxResults") is not None:
            raise combination("instancesSet")
        check_instance_ids(ids)
        page = sql_page(params, "instances", INSTANCE_ORDER, 5, 1000)
        conditions = [
            instance_filter(name, values, self.db.dialect) for name, values in parse_filters(params)
        ]
        dryrun.aws(params)
        with self.db.read() as conn:
            if ids:
                self._existing(conn, scope, ids)
                conditions.append(machines.c.id.in_(ids))
            query = select(machines).where(*self._in_scope(scope), *conditions)
            rows, token = paging.fetch(conn, query, INSTANCE_ORDER, page)
            tags = machine_tags_of(conn, [r.id for r in rows])
        out: Output = {"Reservations": reservations(scope, rows, tags)}
        if token:
            out["NextToken"] = token
        return out

    # -- Terminate / Stop / Start -----------------------------------------------------------------

    @staticmethod
    def _ids(params: Params) -> list[str]:
        ids = unique(params.get("InstanceIds") or [])
        if not ids:
            raise missing("InstanceId")
        check_instance_ids(ids)
        return ids

    def _change(
        self,
        scope: Scope,
        params: Params,
        check: Callable[[Row[Any]], None],
        sources: Sequence[str],
        target: str,
        seconds: float,
        then: Callable[[Connection, list[Row[Any]]], None] | None = None,
    ) -> list[Output]:
        """Validate every instance, then move them together in one transaction."""
        ids = self._ids(params)
        with self.db.write() as conn:
            before = self._existing(conn, scope, ids)
            for instance_id in ids:
                check(before[instance_id])
            dryrun.aws(params)
            self.compute.transition(conn, scope, ids, sources, target, seconds)
            if then is not None:
                then(conn, [r for r in before.values() if r.state in sources])
            after = self._rows(conn, scope, ids)
        return changes(
            ids, {i: r.state for i, r in before.items()}, {i: r.state for i, r in after.items()}
        )

    @action
    def terminate_instances(self, scope: Scope, params: Params) -> Output:
        """Terminating an instance that is already going or gone succeeds and changes nothing."""
        changes = self._change(
            scope,
            params,
            may_terminate,
            ("pending", "running", "stopping", "stopped"),
            "shutting-down",
            self.timing.shutdown,
        )
        return {"TerminatingInstances": changes}

    @action
    def stop_instances(self, scope: Scope, params: Params) -> Output:
        """Stopping a stopping or stopped instance succeeds and changes nothing."""
        changes = self._change(
            scope, params, may_stop, ("pending", "running"), "stopping", self.timing.stop
        )
        return {"StoppingInstances": changes}

    @action
    def start_instances(self, scope: Scope, params: Params) -> Output:
        """Starting a pending or running instance succeeds and changes nothing."""
        changes = self._change(
            scope, params, may_start, ("stopped",), "pending", self.timing.boot, mark_started
        )
        return {"StartingInstances": changes}

    # -- tags -----------------------------------------------------------------------------------

    def _resources(self, conn: Connection, scope: Scope, params: Params) -> list[str]:
        """The instance ids among the resources named; network ids are left to `_networks`."""
        resources = unique(params.get("Resources") or [])
        if not resources:
            raise missing("ResourceId")
        for resource in resources:
            if not resource.startswith("i-") and not is_network_id(resource):
                raise invalid_id(resource)
        instances = [r for r in resources if r.startswith("i-")]
        check_instance_ids(instances)
        self._existing(conn, scope, instances)
        return instances

    @staticmethod
    def _networks(params: Params) -> list[str]:
        return [r for r in unique(params.get("Resources") or []) if is_network_id(r)]

    @action
    def create_tags(self, scope: Scope, params: Params) -> None:
        """Tags instances and the network resources users created."""
        tags = aws_tags(params.get("Tags") or [])
        if not tags:
            raise missing("Tag")

        def put(kept: list[dict[str, str]]) -> list[dict[str, str]]:
            merged = {t["Key"]: t["Value"] for t in kept} | tags
            return [{"Key": k, "Value": v} for k, v in merged.items()]

        with self.db.write() as conn:
            ids = self._resources(conn, scope, params)
            dryrun.aws(params)
            self.compute.put_tags(conn, ids, tags)
            retag(conn, scope, self._networks(params), put)

    @action
    def delete_tags(self, scope: Scope, params: Params) -> None:
        """A tag given with a value (even empty) is deleted only where the value matches."""
        tags = params.get("Tags")

        def drop(kept: list[dict[str, str]]) -> list[dict[str, str]]:
            if not tags:
                return []
            return [k for k in kept if not any(_removes(t, k) for t in tags)]

        with self.db.write() as conn:
            ids = self._resources(conn, scope, params)
            dryrun.aws(params)
            retag(conn, scope, self._networks(params), drop)
            query = delete(machine_tags).where(machine_tags.c.machine_id.in_(ids))
            if tags:
                query = query.where(or_(false(), *(tag_condition(t) for t in tags)))
            conn.execute(query)

    @action
    def describe_tags(self, scope: Scope, params: Params) -> Output:
        """Only instances carry tags in the sim, so every row is an instance's."""
        page = sql_page(params, "tags", TAG_ORDER, 5, 1000)
        conditions = [
            tag_filter(name, values, self.db.dialect) for name, values in parse_filters(params)
        ]
        dryrun.aws(params)
        query = (
            select(machine_tags)
            .join(machines, machines.c.id == machine_tags.c.machine_id)
            .where(*self._in_scope(scope), *conditions)
        )
        with self.db.read() as conn:
            rows, token = paging.fetch(conn, query, TAG_ORDER, page)
        out: Output = {
            "Tags": [
                {
                    "Key": r.key,
                    "ResourceId": r.machine_id,
                    "ResourceType": "instance",
                    "Value": r.value,
                }
                for r in rows
            ]
        }
        if token:
            out["NextToken"] = token
        return out


def tag_condition(tag: Mapping[str, Any]) -> ColumnElement[bool]:
    condition = machine_tags.c.key == str(tag.get("Key") or "")
    if tag.get("Value") is not None:
        condition = and_(condition, machine_tags.c.value == str(tag["Value"]))
    return condition


def _removes(asked: Mapping[str, Any], kept: Mapping[str, str]) -> bool:
    """A tag asked with a value (even empty) goes only where the value matches."""
    if asked.get("Key") != kept["Key"]:
        return False
    return asked.get("Value") is None or asked.get("Value") == kept["Value"]
