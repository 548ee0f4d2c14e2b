"""Queues: create (idempotent), find by name or URL, attributes, list, purge, delete."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import Connection, Row, and_, delete, func, select, update
from sqlalchemy.exc import IntegrityError

from tidewater.cloud.sim.kit import paging
from tidewater.cloud.sim.kit.rows import owned, owner_columns
from tidewater.cloud.sim.kit.service import SimService
from tidewater.cloud.sim.sqs import attributes, names
from tidewater.cloud.sim.sqs.faults import (
    already_exists,
    bad_token,
    deleted_recently,
    no_queue,
    out_of_range,
    purge_in_progress,
)
from tidewater.domain.scope import Scope
from tidewater.store.tables import sim_sqs_messages as messages
from tidewater.store.tables import sim_sqs_queues as table

Params = Mapping[str, Any]

ENDPOINT: Final = "tidewater:endpoint"  # the URL the caller reached, set by the dialect
GRACE: Final = timedelta(seconds=60)  # documented: a deleted name, and a purge, for 60 s
LIST_LIMIT: Final = 1000


def retention(row: Row[Any]) -> timedelta:
    return timedelta(seconds=int(row.attributes["MessageRetentionPeriod"]))


class SqsQueues(SimService):
    """The queues of each account and region."""

    def _queue(self, conn: Connection, scope: Scope, name: str) -> Row[Any]:
        row = conn.execute(
            select(table).where(
                *owned(table, scope), table.c.name == name, table.c.deleted_at.is_(None)
            )
        ).first()
        if row is None:
            raise no_queue()
        return row

    def _by_url(self, conn: Connection, scope: Scope, params: Params) -> Row[Any]:
        return self._queue(conn, scope, names.from_url(scope, str(params["QueueUrl"])))

    def create_queue(self, scope: Scope, params: Params) -> dict[str, Any]:
        try:
            return self._create_queue(scope, params)
        except IntegrityError:
            # another request created the same name at the same moment: answer as if after it
            return self._create_queue(scope, params)

    def _create_queue(self, scope: Scope, params: Params) -> dict[str, Any]:
        given = {str(k): str(v) for k, v in (params.get("Attributes") or {}).items()}
        name = names.checked(str(params["QueueName"]), fifo=attributes.is_fifo(given))
        wanted = attributes.settable(given)
        now = self.clock.now()
        with self.db.write() as conn:
            row = conn.execute(
                select(table).where(*owned(table, scope), table.c.name == name)
            ).first()
            if row is not None and row.deleted_at is None:
                differs = attributes.first_difference(row.attributes, wanted)
                if differs is not None:
                    raise already_exists(differs)
            elif row is not None and now - row.deleted_at < GRACE:
                raise deleted_recently()
            else:
                if row is not None:
                    conn.execute(delete(table).where(*owned(table, scope), table.c.name == name))
                conn.execute(
                    table.insert().values(
                        **owner_columns(scope),
                        name=name,
                        attributes=wanted,
                        created_at=now,
                        modified_at=now,
                    )
                )
        return {"QueueUrl": names.url(params[ENDPOINT], scope, name)}

    def get_queue_url(self, scope: Scope, params: Params) -> dict[str, Any]:
        owner = params.get("QueueOwnerAWSAccountId")
        if owner and owner != scope.account:
            raise no_queue()  # chosen: other accounts' queues are never shared here
        with self.db.read() as conn:
            row = self._queue(conn, scope, str(params["QueueName"]))
        return {"QueueUrl": names.url(params[ENDPOINT], scope, row.name)}

    def get_queue_attributes(self, scope: Scope, params: Params) -> dict[str, Any]:
        wanted = attributes.selected(list(params.get("AttributeNames") or []))
        now = self.clock.now()
        with self.db.read() as conn:
            row = self._by_url(conn, scope, params)
            counts = self._counts(conn, scope, row, now)
        shown = {
            **row.attributes,
            "QueueArn": names.arn(scope, row.name),
            **counts,
            "CreatedTimestamp": str(int(row.created_at.timestamp())),
            "LastModifiedTimestamp": str(int(row.modified_at.timestamp())),
        }
        chosen = shown if wanted is None else {k: shown[k] for k in wanted if k in shown}
        return {"Attributes": chosen} if chosen else {}

    def _counts(
        self, conn: Connection, scope: Scope, row: Row[Any], now: datetime
    ) -> dict[str, str]:
        live = [
            *owned(messages, scope),
            messages.c.queue == row.name,
            messages.c.sent_at > now - retention(row),
        ]
        hidden = messages.c.visible_at > now
        groups = {
            "ApproximateNumberOfMessages": ~hidden,
            "ApproximateNumberOfMessagesNotVisible": and_(hidden, messages.c.receive_count > 0),
            "ApproximateNumberOfMessagesDelayed": and_(hidden, messages.c.receive_count == 0),
        }
        return {
            key: str(conn.execute(select(func.count()).where(*live, where)).scalar_one())
            for key, where in groups.items()
        }

    def list_queues(self, scope: Scope, params: Params) -> dict[str, Any]:
        prefix = str(params.get("QueueNamePrefix") or "")
        limit = params.get("MaxResults")
        if limit is not None and not 1 <= int(limit) <= LIST_LIMIT:
            # chosen: the receive limits' wording for ListQueues' documented 1–1000
            raise out_of_range(limit, "MaxResults", "Must be between 1 and 1000, if provided.")
        token = params.get("NextToken")
        after = paging.decode("sqs-queues", token, [str], bad_token) if token else None
        query = select(table.c.name).where(*owned(table, scope), table.c.deleted_at.is_(None))
        if prefix:
            query = query.where(table.c.name.startswith(prefix, autoescape=True))
        page = paging.Page("sqs-queues", int(limit) if limit else LIST_LIMIT, after)
        with self.db.read() as conn:
            rows, next_token = paging.fetch(conn, query, ((table.c.name, False),), page)
        out: dict[str, Any] = {}
        if rows:
            out["QueueUrls"] = [names.url(params[ENDPOINT], scope, r.name) for r in rows]
        if next_token and limit is not None:  # documented: a token only when MaxResults was set
            out["NextToken"] = next_token
        return out

    def purge_queue(self, scope: Scope, params: Params) -> None:
        now = self.clock.now()
        with self.db.write() as conn:
            row = self._by_url(conn, scope, params)
            if row.purged_at is not None and now - row.purged_at < GRACE:
                raise purge_in_progress(row.name)
            conn.execute(
                update(table)
                .where(*owned(table, scope), table.c.name == row.name)
                .values(purged_at=now)
            )
            conn.execute(
                delete(messages).where(*owned(messages, scope), messages.c.queue == row.name)
            )

    def delete_queue(self, scope: Scope, params: Params) -> None:
        now = self.clock.now()
        with self.db.write() as conn:
            row = self._by_url(conn, scope, params)
            conn.execute(
                update(table)
                .where(*owned(table, scope), table.c.name == row.name)
                .values(deleted_at=now)
            )
            conn.execute(
                delete(messages).where(*owned(messages, scope), messages.c.queue == row.name)
            )
