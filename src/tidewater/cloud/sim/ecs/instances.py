"""ECS's instance actions: Run/CreateInstance, Describe, Start/Stop/Delete one or many."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, Row, select, update
from sqlalchemy.exc import IntegrityError

from tidewater.cloud.sim import network
from tidewater.cloud.sim.ecs.faults import EcsFault, missing, not_found, too_many_ids
from tidewater.cloud.sim.ecs.filters import instance_filters
from tidewater.cloud.sim.ecs.launching import (
    CREATE_TEXTS,
    RUN_TEXTS,
    Launch,
    amounts,
    checked_launch,
    public_ip,
)
from tidewater.cloud.sim.ecs.params import (
    BATCH_LIMIT,
    READ,
    Params,
    action,
    instance_ids,
    one_id,
    stopped_mode,
    success_first,
)
from tidewater.cloud.sim.ecs.render import instance_out, responses
from tidewater.cloud.sim.ecs.state import EcsState
from tidewater.cloud.sim.kit import dryrun, paging, rpc
from tidewater.cloud.sim.kit.tags import machine_tags_of
from tidewater.domain.scope import Scope
from tidewater.store.tables import machines

Output = dict[str, Any]


class Instances(EcsState):
    """Instances: launching, listing and moving them between states."""

    # -- RunInstances / CreateInstance ------------------------------------------------------------

    @action
    def run_instances(self, scope: Scope, params: Params) -> Output:
        """Creates Amount running instances in one vSwitch; a repeated ClientToken replays."""
        count = amounts(params)
        unique = READ.boolean(params, "UniqueSuffix")
        launch = checked_launch(
            scope,
            params,
            self.clock.now(),
            RUN_TEXTS,
            count,
            self._network(scope),
            unique=unique,
            public_ip=True,
            images=self.compute.images,
        )
        if READ.boolean(params, "DryRun"):
            raise dryrun.aliyun_passed()
        ids = self._launch_once(scope, launch, stopped=False)
        out: Output = {"InstanceIdSets": {"InstanceIdSet": ids}}
        if launch.attributes["charge_type"] == "PrePaid":
            out["OrderId"] = network.hex_id(ids[0], "order", length=12)
        return out

    @action
    def create_instance(self, scope: Scope, params: Params) -> Output:
        """Creates one instance, Stopped as on ECS; StartInstance boots it."""
        launch = checked_launch(
            scope,
            params,
            self.clock.now(),
            CREATE_TEXTS,
            1,
            self._network(scope),
            images=self.compute.images,
        )
        if READ.boolean(params, "DryRun"):
            raise dryrun.aliyun_passed()
        [instance_id] = self._launch_once(scope, launch, stopped=True)[:1]
        out: Output = {"InstanceId": instance_id}
        if launch.attributes["charge_type"] == "PrePaid":
            out["OrderId"] = network.hex_id(instance_id, "order", length=12)
        return out

    def _launch_once(self, scope: Scope, launch: Launch, *, stopped: bool) -> list[str]:
        """A concurrent twin with the same ClientToken loses the insert and replays the winner."""
        try:
            with self.db.write() as conn:
                ids = self._replay(conn, scope, launch.token) if launch.token else None
                if not ids:
                    ids = self._insert(conn, scope, launch, stopped=stopped)
            return ids
        except IntegrityError:
            if launch.token is None:
                raise
            with self.db.read() as conn:
                ids = self._replay(conn, scope, launch.token)
            if not ids:  # the token belongs to another cloud's instance in a same-named region
                raise EcsFault(
                    "InvalidClientToken.ValueNotSupported", "The ClientToken provided is invalid."
                ) from None
            return ids

    def _replay(self, conn: Connection, scope: Scope, token: str) -> list[str] | None:
        first = conn.execute(
            select(machines).where(
                machines.c.account == scope.account,
                machines.c.region == scope.region,
                machines.c.cloud == scope.cloud.value,
                machines.c.client_token == token,
            )
        ).first()
        if first is None:
            return None
        batch = (first.attributes or {}).get("batch_id")
        if not batch:
            return [first.id]
        rows = conn.execute(
            select(machines.c.id, machines.c.attributes).where(
                machines.c.account == scope.account,
                machines.c.region == scope.region,
                machines.c.cloud == scope.cloud.value,
                machines.c.attributes["batch_id"].as_string() == batch,
            )
        ).all()
        return [
            r.id for r in sorted(rows, key=lambda r: (r.attributes or {}).get("launch_index", 0))
        ]

    def _insert(
        self, conn: Connection, scope: Scope, launch: Launch, *, stopped: bool
    ) -> list[str]:
        subnet = launch.subnet
        batch = secrets.token_hex(8)
        ids = []
        for index in range(launch.count):
            token = launch.token if index == 0 else None
            row = self.compute.insert(conn, scope, launch.spec, subnet, token)
            attributes = {**launch.attributes, "batch_id": batch, "launch_index": index}
            if launch.names[index] is not None:
                attributes["name"] = launch.names[index]
            if launch.hostnames[index] is not None:
                attributes["hostname"] = launch.hostnames[index]
            if launch.token:
                attributes["client_token"] = launch.token
            if launch.public_ip:
                attributes["public_ip"] = public_ip(row.id)
            values: dict[str, Any] = {"attributes": attributes}
            if stopped:
                attributes["created_stopped"] = True
                values.update(state="stopped", due_at=None)
            conn.execute(update(machines).where(machines.c.id == row.id).values(**values))
            if stopped:  # made pending by `insert`, it never was: the quota does not count it
                self.compute.count_in_use(conn, scope, -1)
            ids.append(row.id)
        return ids

    # -- DescribeInstances / DescribeInstanceStatus ----------------------------------------------

    @action
    def describe_instances(self, scope: Scope, params: Params) -> Output:
        """One page in one statement, a count in another; unknown ids are simply not listed."""
        number, size = READ.page(params, 10, 100)
        now = self.clock.now()
        conditions = instance_filters(
            params, self.db.dialect, lambda status: self._status_condition(status, now)
        )
        if READ.boolean(params, "DryRun"):
            raise dryrun.aliyun_passed()
        with self.db.read() as conn:
            total, rows = self._page_of(conn, scope, conditions, number, size)
            tags = machine_tags_of(conn, [r.id for r in rows])
        return {
            "Instances": {
                "Instance": [
                    instance_out(scope, r, tags.get(r.id, {}), self._status(r, now)) for r in rows
                ]
            },
            "TotalCount": total,
            "PageNumber": number,
            "PageSize": size,
        }

    @action
    def describe_instance_status(self, scope: Scope, params: Params) -> Output:
        number, size = READ.page(params, 10, 50)
        now = self.clock.now()
        conditions: list[ColumnElement[bool]] = []
        ids = rpc.indexed(params, "InstanceId")
        if len(ids) > BATCH_LIMIT:
            raise too_many_ids()
        if ids:
            conditions.append(machines.c.id.in_(ids))
        zone = rpc.value(params, "ZoneId")
        if zone is not None:
            conditions.append(machines.c.zone == zone)
        with self.db.read() as conn:
            total, rows = self._page_of(conn, scope, conditions, number, size)
        statuses = [{"InstanceId": r.id, "Status": self._status(r, now)} for r in rows]
        return {
            "InstanceStatuses": {"InstanceStatus": statuses},
            "TotalCount": total,
            "PageNumber": number,
            "PageSize": size,
        }

    def _page_of(
        self,
        conn: Connection,
        scope: Scope,
        conditions: Sequence[ColumnElement[bool]],
        number: int,
        size: int,
    ) -> tuple[int, list[Row[Any]]]:
        where = [*self._in_scope(scope), *conditions]
        order = (machines.c.launched_at, machines.c.id)
        return paging.numbered_rows(conn, machines, where, order, number, size)

    # -- Start / Stop / Delete --------------------------------------------------------------------

    def _batch(
        self,
        scope: Scope,
        ids: Sequence[str],
        check: Callable[[Row[Any], str], EcsFault | None],
        move: Callable[[Connection, Scope, list[Row[Any]]], None],
        dry_run: EcsFault | None,
        *,
        partial: bool = False,
    ) -> list[tuple[str, str, EcsFault | None]]:
        """Checks every instance, then moves the acceptable ones in one transaction.

        Returns (instance id, status before, refusal) for each; without `partial` the first
        refusal fails the whole request, as ECS's AllTogether does.
        """
        now = self.clock.now()
        with self.db.write() as conn:
            rows = self._rows(conn, scope, ids)
            if not partial and any(i not in rows for i in ids):
                raise not_found()  # every id must exist before any state is judged
            results: list[tuple[str, str, EcsFault | None]] = []
            accepted: list[Row[Any]] = []
            for instance_id in ids:
                row = rows.get(instance_id)
                status = self._status(row, now) if row is not None else ""
                fault = not_found() if row is None else check(row, status)
                if fault is not None and not partial:
                    raise fault
                results.append((instance_id, status, fault))
                if row is not None and fault is None:
                    accepted.append(row)
            if dry_run is not None:
                raise dry_run
            if accepted:
                move(conn, scope, accepted)
        return results

    @action
    def start_instance(self, scope: Scope, params: Params) -> Output:
        ids = one_id(params)
        READ.boolean(params, "InitLocalDisk")
        dry_run = dryrun.aliyun_passed() if READ.boolean(params, "DryRun") else None
        self._batch(scope, ids, self._startable, self._start, dry_run)
        return {}

    @action
    def start_instances(self, scope: Scope, params: Params) -> Output:
        ids = instance_ids(params, missing("InstanceId"))
        partial = success_first(params)
        dry_run = dryrun.aliyun_succeeded() if READ.boolean(params, "DryRun") else None
        results = self._batch(scope, ids, self._startable, self._start, dry_run, partial=partial)
        return responses(results, "Starting")

    @action
    def stop_instance(self, scope: Scope, params: Params) -> Output:
        ids = one_id(params)
        mode = stopped_mode(params)
        dry_run = dryrun.aliyun_passed() if READ.boolean(params, "DryRun") else None
        self._batch(scope, ids, self._stoppable, self._stopper(mode), dry_run)
        return {}

    @action
    def stop_instances(self, scope: Scope, params: Params) -> Output:
        ids = instance_ids(
            params, EcsFault("InvalidInstanceId.NotFound", "InstanceId should not be null.", 403)
        )
        mode = stopped_mode(params)
        partial = success_first(params)
        dry_run = dryrun.aliyun_succeeded() if READ.boolean(params, "DryRun") else None
        results = self._batch(
            scope, ids, self._stoppable, self._stopper(mode), dry_run, partial=partial
        )
        return responses(results, "Stopping")

    @action
    def delete_instance(self, scope: Scope, params: Params) -> Output:
        """Without Force only a Stopped instance may be released."""
        ids = one_id(params)
        check = self._releasable(
            READ.boolean(params, "Force"), READ.boolean(params, "TerminateSubscription")
        )
        dry_run = dryrun.aliyun_passed() if READ.boolean(params, "DryRun") else None
        self._batch(scope, ids, check, self._release, dry_run)
        return {}

    @action
    def delete_instances(self, scope: Scope, params: Params) -> Output:
        ids = instance_ids(params, missing("InstanceId"))
        check = self._releasable(
            READ.boolean(params, "Force"), READ.boolean(params, "TerminateSubscription")
        )
        READ.boolean(params, "ForceStop", True)
        dry_run = dryrun.aliyun_succeeded() if READ.boolean(params, "DryRun") else None
        self._batch(scope, ids, check, self._release, dry_run)
        return {}
