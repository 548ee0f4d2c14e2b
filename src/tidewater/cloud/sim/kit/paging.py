"""Pages of a listing: opaque tokens, keyset pages in SQL, offset pages of small catalogues.

A token is URL-safe base64 of a JSON list: the listing's kind, then the last item's sort key
(or, for an in-memory catalogue, the next offset). Clients treat it as opaque; the service
refuses one that is not its own, of another listing, or holding values of the wrong types.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Row, Select, Table, and_, func, or_, select

from tidewater.store.tables import UTCDateTime

Order = tuple[tuple[Any, bool], ...]  # (column, descending) from the first sort key to the last


@dataclass(frozen=True, slots=True)
class Page:
    """Which page a request asks for: its listing, its size (None: all), where it starts."""

    kind: str
    limit: int | None
    after: list[Any] | None


def encode(kind: str, values: Sequence[Any], *, padded: bool = False) -> str:
    plain = [v.isoformat() if isinstance(v, datetime) else v for v in values]
    text = base64.urlsafe_b64encode(json.dumps([kind, *plain]).encode()).decode()
    return text if padded else text.rstrip("=")


def _decode_value(raw: Any, expected: type) -> Any:
    if expected is datetime:
        value = datetime.fromisoformat(raw)
        if value.tzinfo is None:
            raise ValueError("naive time")
        return value
    if not isinstance(raw, expected) or isinstance(raw, bool):
        raise ValueError("wrong type")
    if isinstance(raw, int) and not -(2**62) < raw < 2**62:
        raise ValueError("out of range")
    return raw


def decode(
    kind: str,
    token: str,
    types: Sequence[type],
    fault: Callable[[], Exception],
    *,
    padded: bool = False,
    ascii_only: bool = True,
) -> list[Any]:
    """The values a token of this listing carries; `fault` when it is not such a token.

    `padded`: the service hands out tokens with their `=` padding and takes back only those;
    `ascii_only=False`: characters outside base64 are skipped rather than refused (ECS).
    """
    try:
        text = token if padded else token + "=" * (-len(token) % 4)
        raw = text.encode("ascii") if ascii_only else text.encode()
        decoded = json.loads(base64.urlsafe_b64decode(raw))
        if not isinstance(decoded, list) or decoded[:1] != [kind] or len(decoded) != len(types) + 1:
            raise ValueError("not ours")
        return [_decode_value(raw, t) for raw, t in zip(decoded[1:], types, strict=True)]
    except (ValueError, TypeError) as error:
        raise fault() from error


def column_types(order: Order) -> list[type]:
    """The Python types of a keyset's columns, which a token must carry back."""
    return [
        datetime if isinstance(column.type, UTCDateTime) else column.type.python_type
        for column, _ in order
    ]


def _after(order: Order, values: Sequence[Any]) -> ColumnElement[bool]:
    """Rows strictly beyond the previous page's last row, in the page's own order (keyset)."""
    clauses = []
    for index, (column, descending) in enumerate(order):
        equal = [c == v for (c, _), v in zip(order[:index], values[:index], strict=True)]
        beyond = column < values[index] if descending else column > values[index]
        clauses.append(and_(*equal, beyond))
    return or_(*clauses)


def fetch(
    conn: Connection, query: Select[Any], order: Order, page: Page
) -> tuple[list[Row[Any]], str | None]:
    """One page in one statement: LIMIT n+1 tells whether another page follows."""
    if page.after is not None:
        query = query.where(_after(order, page.after))
    query = query.order_by(*(column.desc() if desc else column for column, desc in order))
    if page.limit is None:
        return list(conn.execute(query)), None
    rows = list(conn.execute(query.limit(page.limit + 1)))
    if len(rows) <= page.limit:
        return rows, None
    rows = rows[: page.limit]
    last = rows[-1]._mapping
    return rows, encode(page.kind, [last[column] for column, _ in order])


def by_offset(
    items: list[Any], page: Page, fault: Callable[[], Exception]
) -> tuple[list[Any], str | None]:
    """Fixed catalogues are tiny and in memory, so an offset is a stable position."""
    start = page.after[0] if page.after else 0
    if start < 0:
        raise fault()
    if page.limit is None or start + page.limit >= len(items):
        return items[start:], None
    return items[start : start + page.limit], encode(page.kind, [start + page.limit])


def numbered(items: list[Any], number: int, size: int) -> list[Any]:
    """Page `number` (from 1) of `size` items, as Alibaba's PageNumber/PageSize count."""
    start = (number - 1) * size
    return items[start : start + size]


def numbered_rows(
    conn: Connection,
    table: Table,
    where: Sequence[ColumnElement[bool]],
    order: Sequence[Any],
    number: int,
    size: int,
) -> tuple[int, list[Row[Any]]]:
    """The total and page `number` of `size` rows: Alibaba's describes count every match."""
    total = conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one()
    offset = (number - 1) * size
    if offset >= total:
        return total, []
    rows = conn.execute(
        select(table).where(*where).order_by(*order).limit(size).offset(offset)
    ).all()
    return total, list(rows)
