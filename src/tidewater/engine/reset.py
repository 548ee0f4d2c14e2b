"""A fresh start between tests: everything the APIs made, or one account, region or cloud's share.

What a reset keeps is what nobody made through an API: the access keys, the service clock and
the ledger of signatures already seen (a replayed request stays refused).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, and_, delete, true

from tidewater.domain.scope import Cloud
from tidewater.store.database import Database
from tidewater.store.tables import metadata

KEPT = frozenset({"access_keys", "service_clock", "signature_nonces"})

# simulated services of Alibaba Cloud whose tables carry no cloud column; every other such
# table belongs to AWS's (EC2, ELB, CloudWatch, SQS, SSM, Auto Scaling's own)
ALIYUN_ONLY = frozenset(
    {"sim_aliyun_vpcs", "sim_vswitches", "sim_ecs_security_groups", "sim_slbs", "sim_rds_instances"}
)


@dataclass(frozen=True)
class Share:
    """What a reset takes: every field left None matches anything."""

    account: str | None = None
    region: str | None = None
    cloud: Cloud | None = None

    @property
    def everything(self) -> bool:
        return self.account is None and self.region is None and self.cloud is None


def scoped(table: Table) -> bool:
    """A table whose rows carry their account and region; the rest follow a parent's cascade."""
    return "account" in table.c and "region" in table.c


def cloud_of(table: Table) -> Cloud | None:
    """The one cloud a scoped table without a cloud column serves; None: it has the column."""
    if "cloud" in table.c:
        return None
    return Cloud.ALIYUN if table.name in ALIYUN_ONLY else Cloud.AWS


def reset(db: Database, share: Share) -> dict[str, int]:
    """Delete what `share` names, in one transaction; the rows deleted, by table."""
    deleted: dict[str, int] = {}
    with db.write() as conn:
        for table in reversed(metadata.sorted_tables):  # children first, though they cascade
            if table.name in KEPT or not (share.everything or scoped(table)):
                continue
            match = _matching(table, share)
            if match is None:
                continue
            count = conn.execute(delete(table).where(match)).rowcount
            if count:
                deleted[table.name] = count
        db.notify(conn)
    return deleted


def _matching(table: Table, share: Share) -> Any:
    """The rows of `table` in `share`, or None when the table holds none of its cloud's."""
    if share.everything:
        return true()
    conditions = []
    if share.account is not None:
        conditions.append(table.c.account == share.account)
    if share.region is not None:
        conditions.append(table.c.region == share.region)
    if share.cloud is not None:
        own = cloud_of(table)
        if own is None:
            conditions.append(table.c.cloud == share.cloud.value)
        elif own is not share.cloud:
            return None
    return and_(*conditions)
