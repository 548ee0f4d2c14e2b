"""The migrations build exactly the schema the code declares, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import column, select, table

from tests.conftest import _throwaway_database
from tidewater.app import SchemaBehind, prepare_database
from tidewater.domain.activity import Kind
from tidewater.domain.instance import Lifecycle
from tidewater.engine.steps import STEPS
from tidewater.store import schema
from tidewater.store.database import Database
from tidewater.store.tables import (
    Time,
    activities,
    groups,
    machines,
    members,
    metadata,
    scaling_rules,
)


def _old_group(**values: object) -> dict[str, object]:
    """A group row as an earlier version stored it; `values` replace the defaults."""
    return {
        "region": "r",
        "name": "g",
        "arn": "",
        "status": "Active",
        "min_size": 0,
        "max_size": 1,
        "desired": 0,
        "default_cooldown": 300,
        "launch": {},
        "zones": [],
        "subnets": [],
        "termination_policies": [],
        "suspended": [],
        "metrics": [],
        "new_instances_protected": False,
        "health_check_type": "EC2",
        "health_check_grace": 0,
        "rules": {},
        "settings": {},
        "targets": [],
        "created_at": datetime(2026, 1, 1, tzinfo=UTC),
        **values,
    }


def _at_revision(revision: str, url: str) -> Database:
    """A database of the test's own, built by the migrations up to `revision`."""
    db = Database(url)
    metadata.drop_all(db.engine)
    with db.engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    schema.upgrade(db, revision)
    return db


def _url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A database of the test's own: never the one a running test server uses."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'schema.db'}"
    made = _throwaway_database()
    url = next(made)
    request.addfinalizer(lambda: next(made, None))
    return url


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_migrations_match_the_tables(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    db = Database(_url(backend, tmp_path, request))
    metadata.drop_all(db.engine)
    with db.engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    schema.upgrade(db)
    with db.engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)
    assert differences == []
    assert schema.behind(db) is None
    db.dispose()


def test_the_head_a_server_expects_is_the_newest_migration() -> None:
    assert schema.head() == schema.script_head()


def test_a_fresh_database_is_created_and_an_old_one_refused(tmp_path: Path) -> None:
    fresh = Database(f"sqlite:///{tmp_path / 'fresh.db'}")
    prepare_database(fresh)
    assert schema.current(fresh) == schema.head()
    with fresh.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = 'older'")
    with pytest.raises(SchemaBehind, match="run `tidewater migrate` first"):
        prepare_database(fresh)
    fresh.dispose()


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_a_database_made_by_the_first_migration_is_upgraded_with_its_data(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = _url(backend, tmp_path, request)
    db = Database(url)
    metadata.drop_all(db.engine)
    with db.engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    schema.upgrade(db, "0001")
    with db.engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO access_keys (access_key_id, secret, account, created_at) "
            "VALUES ('AKIDKEPT', 'kept-secret', '123456789012', '2026-01-01 00:00:00+00:00')"
        )
    with pytest.raises(SchemaBehind, match=r"at revision 0001 .* run `tidewater migrate` first"):
        prepare_database(db)
    db.dispose()

    migrated = subprocess.run(
        [sys.executable, "-m", "tidewater", "migrate", "--database-url", url],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert migrated.returncode == 0, migrated.stderr
    assert f"schema at {schema.head()} (was 0001)" in migrated.stderr

    db = Database(url)
    prepare_database(db)  # now serves
    with db.engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)
        kept = conn.exec_driver_sql(
            "SELECT secret FROM access_keys WHERE access_key_id = 'AKIDKEPT'"
        ).scalar()
    assert differences == []
    assert kept == "kept-secret"
    db.dispose()


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_ess_groups_stored_before_the_zone_rule_stop_rebalancing(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    db = _at_revision("0007", _url(backend, tmp_path, request))
    old_rules = {
        "aws": {},
        "aliyun": {"exclusive_activities": True, "release_removed": True},
    }
    with db.engine.begin() as conn:
        for cloud, rules in old_rules.items():
            conn.execute(
                groups.insert().values(
                    _old_group(
                        id=f"{cloud}-group", account="123456789012", cloud=cloud, rules=rules
                    )
                )
            )
    schema.upgrade(db)
    with db.engine.connect() as conn:
        rows = conn.execute(groups.select().with_only_columns(groups.c.cloud, groups.c.rules))
        now = {cloud: rules for cloud, rules in rows}
    assert now == {
        "aws": {},
        "aliyun": {
            "exclusive_activities": True,
            "release_removed": True,
            "rebalances_zones": False,
        },
    }
    db.dispose()


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_launch_sources_stored_before_get_what_they_launch_in_neutral_words(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    db = _at_revision("0008", _url(backend, tmp_path, request))
    at = datetime(2026, 1, 1, tzinfo=UTC)
    with db.engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO launch_configurations (account, region, name, arn, data, created_at) "
                "VALUES ('1', 'r', 'lc', '', :data, :at)"
            ),
            {
                "data": json.dumps(
                    {
                        "ImageId": "ami-1",
                        "InstanceType": "t3.micro",
                        "KeyName": "k",
                        "SecurityGroups": ["sg-a"],
                    }
                ),
                "at": at,
            },
        )
        conn.execute(
            groups.insert().values(
                _old_group(
                    id="g-1",
                    account="1",
                    cloud="aliyun",
                    status="InService",
                    launch={"kind": "scaling_configuration", "id": "asc-1"},
                    health_check_type="ECS",
                )
            )
        )
        conn.execute(
            sa.text(
                "INSERT INTO scaling_configurations "
                "(id, group_id, name, image_id, instance_types, data, created_at) "
                "VALUES ('asc-1', 'g-1', 'c', 'img-1', :types, :data, :at)"
            ),
            {
                "types": json.dumps(["ecs.g6.large", "ecs.g6.xlarge"]),
                "data": json.dumps(
                    {
                        "KeyPairName": "kp",
                        "SecurityGroupId": "sg-1",
                        "SecurityGroupIds": ["sg-2"],
                        "LoadBalancerWeight": 7,
                    }
                ),
                "at": at,
            },
        )
    schema.upgrade(db)
    with db.engine.connect() as conn:
        configured = conn.exec_driver_sql("SELECT blueprint FROM launch_configurations").scalar()
        scaling = conn.exec_driver_sql("SELECT blueprint FROM scaling_configurations").scalar()
    loads = json.loads if isinstance(configured, str) else (lambda v: v)
    assert loads(configured) == {
        "image_id": "ami-1",
        "instance_type": "t3.micro",
        "key_name": "k",
        "security_groups": ["sg-a"],
        "weight": None,
    }
    assert loads(scaling) == {
        "image_id": "img-1",
        "instance_type": "ecs.g6.large",
        "key_name": "kp",
        "security_groups": ["sg-1", "sg-2"],
        "weight": 7,
    }


OLD = ("id", "ari", "group_id", "name", "data", "created_at")  # scaling_rules' columns before 0010
STORED_RULES = {  # ESS rules as stored before 0010: ESS's parameters as given
    "asr-simple": {
        "ScalingRuleType": "SimpleScalingRule",
        "AdjustmentType": "PercentChangeInCapacity",
        "AdjustmentValue": 50,
        "MinAdjustmentMagnitude": 2,
        "Cooldown": 60,
        "RegionId": "r",
    },
    "asr-step": {
        "ScalingRuleType": "StepScalingRule",
        "AdjustmentType": "TotalCapacity",
        "StepAdjustments": [{"MetricIntervalLowerBound": 0.0, "ScalingAdjustment": 1}],
    },
    "asr-target": {"ScalingRuleType": "TargetTrackingScalingRule", "TargetValue": 80.5},
}


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_ess_rules_stored_as_parameters_gain_the_engine_fields_and_give_them_back(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    db = _at_revision("0009", _url(backend, tmp_path, request))
    old = table(
        "scaling_rules", *(column(c.name, c.type) for c in scaling_rules.c if c.name in OLD)
    )
    with db.engine.begin() as conn:
        conn.execute(
            groups.insert().values(
                _old_group(id="asg-1", account="123456789012", cloud="aliyun", rules={})
            )
        )
        for rule_id, data in STORED_RULES.items():
            conn.execute(
                old.insert().values(
                    id=rule_id,
                    ari=f"ari:acs:ess:r:1:scalingrule/{rule_id}",
                    group_id="asg-1",
                    name=rule_id,
                    data=data,
                    created_at=datetime(2026, 1, 1, tzinfo=UTC),
                )
            )
    schema.upgrade(db)
    fields = ("kind", "change", "value", "min_step", "cooldown", "data")
    with db.engine.connect() as conn:
        rows = conn.execute(select(scaling_rules.c.id, *(scaling_rules.c[f] for f in fields)))
        now = {row.id: tuple(row)[1:] for row in rows}
    assert now == {
        "asr-simple": ("simple", "percent", 50, 2, 60, {"RegionId": "r"}),
        "asr-step": (
            "step",
            "exact",
            None,
            None,
            None,
            {"StepAdjustments": [{"MetricIntervalLowerBound": 0.0, "ScalingAdjustment": 1}]},
        ),
        "asr-target": ("target_tracking", None, None, None, None, {"TargetValue": 80.5}),
    }
    command.downgrade(schema._config(db), "0009")
    with db.engine.connect() as conn:
        back = {row.id: row.data for row in conn.execute(select(old.c.id, old.c.data))}
    assert back == STORED_RULES
    db.dispose()


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_the_hook_tables_come_and_go_with_their_migration(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    db = Database(_url(backend, tmp_path, request))
    schema.upgrade(db)
    hook_tables = {"lifecycle_hooks", "lifecycle_actions"}
    assert hook_tables <= set(sa.inspect(db.engine).get_table_names())
    command.downgrade(schema._config(db), "0010")
    assert not hook_tables & set(sa.inspect(db.engine).get_table_names())
    schema.upgrade(db)
    assert schema.current(db) == schema.head()
    db.dispose()


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_the_simulated_queues_arrive_with_0012(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    db = _at_revision("0011", _url(backend, tmp_path, request))
    assert "sim_sqs_queues" not in sa.inspect(db.engine).get_table_names()
    schema.upgrade(db, "0012")
    assert {"sim_sqs_queues", "sim_sqs_messages"} <= set(sa.inspect(db.engine).get_table_names())
    assert schema.current(db) == "0012"
    db.dispose()


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_ess_hook_columns_come_and_go_with_0013(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    db = _at_revision("0012", _url(backend, tmp_path, request))
    assert "hook_id" not in {
        c["name"] for c in sa.inspect(db.engine).get_columns("lifecycle_hooks")
    }
    schema.upgrade(db, "0013")
    hooks = {c["name"] for c in sa.inspect(db.engine).get_columns("lifecycle_hooks")}
    actions = {c["name"] for c in sa.inspect(db.engine).get_columns("lifecycle_actions")}
    assert {"hook_id", "active"} <= hooks and "handle" in actions
    assert schema.current(db) == "0013"
    command.downgrade(schema._config(db), "0012")
    assert "handle" not in {
        c["name"] for c in sa.inspect(db.engine).get_columns("lifecycle_actions")
    }
    db.dispose()


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_instance_refreshes_come_and_go_with_0014(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    db = _at_revision("0013", _url(backend, tmp_path, request))
    assert "instance_refreshes" not in sa.inspect(db.engine).get_table_names()
    schema.upgrade(db, "0014")
    assert "instance_refreshes" in sa.inspect(db.engine).get_table_names()
    assert schema.current(db) == "0014"
    command.downgrade(schema._config(db), "0013")
    assert "instance_refreshes" not in sa.inspect(db.engine).get_table_names()
    db.dispose()


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_metric_datapoints_come_and_go_with_0015(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    db = _at_revision("0014", _url(backend, tmp_path, request))
    assert "sim_cw_datapoints" not in sa.inspect(db.engine).get_table_names()
    schema.upgrade(db, "0015")
    indexes = {i["name"] for i in sa.inspect(db.engine).get_indexes("sim_cw_datapoints")}
    assert "ix_sim_cw_datapoints_metric_at" in indexes
    assert schema.current(db) == "0015"
    command.downgrade(schema._config(db), "0014")
    assert "sim_cw_datapoints" not in sa.inspect(db.engine).get_table_names()
    db.dispose()


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_scheduled_actions_come_and_go_with_0016(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    db = _at_revision("0015", _url(backend, tmp_path, request))
    assert "scheduled_actions" not in sa.inspect(db.engine).get_table_names()
    schema.upgrade(db, "0016")
    columns = {c["name"] for c in sa.inspect(db.engine).get_columns("scheduled_actions")}
    assert {"next_at", "recurrence", "time_zone"} <= columns
    assert schema.current(db) == "0016"
    command.downgrade(schema._config(db), "0015")
    assert "scheduled_actions" not in sa.inspect(db.engine).get_table_names()
    db.dispose()


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_scaling_rules_gain_policy_columns_with_0017(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    db = _at_revision("0016", _url(backend, tmp_path, request))
    schema.upgrade(db, "0017")
    columns = {c["name"] for c in sa.inspect(db.engine).get_columns("scaling_rules")}
    assert {"enabled", "steps", "warmup", "target", "alarms"} <= columns
    assert schema.current(db) == "0017"
    command.downgrade(schema._config(db), "0016")
    columns = {c["name"] for c in sa.inspect(db.engine).get_columns("scaling_rules")}
    assert not {"enabled", "steps", "warmup", "target", "alarms"} & columns
    db.dispose()


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_metric_alarms_come_and_go_with_0018(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    db = _at_revision("0017", _url(backend, tmp_path, request))
    assert "sim_cw_alarms" not in sa.inspect(db.engine).get_table_names()
    schema.upgrade(db, "0018")
    columns = {c["name"] for c in sa.inspect(db.engine).get_columns("sim_cw_alarms")}
    assert {"next_at", "state", "config", "actions_enabled"} <= columns
    assert "sim_cw_alarm_history" in sa.inspect(db.engine).get_table_names()
    assert schema.current(db) == "0018"
    command.downgrade(schema._config(db), "0017")
    assert not {"sim_cw_alarms", "sim_cw_alarm_history"} & set(
        sa.inspect(db.engine).get_table_names()
    )
    db.dispose()


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_group_loads_come_and_go_with_0019(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    db = _at_revision("0018", _url(backend, tmp_path, request))
    assert "group_loads" not in sa.inspect(db.engine).get_table_names()
    schema.upgrade(db, "0019")
    columns = {c["name"] for c in sa.inspect(db.engine).get_columns("group_loads")}
    assert {"model", "published_at", "next_at"} <= columns
    assert schema.current(db) == "0019"
    command.downgrade(schema._config(db), "0018")
    assert "group_loads" not in sa.inspect(db.engine).get_table_names()
    db.dispose()


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_ess_task_columns_come_and_go_with_0020(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    db = _at_revision("0019", _url(backend, tmp_path, request))
    schema.upgrade(db, "0020")
    columns = {c["name"] for c in sa.inspect(db.engine).get_columns("scheduled_actions")}
    assert {"kind", "rule_ari", "description", "enabled", "expiry"} <= columns
    assert schema.current(db) == "0020"
    command.downgrade(schema._config(db), "0019")
    columns = {c["name"] for c in sa.inspect(db.engine).get_columns("scheduled_actions")}
    assert "kind" not in columns and "next_at" in columns
    db.dispose()


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_the_service_clock_comes_and_goes_with_0021(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    db = _at_revision("0020", _url(backend, tmp_path, request))
    assert "service_clock" not in sa.inspect(db.engine).get_table_names()
    schema.upgrade(db, "0021")
    assert "service_clock" in sa.inspect(db.engine).get_table_names()
    assert schema.current(db) == "0021"
    command.downgrade(schema._config(db), "0020")
    assert "service_clock" not in sa.inspect(db.engine).get_table_names()
    db.dispose()


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_a_load_row_may_hold_no_model_from_0022(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    db = _at_revision("0021", _url(backend, tmp_path, request))
    model = {c["name"]: c for c in sa.inspect(db.engine).get_columns("group_loads")}["model"]
    assert model["nullable"] is False
    schema.upgrade(db, "0022")
    model = {c["name"]: c for c in sa.inspect(db.engine).get_columns("group_loads")}["model"]
    assert model["nullable"] is True
    assert schema.current(db) == "0022"
    command.downgrade(schema._config(db), "0021")
    model = {c["name"]: c for c in sa.inspect(db.engine).get_columns("group_loads")}["model"]
    assert model["nullable"] is False
    db.dispose()


@pytest.mark.parametrize(
    ("before", "after", "table", "index"),
    [
        # the runner's per-pass machine queries search by state (compute.advance, forget)
        ("0022", "0023", "machines", "ix_machines_state_unobserved_cloud_changed_at"),
        # ESS's numbered group pages walk a scope's groups in creation order
        ("0023", "0024", "groups", "ix_groups_account_region_cloud_seq"),
        # a scope's instance pages walk its own members, by id (AWS) and as they joined (ESS)
        ("0024", "0025", "members", "ix_members_account_region_cloud_instance_id"),
        ("0024", "0025", "members", "ix_members_account_region_cloud_joined_at_instance_id"),
    ],
)
@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_a_scale_index_comes_and_goes_with_its_migration(
    backend: str,
    before: str,
    after: str,
    table: str,
    index: str,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    db = _at_revision(before, _url(backend, tmp_path, request))

    def indexed() -> set[str]:
        return {i["name"] for i in sa.inspect(db.engine).get_indexes(table)}

    assert index not in indexed()
    schema.upgrade(db, after)
    assert index in indexed()
    assert schema.current(db) == after
    command.downgrade(schema._config(db), before)
    assert index not in indexed()
    db.dispose()


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_members_take_their_groups_scope_with_0025(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    db = _at_revision("0024", _url(backend, tmp_path, request))
    with db.engine.begin() as conn:
        for group, account, region, cloud in [
            ("g-aws", "111", "us-east-1", "aws"),
            ("g-ess", "222", "cn-hangzhou", "aliyun"),
        ]:
            conn.execute(
                groups.insert().values(
                    _old_group(id=group, account=account, region=region, cloud=cloud, name=group)
                )
            )
            conn.execute(
                sa.text(
                    "INSERT INTO members (instance_id, group_id, zone, subnet_id, state, healthy,"
                    " protected, origin, entrusted, instance_type, launch, joined_at) VALUES"
                    " (:i, :g, 'z', 's', 'InService', true, false, 'launched', false, 't', '{}',"
                    " :at)"
                ),
                {"i": f"i-{group}", "g": group, "at": datetime(2026, 1, 1, tzinfo=UTC)},
            )
    schema.upgrade(db, "0025")
    with db.engine.connect() as conn:
        scoped = conn.execute(
            sa.text("SELECT instance_id, account, region, cloud FROM members ORDER BY instance_id")
        ).all()
    assert [tuple(r) for r in scoped] == [
        ("i-g-aws", "111", "us-east-1", "aws"),
        ("i-g-ess", "222", "cn-hangzhou", "aliyun"),
    ]
    columns = {c["name"]: c for c in sa.inspect(db.engine).get_columns("members")}
    assert all(columns[name]["nullable"] is False for name in ("account", "region", "cloud"))
    command.downgrade(schema._config(db), "0024")
    columns = {c["name"]: c for c in sa.inspect(db.engine).get_columns("members")}
    assert not {"account", "region", "cloud"} & set(columns)
    with db.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM members")).scalar() == 2
    db.dispose()


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_machines_in_use_are_counted_into_their_kept_count_by_0026(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    db = _at_revision("0025", _url(backend, tmp_path, request))
    at = datetime(2026, 1, 1, tzinfo=UTC)
    states = [("aws", "us-east-1", s) for s in ("pending", "running", "running", "stopped")]
    states += [("aliyun", "cn-hangzhou", s) for s in ("running", "terminated")]
    with db.engine.begin() as conn:
        for n, (cloud, region, state) in enumerate(states):
            conn.execute(
                machines.insert().values(
                    id=f"i-{n}",
                    account="111",
                    region=region,
                    cloud=cloud,
                    zone=f"{region}a",
                    subnet_id="subnet-1",
                    vpc_id="vpc-1",
                    image_id="ami-1",
                    instance_type="t3.micro",
                    state=state,
                    launched_at=at,
                    changed_at=at,
                    private_ip=f"10.0.0.{n}",
                )
            )
    schema.upgrade(db, "0026")
    with db.engine.connect() as conn:
        kept = {
            (r.cloud, r.region): r.in_use
            for r in conn.execute(sa.text("SELECT cloud, region, in_use FROM sim_machine_counts"))
        }
    assert kept == {("aws", "us-east-1"): 3, ("aliyun", "cn-hangzhou"): 1}
    command.downgrade(schema._config(db), "0025")
    assert "sim_machine_counts" not in sa.inspect(db.engine).get_table_names()
    db.dispose()


def test_sqlite_times_read_back_aware_in_utc_whatever_their_stored_form(tmp_path: Path) -> None:
    """The fast SQLite time parser gives what the general one gives, for every stored form."""
    table = sa.Table(
        "t", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True), sa.Column("at", Time)
    )
    engine = sa.create_engine(f"sqlite:///{tmp_path / 't.db'}")
    table.metadata.create_all(engine)
    moment = datetime(2026, 12, 4, 23, 59, 59, 123456, tzinfo=timezone(timedelta(hours=-5)))
    with engine.begin() as conn:
        conn.execute(sa.insert(table).values(id=1, at=moment))
        conn.execute(sa.insert(table).values(id=2, at=None))
        conn.execute(sa.text("INSERT INTO t (id, at) VALUES (3, '2026-12-04 10:00:00')"))
        conn.execute(sa.text("INSERT INTO t (id, at) VALUES (4, '2026-12-04 10:00:00+00:00')"))
        read = dict(conn.execute(sa.select(table.c.id, table.c.at)).all())
    assert read == {
        1: moment.astimezone(UTC),
        2: None,
        3: datetime(2026, 12, 4, 10, tzinfo=UTC),
        4: datetime(2026, 12, 4, 10, tzinfo=UTC),
    }
    assert all(v is None or v.tzinfo is UTC for v in read.values())


def test_every_state_and_step_name_fits_its_column() -> None:
    """SQLite stores a longer value than the column allows; PostgreSQL refuses it mid-activity."""
    assert max(len(state) for state in Lifecycle) <= members.c.state.type.length
    assert max(len(step) for step in STEPS) <= activities.c.step.type.length
    assert max(len(kind) for kind in Kind) <= activities.c.kind.type.length
