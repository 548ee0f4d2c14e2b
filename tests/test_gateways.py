"""The scoped gateways on a real database: one scope's groups, members and activities, no other's.

Commands open `ctx.change(scope)` and see the world through these; here they are driven
directly, in process, with the clock frozen and the runner idle.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tidewater.app import Tidewater, build
from tidewater.clock import Clock
from tidewater.config import Settings
from tidewater.domain.activity import Kind
from tidewater.domain.group import GroupStatus, Rules
from tidewater.domain.instance import Lifecycle, Origin
from tidewater.domain.refusal import Refusal
from tidewater.domain.scope import Cloud, Scope
from tidewater.engine import groups
from tidewater.engine.groups import GroupSpec

AWS = Scope("111111111111", "us-east-1", Cloud.AWS)
ESS = Scope("111111111111", "cn-hangzhou", Cloud.ALIYUN)
ELSEWHERE = [
    Scope("222222222222", "us-east-1", Cloud.AWS),
    Scope("111111111111", "us-west-2", Cloud.AWS),
    Scope("111111111111", "us-east-1", Cloud.ALIYUN),
]
NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def app(tmp_path: Path, own_database_url: str) -> Iterator[Tidewater]:
    service = build(
        Settings(data_dir=tmp_path, database_url=own_database_url, runner="manual"),
        Clock(frozen_at=NOW),
    )
    yield service
    service.db.dispose()


def _group(app: Tidewater, scope: Scope, name: str) -> str:
    """A group without a launch source (ESS's Inactive birth), so no instance is ever started."""
    zones = app.ctx.compute.zones(scope)[:1]
    spec = GroupSpec(name=name, min_size=0, max_size=2, zones=zones, status=GroupStatus.INACTIVE)
    if scope.cloud is Cloud.ALIYUN:
        spec.rules = Rules(exclusive_activities=True, batched_activities=True)
    return groups.create(app.ctx, scope, spec)


def _member(books: Any, group_id: str, instance_id: str) -> None:
    books.members.add(
        instance_id=instance_id,
        group_id=group_id,
        zone="z",
        subnet_id="subnet-1",
        state=Lifecycle.IN_SERVICE.value,
        healthy=True,
        protected=False,
        origin=Origin.ATTACHED.value,
        entrusted=False,
        instance_type="t3.micro",
        launch={},
        joined_at=NOW,
    )


def test_each_cloud_names_its_groups_its_own_way(app: Tidewater) -> None:
    aws_id = _group(app, AWS, "web")
    ess_id = _group(app, ESS, "web")
    assert re.fullmatch(r"[0-9a-f-]{36}", aws_id)
    assert re.fullmatch(r"asg-[a-z0-9]{20}", ess_id)
    with app.ctx.read(AWS) as books:
        row = books.groups.find("web")
        assert row.id == aws_id
        assert row.arn == (
            f"arn:aws:autoscaling:us-east-1:111111111111:autoScalingGroup:{aws_id}"
            ":autoScalingGroupName/web"
        )
        with pytest.raises(Refusal) as refused:
            books.groups.find(aws_id)  # AWS requests name a group; its id finds nothing
        assert refused.value.reason == "group.not_found"
        assert refused.value.facts == {"group": aws_id}
    with app.ctx.read(ESS) as books:
        assert (
            books.groups.find(ess_id).arn
            == f"acs:ess:cn-hangzhou:111111111111:scalinggroup/{ess_id}"
        )
        with pytest.raises(Refusal):
            books.groups.find("web")  # ESS requests give the ScalingGroupId
        assert books.groups.named("web") is not None  # names stay unique in a scope all the same


@pytest.mark.parametrize(
    "other", ELSEWHERE, ids=lambda s: f"{s.account}-{s.region}-{s.cloud.value}"
)
def test_a_scope_sees_only_its_own(app: Tidewater, other: Scope) -> None:
    group_id = _group(app, AWS, "web")
    with app.ctx.change(AWS) as books:
        _member(books, group_id, "i-00000000000000001")
        row = books.groups.lock("web")
        books.activities.add(row, Kind.DETACH, NOW, client_token="token-1")
    with app.ctx.read(other) as books:
        with pytest.raises(Refusal):
            books.groups.find("web")
        assert books.groups.count() == 0
        assert books.groups.named("web") is None
        assert books.members.owners(["i-00000000000000001"]) == {}
        # attaching looks past the scope: an instance belongs to one group in the whole service
        owner = books.members.owners(["i-00000000000000001"], anywhere=True)
        assert owner["i-00000000000000001"].name == "web"
        assert books.activities.by_token("token-1") is None
    with app.ctx.read(AWS) as books:
        assert books.groups.count() == 1
        assert books.members.owners(["i-00000000000000001"])["i-00000000000000001"].id == group_id
        found = books.activities.by_token("token-1")
        assert found is not None and found["group_id"] == group_id
        assert books.activities.busy(group_id)


def test_locking_many_groups_answers_by_the_keys_asked(app: Tidewater) -> None:
    ids = {name: _group(app, AWS, name) for name in ("b", "a", "c")}
    with app.ctx.change(AWS) as books:
        rows = books.groups.lock_many(["c", "a", "c"])
        assert {key: row.id for key, row in rows.items()} == {"c": ids["c"], "a": ids["a"]}
        with pytest.raises(Refusal) as refused:
            books.groups.lock_many(["a", "missing"])
        assert refused.value.facts == {"group": "missing"}


def test_opening_a_busy_ess_group_is_refused_and_an_aws_one_is_not(app: Tidewater) -> None:
    ess_id = _group(app, ESS, "web")
    aws_id = _group(app, AWS, "web")
    for scope, key, group_id in ((ESS, ess_id, ess_id), (AWS, "web", aws_id)):
        with app.ctx.change(scope) as books:
            books.groups.change(group_id, status=GroupStatus.ACTIVE.value)
            books.activities.add(books.groups.find(key), Kind.ATTACH, NOW)
    with app.ctx.change(ESS) as books:
        with pytest.raises(Refusal) as refused:
            books.open(ess_id)
        assert refused.value.reason == "group.activity_in_progress"
    with app.ctx.change(AWS) as books:
        row, group, members = books.open("web")
        assert (row.id, group.name, members) == (aws_id, "web", {})


def test_activity_ids_are_the_clouds_own(app: Tidewater) -> None:
    ess_id = _group(app, ESS, "web")
    _group(app, AWS, "web")
    with app.ctx.change(ESS) as books:
        made = books.activities.add(books.groups.find(ess_id), Kind.SCALE, NOW, runs=False)
    assert re.fullmatch(r"asa-[0-9a-f]{20}", made["id"]) and made["due_at"] is None
    with app.ctx.change(AWS) as books:
        made = books.activities.add(books.groups.find("web"), Kind.SCALE, NOW)
    assert re.fullmatch(r"[0-9a-f-]{36}", made["id"]) and made["due_at"] == NOW
