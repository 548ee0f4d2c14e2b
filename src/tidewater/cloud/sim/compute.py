"""Simulated virtual machines, persisted in the service's own database."""

from __future__ import annotations

import ipaddress
import re
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Row,
    and_,
    bindparam,
    delete,
    exists,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from tidewater.clock import Clock
from tidewater.cloud.ports import LaunchSpec, Machine, Subnet
from tidewater.cloud.sim import network
from tidewater.cloud.sim.images import CATALOGUE, Image, ImageCatalogue, stored_image
from tidewater.cloud.sim.kit.ids import ALIYUN_ID_ALPHABET
from tidewater.cloud.sim.kit.rows import of_cloud, owned
from tidewater.cloud.sim.timing import Timing
from tidewater.domain.activity import TERMINAL
from tidewater.domain.refusal import Refusal
from tidewater.domain.scope import Cloud, Scope
from tidewater.store.database import Database
from tidewater.store.tables import (
    activities,
    launch_template_versions,
    launch_templates,
    machine_tags,
    machines,
    members,
    sim_ecs_security_groups,
    sim_images,
    sim_key_pairs,
    sim_machine_counts,
    sim_subnets,
    sim_vswitches,
)

# The states an instance quota counts (EC2's On-Demand limit counts pending and running)
IN_USE = ("pending", "running")

# What each state becomes when its timer runs out.
SETTLES_TO = {"pending": "running", "stopping": "stopped", "shutting-down": "terminated"}
FORGET_BATCH = 500  # terminated machines one pass deletes: a backlog drains over a few passes

# What `advance` looks at, built once: machines whose settling time has come, and those changed
# since the engine last looked
_IS_DUE = and_(machines.c.due_at <= bindparam("now"), machines.c.state.in_(list(SETTLES_TO)))
_DUE_OR_UNOBSERVED = (
    select(machines.c.id, _IS_DUE.label("due"), machines.c.unobserved)
    .where(or_(_IS_DUE, machines.c.unobserved))
    .order_by(machines.c.id)
)
_DUE_LOCKED = (
    select(machines.c.id, machines.c.state)
    .where(_IS_DUE)
    .order_by(machines.c.id)
    .with_for_update(skip_locked=True)
)
_UNOBSERVED = select(machines.c.id).where(machines.c.unobserved).order_by(machines.c.id)

VERSION = re.compile(r"[0-9]{1,10}")  # a launch template version number as written


SSM_REFERENCE = "resolve:ssm:"


def new_instance_id(cloud: Cloud) -> str:
    if cloud is Cloud.ALIYUN:
        return "i-" + "".join(secrets.choice(ALIYUN_ID_ALPHABET) for _ in range(20))
    return "i-" + secrets.token_hex(9)[:17]


# Where each cloud keeps the subnets (EC2) or vSwitches (VPC) its users create.
SUBNETS = {Cloud.AWS: sim_subnets, Cloud.ALIYUN: sim_vswitches}


def private_ip(subnet_index: int, instance_id: str) -> str:
    digest = int(network.hex_id(instance_id, length=8), 16)
    return f"172.31.{subnet_index * 16 + (digest >> 8) % 16}.{digest % 250 + 4}"


def address_in(cidr: str, instance_id: str) -> str:
    """An address of a user's subnet, past the four EC2 reserves at its start."""
    block = ipaddress.IPv4Network(cidr)
    usable = block.num_addresses - 5
    digest = int(network.hex_id(instance_id, length=8), 16)
    return str(block.network_address + 4 + digest % usable)


def machine_of(row: Any) -> Machine:
    return Machine(
        id=row.id,
        zone=row.zone,
        subnet_id=row.subnet_id,
        vpc_id=row.vpc_id,
        state=row.state,
        image_id=row.image_id,
        instance_type=row.instance_type,
        launched_at=row.launched_at,
        settles_at=row.due_at,
    )


class SimCompute:
    """The built-in cloud: launches are instant records, state changes follow the clock."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        timing: Timing,
        new_id: Callable[[Cloud], str] = new_instance_id,
        images: ImageCatalogue | None = None,
    ) -> None:
        self.db = db
        self.images = images or ImageCatalogue()  # built-in and seeded; users' own are rows
        self.clock = clock
        self.timing = timing
        self.new_id = new_id  # injected, like the clock, so a test can make runs repeatable
        self._forget_from: datetime | None = None  # no forgetting due before this moment
        # Reads a `resolve:ssm:` image reference; the app wires the parameter store in here.
        self.resolve_image: Callable[[Scope, str], str | None] = lambda scope, reference: None

    # -- the Compute port -------------------------------------------------------------------

    def launched(self, scope: Scope, token: str) -> Machine | None:
        with self.db.read() as conn:
            row = by_token(conn, scope, token)
        return machine_of(row) if row is not None else None

    def launched_like(self, scope: Scope, instance_id: str) -> tuple[LaunchSpec, Subnet] | None:
        with self.db.read() as conn:
            row = conn.execute(
                select(machines).where(
                    *of_cloud(machines, scope),
                    machines.c.id == instance_id,
                    machines.c.state.not_in(["shutting-down", "terminated"]),
                )
            ).first()
        if row is None:
            return None
        kept = row.attributes or {}
        spec = LaunchSpec(
            image_id=row.image_id,
            instance_type=row.instance_type,
            key_name=row.key_name,
            security_groups=tuple(row.security_groups or ()),
            attributes={k: True for k in ("ebs_optimized", "monitoring") if kept.get(k)},
        )
        return spec, Subnet(row.subnet_id, row.zone, row.vpc_id)

    def launch(self, scope: Scope, spec: LaunchSpec, subnet: Subnet, token: str) -> Machine:
        with self.db.write() as conn:
            existing = by_token(conn, scope, token)
            if existing is not None:
                return machine_of(existing)
            return machine_of(self.insert(conn, scope, spec, subnet, token))

    def insert(
        self, conn: Connection, scope: Scope, spec: LaunchSpec, subnet: Subnet, token: str | None
    ) -> Any:
        """Create one pending machine inside the caller's transaction."""
        now = self.clock.now()
        instance_id = self.new_id(scope.cloud)
        stored = SUBNETS[scope.cloud]
        cidr = conn.execute(select(stored.c.cidr).where(stored.c.id == subnet.id)).scalar()
        if cidr is None:
            address = private_ip(
                network.zones(scope.region, scope.cloud).index(subnet.zone), instance_id
            )
        else:
            address = address_in(cidr, instance_id)
        groups = spec.security_groups
        if scope.cloud is Cloud.AWS:  # a launch naming no group gets its VPC's default one
            groups = network.launch_groups(scope, groups, subnet.vpc_id)
        row = {
            "id": instance_id,
            "account": scope.account,
            "region": scope.region,
            "cloud": scope.cloud.value,
            "zone": subnet.zone,
            "subnet_id": subnet.id,
            "vpc_id": subnet.vpc_id,
            "image_id": spec.image_id,
            "instance_type": spec.instance_type,
            "state": "pending",
            "due_at": now + self.timing.delay(self.timing.boot),
            "launched_at": now,
            "changed_at": now,
            "unobserved": False,
            "private_ip": address,
            "client_token": token,
            "launch_template_id": spec.template_id,
            "launch_template_version": spec.template_version,
            "key_name": spec.key_name,
            "security_groups": list(groups),
            "attributes": {
                **self._image_attributes(conn, scope, spec.image_id),
                **spec.attributes,
            },
        }
        conn.execute(insert(machines).values(row))
        self.count_in_use(conn, scope, 1)
        if spec.tags:
            conn.execute(
                insert(machine_tags),
                [{"machine_id": instance_id, "key": k, "value": v} for k, v in spec.tags.items()],
            )
        return conn.execute(select(machines).where(machines.c.id == instance_id)).one()

    def in_use(self, scope: Scope, within: Connection | None = None) -> int:
        """Pending and running machines: what an account's On-Demand instance limit counts,
        kept as they change (`count_in_use`), so one row answers however many there are."""
        query = select(sim_machine_counts.c.in_use).where(
            sim_machine_counts.c.account == scope.account,
            sim_machine_counts.c.region == scope.region,
            sim_machine_counts.c.cloud == scope.cloud.value,
        )
        if within is not None:
            return int(within.execute(query).scalar() or 0)
        with self.db.read() as conn:
            return int(conn.execute(query).scalar() or 0)

    def count_in_use(self, conn: Connection, scope: Scope, change: int) -> None:
        """Machines entered (or, negative, left) the states the quota counts, in the caller's
        transaction: after its machine rows, so every writer takes the count's row last."""
        if not change:
            return
        insert_into: Any = postgresql.insert if self.db.dialect == "postgresql" else sqlite.insert
        stmt = insert_into(sim_machine_counts).values(
            account=scope.account, region=scope.region, cloud=scope.cloud.value, in_use=change
        )
        conn.execute(
            stmt.on_conflict_do_update(
                index_elements=["account", "region", "cloud"],
                set_={"in_use": sim_machine_counts.c.in_use + change},
            )
        )

    def machines(
        self, scope: Scope, ids: Iterable[str], within: Connection | None = None
    ) -> dict[str, Machine]:
        ids = list(ids)
        if not ids:
            return {}
        query = select(machines).where(
            machines.c.id.in_(ids),
            machines.c.account == scope.account,
            machines.c.region == scope.region,
        )
        if within is not None:  # a second connection here could wait on a pool writers hold
            return {row.id: machine_of(row) for row in within.execute(query)}
        with self.db.read() as conn:
            rows = conn.execute(query).all()
        return {row.id: machine_of(row) for row in rows}

    def terminate(self, scope: Scope, ids: Sequence[str]) -> None:
        with self.db.write() as conn:
            self.transition(
                conn,
                scope,
                ids,
                ("pending", "running", "stopping", "stopped"),
                "shutting-down",
                self.timing.shutdown,
            )

    def stop(self, scope: Scope, ids: Sequence[str]) -> None:
        with self.db.write() as conn:
            self.transition(conn, scope, ids, ("pending", "running"), "stopping", self.timing.stop)

    def start(self, scope: Scope, ids: Sequence[str]) -> None:
        with self.db.write() as conn:
            self.transition(conn, scope, ids, ("stopped",), "pending", self.timing.boot)

    def transition(
        self,
        conn: Connection,
        scope: Scope,
        ids: Sequence[str],
        sources: Sequence[str],
        target: str,
        seconds: float,
    ) -> None:
        now = self.clock.now()
        change = 0
        for source in sources:  # one state at a time: what each row leaves decides the count
            moved = conn.execute(
                update(machines)
                .where(
                    machines.c.id.in_(list(ids)),
                    machines.c.account == scope.account,
                    machines.c.region == scope.region,
                    machines.c.state == source,
                )
                .values(
                    state=target,
                    due_at=now + self.timing.delay(seconds),
                    changed_at=now,
                    unobserved=True,
                )
            ).rowcount
            change += moved * ((target in IN_USE) - (source in IN_USE))
        self.count_in_use(conn, scope, change)

    def tag(self, scope: Scope, ids: Sequence[str], tags: Mapping[str, str]) -> None:
        with self.db.write() as conn:
            self.put_tags(conn, ids, tags)

    def put_tags(self, conn: Connection, ids: Sequence[str], tags: Mapping[str, str]) -> None:
        rows = [{"machine_id": i, "key": k, "value": v} for i in ids for k, v in tags.items()]
        if not rows:
            return
        if self.db.dialect == "postgresql":
            stmt: Any = postgresql.insert(machine_tags)
        else:
            stmt = sqlite.insert(machine_tags)
        stmt = stmt.on_conflict_do_update(
            index_elements=["machine_id", "key"], set_={"value": stmt.excluded.value}
        )
        conn.execute(stmt, rows)

    def untag(self, scope: Scope, ids: Sequence[str], keys: Sequence[str]) -> None:
        with self.db.write() as conn:
            conn.execute(
                delete(machine_tags).where(
                    machine_tags.c.machine_id.in_(list(ids)), machine_tags.c.key.in_(list(keys))
                )
            )

    def subnets(self, scope: Scope, within: Connection | None = None) -> list[Subnet]:
        """The default subnets, then the ones users created (EC2 subnets, Alibaba vSwitches)."""
        if within is None:
            with self.db.read() as conn:
                return self.subnets(scope, conn)
        table = SUBNETS[scope.cloud]
        rows = within.execute(
            select(table.c.id, table.c.zone, table.c.vpc_id)
            .where(table.c.account == scope.account, table.c.region == scope.region)
            .order_by(table.c.created_at, table.c.id)
        )
        stored = [Subnet(r.id, r.zone, r.vpc_id) for r in rows]
        return [*network.default_subnets(scope), *stored]

    def security_groups(self, scope: Scope, within: Connection | None = None) -> dict[str, str]:
        """Each Alibaba security group of the scope and its VPC, the default VPC's first."""
        if within is None:
            with self.db.read() as conn:
                return self.security_groups(scope, conn)
        table = sim_ecs_security_groups
        rows = within.execute(
            select(table.c.id, table.c.vpc_id).where(
                table.c.account == scope.account, table.c.region == scope.region
            )
        )
        default = {network.default_security_group(scope): network.default_vpc(scope)}
        return default | {r.id: r.vpc_id for r in rows}

    def zones(self, scope: Scope) -> list[str]:
        return list(network.zones(scope.region, scope.cloud))

    def template(
        self, scope: Scope, template_id: str | None, name: str | None, version: str | None
    ) -> LaunchSpec:
        with self.db.read() as conn:
            query = select(launch_templates).where(
                launch_templates.c.account == scope.account,
                launch_templates.c.region == scope.region,
            )
            if template_id:
                query = query.where(launch_templates.c.id == template_id)
            else:
                query = query.where(launch_templates.c.name == name)
            template = conn.execute(query).first()
            if template is None:
                raise Refusal("template.not_found", template_id=template_id, name=name)
            number = version_number(version, template.default_version, template.latest_version)
            data = None if number is None else stored_version(conn, template.id, number)
        if number is None or data is None:
            raise Refusal("template.version_not_found", template_id=template.id, version=version)
        return LaunchSpec(
            image_id=self.image_of(scope, data.get("ImageId", "")),
            instance_type=data.get("InstanceType", ""),
            key_name=data.get("KeyName"),
            security_groups=tuple(network.named_groups(data)),
            template_id=template.id,
            template_version=str(number),
            template_name=template.name,
            tags=template_tags(data, template.id, number),
            attributes=launched_attributes(data),
        )

    def image_of(self, scope: Scope, image_id: str) -> str:
        """The image a launch uses: a `resolve:ssm:` reference is read now, as AWS does."""
        if image_id.startswith(SSM_REFERENCE):
            return self.resolve_image(scope, image_id) or image_id
        return image_id

    def image(self, scope: Scope, image_id: str, within: Connection | None = None) -> Image | None:
        """A catalogue or seeded image (no query), else one of the account's own, in any state."""
        found = self.images.find(scope, image_id)
        if found is not None or scope.cloud is not Cloud.AWS or not image_id.startswith("ami-"):
            return found
        if within is None:
            with self.db.read() as conn:
                return self.image(scope, image_id, conn)
        query = select(sim_images).where(*owned(sim_images, scope), sim_images.c.id == image_id)
        row = within.execute(query).first()
        return stored_image(row, scope.account, self.clock.now()) if row is not None else None

    def image_exists(self, scope: Scope, image_id: str) -> bool:
        """Launchable or about to be: a deregistered image is gone for new launches."""
        image = self.image(scope, image_id)
        return image is not None and image.state != "deregistered"

    def _image_attributes(self, conn: Connection, scope: Scope, image_id: str) -> dict[str, str]:
        """What describing the instance needs of an image the built-in catalogue lacks, kept
        with the machine so describing it reads no image."""
        if image_id in CATALOGUE[scope.cloud]:
            return {}
        image = self.image(scope, image_id, conn)
        if image is None:
            return {}
        return {"architecture": image.architecture, "platform": image.platform}

    def key_pair_exists(self, scope: Scope, name: str) -> bool:
        """EC2's key pairs are rows; the Alibaba sim keeps none and takes any name."""
        if scope.cloud is not Cloud.AWS:
            return True
        with self.db.read() as conn:
            found = conn.execute(
                select(sim_key_pairs.c.id).where(
                    sim_key_pairs.c.account == scope.account,
                    sim_key_pairs.c.region == scope.region,
                    sim_key_pairs.c.name == name,
                )
            ).first()
        return found is not None

    def advance(self, now: datetime) -> list[str]:
        """Settle what is due; several nodes may call this at once, each takes rows the others
        do not hold, in id order, so they never wait on each other in a circle. Changed
        machines stay unobserved until the engine records what it saw (`observed`).

        It reads before it writes: a pass with nothing due takes no write lock, so requests
        and steps never queue behind an idle runner."""
        with self.db.read() as conn:
            seen = conn.execute(_DUE_OR_UNOBSERVED, {"now": now}).all()
        if any(row.due for row in seen):
            with self.db.write() as conn:
                for row in conn.execute(_DUE_LOCKED, {"now": now}).all():
                    conn.execute(
                        update(machines)
                        .where(and_(machines.c.id == row.id, machines.c.state == row.state))
                        .values(
                            state=SETTLES_TO[row.state],
                            due_at=None,
                            changed_at=now,
                            unobserved=True,
                        )
                    )
                changed = list(conn.execute(_UNOBSERVED).scalars())
        else:
            changed = [row.id for row in seen if row.unobserved]
        self.forget(now)
        return changed

    def forget(self, now: datetime) -> int:
        """Delete terminated machines their cloud no longer lists, at most a batch at a time.

        A machine is kept while anything may still ask about it: the engine has not yet
        observed its last change, a group still counts it as a member, or an unfinished activity
        names it or carries its launch token (a launch step repeated after a crash must find the
        machine its token made, never launch a second one). Looks at most once a second of the
        service clock, and reads before it writes, so a pass with nothing to forget takes no
        lock. Returns how many machines were forgotten.
        """
        if self._forget_from is not None and now < self._forget_from:
            return 0
        forgettable = self._forgettable(now)
        with self.db.read() as conn:
            ids = list(
                conn.execute(
                    select(machines.c.id)
                    .where(forgettable)
                    .order_by(machines.c.id)
                    .limit(FORGET_BATCH)
                ).scalars()
            )
        forgotten = 0
        if ids:
            with self.db.write() as conn:  # the same test again, under the write lock
                chosen = select(machines.c.id).where(machines.c.id.in_(ids), forgettable)
                conn.execute(delete(machine_tags).where(machine_tags.c.machine_id.in_(chosen)))
                forgotten = conn.execute(
                    delete(machines).where(machines.c.id.in_(ids), forgettable)
                ).rowcount
        # a full batch may have left more behind: look again at once; otherwise a second later
        self._forget_from = now if len(ids) == FORGET_BATCH else now + timedelta(seconds=1)
        return forgotten

    def _forgettable(self, now: datetime) -> ColumnElement[bool]:
        busy = exists().where(
            activities.c.status.not_in([s.value for s in TERMINAL]),
            or_(
                activities.c.id == machines.c.client_token,
                activities.c.instance_id == machines.c.id,
            ),
        )
        ages = (
            (Cloud.AWS, self.timing.delay(self.timing.forget_aws)),
            (Cloud.ALIYUN, self.timing.delay(self.timing.forget_aliyun)),
        )
        return and_(
            machines.c.state == "terminated",
            machines.c.unobserved.is_(False),
            or_(
                *(
                    and_(machines.c.cloud == cloud.value, machines.c.changed_at <= now - age)
                    for cloud, age in ages
                )
            ),
            ~exists().where(members.c.instance_id == machines.c.id),
            ~busy,
        )

    def observed(self, ids: Sequence[str], within: Connection) -> None:
        if ids:
            within.execute(
                update(machines)
                .where(machines.c.id.in_(list(ids)), machines.c.unobserved)
                .values(unobserved=False)
            )

    def next_due(self) -> datetime | None:
        with self.db.read() as conn:
            return conn.execute(
                select(machines.c.due_at)
                .where(machines.c.due_at.is_not(None))
                .order_by(machines.c.due_at)
                .limit(1)
            ).scalar()


def by_token(conn: Connection, scope: Scope, token: str) -> Row[Any] | None:
    """The first machine a launch with this client token made, so a retry makes none."""
    return conn.execute(
        select(machines).where(*owned(machines, scope), machines.c.client_token == token)
    ).first()


def template_tags(data: Mapping[str, Any], template_id: str, number: int) -> dict[str, str]:
    """The instance tags a launch template version names, and EC2's own two naming the
    template; a group's propagated tags are laid over them (a shared key takes the group's
    value: CreateAutoScalingGroup's Tags reference)."""
    tags = {
        str(t.get("Key")): str(t.get("Value") or "")
        for spec in data.get("TagSpecifications") or ()
        if spec.get("ResourceType") == "instance"
        for t in spec.get("Tags") or ()
    }
    tags["aws:ec2launchtemplate:id"] = template_id
    tags["aws:ec2launchtemplate:version"] = str(number)
    return tags


def launched_attributes(data: Mapping[str, Any]) -> dict[str, Any]:
    """What an instance launched from this data shows of itself when described."""
    found: dict[str, Any] = {}
    if data.get("EbsOptimized"):
        found["ebs_optimized"] = True
    if (data.get("Monitoring") or {}).get("Enabled"):
        found["monitoring"] = True
    return found


def version_number(version: str | None, default: int, latest: int) -> int | None:
    """A launch template version as asked (a number, `$Latest`, `$Default` or nothing), None
    when the template has no such version."""
    if version in (None, "", "$Default"):
        return default
    if version == "$Latest":
        return latest
    if not VERSION.fullmatch(str(version)):
        return None
    number = int(str(version))
    return number if 1 <= number <= latest else None


def stored_version(conn: Connection, template_id: str, number: int) -> dict[str, Any] | None:
    """One version's launch data as stored, None when the version is gone."""
    data = conn.execute(
        select(launch_template_versions.c.data).where(
            launch_template_versions.c.template_id == template_id,
            launch_template_versions.c.version == number,
        )
    ).scalar()
    return None if data is None else dict(data)
