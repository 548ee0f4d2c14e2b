"""Messages: send, receive (with long polling in real time), delete, change visibility."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import Connection, Row, delete, select, update

from tidewater.cloud.sim.kit.rows import owned, owner_columns
from tidewater.cloud.sim.sqs import digest, names
from tidewater.cloud.sim.sqs.faults import (
    SqsFault,
    bad_contents,
    invalid,
    missing,
    not_changeable,
    out_of_range,
    too_large,
)
from tidewater.cloud.sim.sqs.queues import Params, SqsQueues, retention
from tidewater.domain.scope import Scope
from tidewater.store.tables import sim_sqs_messages as table

POLL_SECONDS: Final = 0.05  # how often a long poll looks again, in real time
MAX_VISIBILITY: Final = 43200
BODY: Final = re.compile("[\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]*")
SYSTEM: Final = (
    "SenderId",
    "SentTimestamp",
    "ApproximateReceiveCount",
    "ApproximateFirstReceiveTimestamp",
    "MessageGroupId",
)


def _ranged(params: Params, name: str, low: int, high: int, default: int, reason: str) -> int:
    value = params.get(name)
    if value is None:
        return default
    if not low <= int(value) <= high:
        raise out_of_range(value, name, reason)
    return int(value)


def _millis(when: datetime) -> str:
    return str(int(when.timestamp() * 1000))


class SimSqs(SqsQueues):
    """Amazon SQS of each account and region; also the engine's `Queues` port."""

    def send_message(self, scope: Scope, params: Params) -> dict[str, Any]:
        body = str(params.get("MessageBody") or "")
        if not body:
            raise missing("MessageBody")
        if BODY.fullmatch(body) is None:
            raise bad_contents()
        given = dict(params.get("MessageAttributes") or {})
        if len(given) > 10:
            # chosen wording for the documented limit of 10
            raise invalid(
                f"Number of message attributes [{len(given)}] exceeds the allowed maximum [10]."
            )
        now = self.clock.now()
        with self.db.write() as conn:
            message_id = self._post(conn, scope, self._by_url(conn, scope, params), params, now)
        out: dict[str, Any] = {"MD5OfMessageBody": digest.of_body(body), "MessageId": message_id}
        md5 = digest.of_attributes(given)
        if md5:
            out["MD5OfMessageAttributes"] = md5
        return out

    def _post(
        self, conn: Connection, scope: Scope, queue: Row[Any], params: Params, now: datetime
    ) -> str:
        """Store one message in `queue` on the caller's connection; returns its id."""
        body = str(params["MessageBody"])
        given = dict(params.get("MessageAttributes") or {})
        fifo = queue.attributes.get("FifoQueue") == "true"
        limit = int(queue.attributes["MaximumMessageSize"])
        if len(body.encode("utf-8")) + _size(given) > limit:
            raise too_large(limit)
        group = params.get("MessageGroupId")
        if fifo:
            if params.get("DelaySeconds") is not None:
                raise out_of_range(
                    params["DelaySeconds"],
                    "DelaySeconds",
                    "The request include parameter that is not valid for this queue type.",
                )
            if not group:
                raise missing("MessageGroupId")
            if queue.attributes.get("ContentBasedDeduplication") != "true" and not params.get(
                "MessageDeduplicationId"
            ):
                raise invalid(
                    "The queue should either have ContentBasedDeduplication enabled or "
                    "MessageDeduplicationId provided explicitly"
                )
        delay = _ranged(
            params,
            "DelaySeconds",
            0,
            900,
            int(queue.attributes["DelaySeconds"]),
            "Must be >= 0 and <= 900, if provided.",  # chosen, after the receive limits
        )
        message_id = str(uuid.uuid4())
        conn.execute(
            table.insert().values(
                **owner_columns(scope),
                id=message_id,
                queue=queue.name,
                body=body,
                attributes=given,
                group_id=group if fifo else None,
                sent_at=now,
                visible_at=now + timedelta(seconds=delay),
                receive_count=0,
            )
        )
        return message_id

    def receive_message(self, scope: Scope, params: Params) -> dict[str, Any]:
        """Messages now; or, long polling, the first that becomes visible within the wait."""
        count = _ranged(
            params, "MaxNumberOfMessages", 1, 10, 1, "Must be between 1 and 10, if provided."
        )
        wait = params.get("WaitTimeSeconds")
        if wait is not None:
            _ranged(params, "WaitTimeSeconds", 0, 20, 0, "Must be >= 0 and <= 20, if provided.")
        _ranged(
            params,
            "VisibilityTimeout",
            0,
            MAX_VISIBILITY,
            0,
            "Must be >= 0 and <= 43200, if provided.",
        )
        got, queue_wait = self._receive_now(scope, params, count)
        deadline = time.monotonic() + (int(wait) if wait is not None else queue_wait)
        while not got and time.monotonic() < deadline:
            # Between looks no connection and no lock is held; a look is a read, and only a
            # message ready now takes the write lock. The service clock is read anew each
            # time, so a test that moves it makes delayed messages visible at once.
            time.sleep(min(POLL_SECONDS, max(0.0, deadline - time.monotonic())))
            if self._ready(scope, params):
                got, _ = self._receive_now(scope, params, count)
        return {"Messages": got} if got else {}

    def _ready(self, scope: Scope, params: Params) -> bool:
        """Whether a receive would find a message now: a read, so waiting takes no lock."""
        now = self.clock.now()
        with self.db.read() as conn:
            queue = self._by_url(conn, scope, params)
            found = conn.execute(
                select(table.c.id)
                .where(
                    *owned(table, scope),
                    table.c.queue == queue.name,
                    table.c.visible_at <= now,
                    table.c.sent_at > now - retention(queue),
                )
                .limit(1)
            ).first()
        return found is not None

    def _receive_now(
        self, scope: Scope, params: Params, count: int
    ) -> tuple[list[dict[str, Any]], int]:
        now = self.clock.now()
        with self.db.write() as conn:
            queue = self._by_url(conn, scope, params)
            conn.execute(
                delete(table).where(
                    *owned(table, scope),
                    table.c.queue == queue.name,
                    table.c.sent_at <= now - retention(queue),
                )
            )
            visibility = _ranged(
                params,
                "VisibilityTimeout",
                0,
                MAX_VISIBILITY,
                int(queue.attributes["VisibilityTimeout"]),
                "",
            )
            rows = self._visible(conn, scope, queue, now, count)
            received = []
            for row in rows:
                token = uuid.uuid4().hex
                first = row.first_received_at or now
                conn.execute(
                    update(table)
                    .where(table.c.id == row.id)
                    .values(
                        visible_at=now + timedelta(seconds=visibility),
                        receive_count=row.receive_count + 1,
                        first_received_at=first,
                        receipt=token,
                    )
                )
                received.append(
                    self._shown(scope, params, row, token, row.receive_count + 1, first)
                )
        return received, int(queue.attributes["ReceiveMessageWaitTimeSeconds"])

    @staticmethod
    def _visible(
        conn: Connection, scope: Scope, queue: Row[Any], now: datetime, count: int
    ) -> list[Row[Any]]:
        where = [*owned(table, scope), table.c.queue == queue.name]
        query = select(table).where(*where, table.c.visible_at <= now)
        if queue.attributes.get("FifoQueue") == "true":
            # a group with a message in flight delivers nothing more until it is done
            busy = select(table.c.group_id).where(
                *where, table.c.visible_at > now, table.c.receive_count > 0
            )
            query = query.where(table.c.group_id.not_in(busy))
        # PostgreSQL writers run side by side: a message another receive holds is skipped, so no
        # two receives take the same message (SQLite writers take turns, and ignores this)
        ordered = query.order_by(table.c.sent_at, table.c.id).limit(count)
        return list(conn.execute(ordered.with_for_update(skip_locked=True)))

    def _shown(
        self, scope: Scope, params: Params, row: Row[Any], token: str, count: int, first: datetime
    ) -> dict[str, Any]:
        system = {
            "SenderId": scope.account,
            "SentTimestamp": _millis(row.sent_at),
            "ApproximateReceiveCount": str(count),
            "ApproximateFirstReceiveTimestamp": _millis(first),
        }
        if row.group_id is not None:
            system["MessageGroupId"] = row.group_id
        asked = {
            *(params.get("AttributeNames") or []),
            *(params.get("MessageSystemAttributeNames") or []),
        }
        chosen = system if "All" in asked else {k: v for k, v in system.items() if k in asked}
        patterns = list(params.get("MessageAttributeNames") or [])
        attrs = {k: v for k, v in row.attributes.items() if _named(k, patterns)}
        out: dict[str, Any] = {
            "MessageId": row.id,
            "ReceiptHandle": digest.receipt(row.id, token),
            "MD5OfBody": digest.of_body(row.body),
            "Body": row.body,
        }
        if chosen:
            out["Attributes"] = chosen
        if attrs:
            out["MessageAttributes"] = attrs
            out["MD5OfMessageAttributes"] = digest.of_attributes(attrs)
        return out

    def delete_message(self, scope: Scope, params: Params) -> None:
        message_id, token = digest.read_receipt(str(params["ReceiptHandle"]))
        with self.db.write() as conn:
            queue = self._by_url(conn, scope, params)
            # documented: an old handle succeeds without deleting; chosen: nothing is deleted
            conn.execute(
                delete(table).where(
                    *owned(table, scope),
                    table.c.queue == queue.name,
                    table.c.id == message_id,
                    table.c.receipt == token,
                )
            )

    def change_message_visibility(self, scope: Scope, params: Params) -> None:
        handle = str(params["ReceiptHandle"])
        message_id, token = digest.read_receipt(handle)
        seconds = params.get("VisibilityTimeout")
        if seconds is None:
            raise missing("VisibilityTimeout")
        _ranged(
            params,
            "VisibilityTimeout",
            0,
            MAX_VISIBILITY,
            0,
            "Must be >= 0 and <= 43200, if provided.",
        )
        now = self.clock.now()
        with self.db.write() as conn:
            queue = self._by_url(conn, scope, params)
            row = conn.execute(
                select(table).where(
                    *owned(table, scope), table.c.queue == queue.name, table.c.id == message_id
                )
            ).first()
            if row is None or row.receipt != token:
                # chosen: a handle of an earlier receive is refused like a deleted message's
                raise not_changeable(handle)
            held = (now - (row.first_received_at or now)).total_seconds()
            if held + int(seconds) > MAX_VISIBILITY:
                # documented: at most 12 hours from the first receive; wording chosen
                raise out_of_range(
                    seconds,
                    "VisibilityTimeout",
                    "Total VisibilityTimeout for the message is beyond the limit [43200 seconds].",
                )
            conn.execute(
                update(table)
                .where(table.c.id == message_id)
                .values(visible_at=now + timedelta(seconds=int(seconds)))
            )

    # -- the engine's Queues port --------------------------------------------------------------

    def exists(self, scope: Scope, queue_arn: str, within: Connection | None = None) -> bool:
        name = names.from_arn(scope, queue_arn)
        if name is None:
            return False
        try:
            if within is not None:
                self._queue(within, scope, name)
                return True
            with self.db.read() as conn:
                self._queue(conn, scope, name)
        except SqsFault:
            return False
        return True

    def send(
        self, scope: Scope, queue_arn: str, body: str, within: Connection | None = None
    ) -> bool:
        """Posts a notification; False when the ARN names no queue of this scope (or one that
        cannot take it: a FIFO queue, as AWS refuses it, or a body over its size).

        `within`: the caller's transaction, which may hold the database's write lock: the
        message is written there and commits or rolls back with what it reports."""
        name = names.from_arn(scope, queue_arn)
        if name is None:
            return False
        params = {"MessageBody": body}
        try:
            if within is not None:  # every refusal comes before the one insert
                self._post(
                    within, scope, self._queue(within, scope, name), params, self.clock.now()
                )
                return True
            with self.db.write() as conn:
                self._post(conn, scope, self._queue(conn, scope, name), params, self.clock.now())
        except SqsFault:
            return False
        return True


def _size(attributes: Mapping[str, Mapping[str, Any]]) -> int:
    """Documented: names, types and values all count toward the message size."""
    total = 0
    for name, value in attributes.items():
        data = value.get("StringValue") or value.get("BinaryValue") or ""
        total += (
            len(name.encode())
            + len(str(value.get("DataType", "")).encode())
            + len(str(data).encode())
        )
    return total


def _named(name: str, patterns: list[str]) -> bool:
    """MODEL: `All` or `.*` for every attribute, `prefix.*` for a prefix, else the exact name."""
    for pattern in patterns:
        if pattern in ("All", ".*") or pattern == name:
            return True
        if pattern.endswith(".*") and name.startswith(pattern[:-1]):
            return True
    return False
