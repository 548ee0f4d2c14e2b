"""`tidewater check` passes on a database the service left at rest and names what is broken."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from alibabacloud_ess20220222 import models as m
from sqlalchemy import create_engine, delete, insert, select, text, update

from tests.conftest import Server
from tests.helpers import (
    aliyun_call,
    aws_client,
    classic_elb,
    describe_group,
    ess_client,
    instance_ids,
    make_group,
    run_check,
)
from tests.test_aws_lifecycle_hooks import TERMINATING, states
from tests.test_ess import IMAGE as ESS_IMAGE
from tests.test_ess import instances as ess_instances
from tidewater.engine.invariants import check
from tidewater.store.database import Database
from tidewater.store.tables import activities, group_loads, groups, lifecycle_actions

ALIYUN_REGION = "cn-hangzhou"


def test_check_is_clean_after_a_workflow_and_names_violations(own_server: Server) -> None:
    autoscaling = aws_client(own_server, "autoscaling")
    group = make_group(autoscaling, own_server, min_size=0, desired=3)
    first, second, _ = instance_ids(group)
    autoscaling.detach_instances(
        AutoScalingGroupName="web", InstanceIds=[first], ShouldDecrementDesiredCapacity=False
    )
    autoscaling.terminate_instance_in_auto_scaling_group(
        InstanceId=second, ShouldDecrementDesiredCapacity=True
    )
    own_server.settle()
    own_server.advance(10)
    own_server.advance(10)
    url = own_server.database_url
    clean = run_check(url)
    assert clean.returncode == 0, clean.stderr
    assert "all invariants hold" in clean.stderr

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        member = conn.execute(text("SELECT instance_id FROM members LIMIT 1")).scalar()
        conn.execute(text("DELETE FROM machine_tags WHERE machine_id = :m"), {"m": member})
        conn.execute(text("DELETE FROM machines WHERE id = :m"), {"m": member})
        conn.execute(text("UPDATE groups SET desired = max_size + 1"))
        moved = conn.execute(
            text(
                "UPDATE members SET region = 'eu-west-1' WHERE instance_id != :m"
                " RETURNING instance_id"
            ),
            {"m": member},
        ).scalar()
    engine.dispose()
    broken = run_check(url)
    assert broken.returncode == 1
    assert f"member-without-machine: {member}" in broken.stderr
    assert f"member-out-of-scope: {moved}" in broken.stderr
    assert "group-bounds" in broken.stderr
    # the running machine deleted behind the cloud's back is still in its kept count
    assert "instance-count: 000000000000/us-east-1/aws" in broken.stderr
    listed = run_check(url, "--output", "json")  # the same, for scripts
    assert listed.returncode == 1
    found = {(v["rule"], v["subject"]) for v in json.loads(listed.stdout)}
    assert {("member-without-machine", member), ("member-out-of-scope", moved)} <= found


def aws_group_behind_balancers(server: Server) -> dict[str, Any]:
    """An Auto Scaling group in a Classic ELB and a target group: one detached, one in standby."""
    autoscaling, ec2 = aws_client(server, "autoscaling"), aws_client(server, "ec2")
    elb, elbv2 = aws_client(server, "elb"), aws_client(server, "elbv2")
    classic_elb(elb, "classic", ["us-east-1a"])
    vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
    tg = elbv2.create_target_group(Name="web", Protocol="HTTP", Port=80, VpcId=vpc)["TargetGroups"][
        0
    ]["TargetGroupArn"]
    elbv2.modify_target_group_attributes(
        TargetGroupArn=tg,
        Attributes=[{"Key": "deregistration_delay.timeout_seconds", "Value": "20"}],
    )
    group = make_group(
        autoscaling,
        server,
        min_size=0,
        desired=3,
        LoadBalancerNames=["classic"],
        TargetGroupARNs=[tg],
    )
    detached, resting, serving = instance_ids(group)
    autoscaling.detach_instances(
        AutoScalingGroupName="web", InstanceIds=[detached], ShouldDecrementDesiredCapacity=True
    )
    autoscaling.enter_standby(
        AutoScalingGroupName="web", InstanceIds=[resting], ShouldDecrementDesiredCapacity=True
    )
    for _ in range(3):
        server.settle()
        server.advance(30)
    states = {
        i["InstanceId"]: i["LifecycleState"]
        for i in describe_group(autoscaling, "web")["Instances"]
    }
    assert states == {resting: "Standby", serving: "InService"}
    return {"detached": detached, "resting": resting, "serving": serving, "tg": tg}


def aliyun(server: Server, product_version: str, action: str, **params: Any) -> Any:
    """One SLB, RDS or ECS call through aliyun-python-sdk-core."""
    from aliyunsdkcore.client import AcsClient

    client = AcsClient("test", "test", ALIYUN_REGION)
    client.add_endpoint(ALIYUN_REGION, "Ess", server.url.removeprefix("http://"))
    return aliyun_call(client, server, ALIYUN_REGION, product_version, action, **params)


def ess_group_behind_slb_and_rds(server: Server) -> dict[str, Any]:
    """An ESS group in an SLB and an RDS whitelist: one removed, one in standby."""
    ess = ess_client(server, ALIYUN_REGION)
    lb = aliyun(server, "2014-05-15", "CreateLoadBalancer", AddressType="intranet")[
        "LoadBalancerId"
    ]
    db = aliyun(
        server,
        "2014-08-15",
        "CreateDBInstance",
        Engine="MySQL",
        EngineVersion="8.0",
        DBInstanceClass="rds.mysql.s1.small",
        DBInstanceStorage=20,
        DBInstanceNetType="Intranet",
        SecurityIPList="127.0.0.1",
        PayType="Postpaid",
    )["DBInstanceId"]
    server.advance(120)
    group = ess.create_scaling_group(
        m.CreateScalingGroupRequest(
            region_id=ALIYUN_REGION,
            scaling_group_name="web",
            min_size=0,
            max_size=4,
            desired_capacity=3,
            load_balancer_ids=json.dumps([lb]),
            dbinstance_ids=json.dumps([db]),
        )
    ).body.scaling_group_id
    ess.create_scaling_configuration(
        m.CreateScalingConfigurationRequest(
            scaling_group_id=group,
            image_id=ESS_IMAGE,
            instance_type="ecs.g6.large",
            load_balancer_weight=70,
        )
    )
    ess.enable_scaling_group(
        m.EnableScalingGroupRequest(region_id=ALIYUN_REGION, scaling_group_id=group)
    )
    server.settle()
    server.advance(10)
    removed, resting, serving = sorted(
        i.instance_id for i in ess_instances(ess, ALIYUN_REGION, group)
    )
    ess.remove_instances(
        m.RemoveInstancesRequest(
            region_id=ALIYUN_REGION, scaling_group_id=group, instance_ids=[removed]
        )
    )
    for _ in range(3):
        server.settle()
        server.advance(10)
    ess.enter_standby(m.EnterStandbyRequest(scaling_group_id=group, instance_ids=[resting]))
    server.settle()
    server.advance(10)
    states = {i.instance_id: i.lifecycle_state for i in ess_instances(ess, ALIYUN_REGION, group)}
    assert states == {resting: "Standby", serving: "InService"}
    backends = aliyun(server, "2014-05-15", "DescribeLoadBalancerAttribute", LoadBalancerId=lb)
    weights = {b["ServerId"]: int(b["Weight"]) for b in backends["BackendServers"]["BackendServer"]}
    assert weights == {resting: 0, serving: 70}
    return {"removed": removed, "resting": resting, "serving": serving, "lb": lb, "db": db}


def test_check_holds_membership_and_leases_and_names_each_break(own_server: Server) -> None:
    url = own_server.database_url
    ec2 = aws_group_behind_balancers(own_server)
    ecs = ess_group_behind_slb_and_rds(own_server)
    clean = run_check(url)
    assert clean.returncode == 0, clean.stderr

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    wall = datetime.now(UTC)
    with engine.begin() as conn:
        request = conn.execute(
            select(activities.c.id)
            .where(activities.c.cloud == "aliyun", activities.c.instance_id.is_(None))
            .order_by(activities.c.seq)
            .limit(1)
        ).scalar_one()
        conn.execute(
            update(activities)
            .where(activities.c.id == request)
            .values(
                status="InProgress",
                due_at=wall + timedelta(days=1),
                lease_owner="node-gone",
                lease_until=wall + timedelta(hours=1),
            )
        )
    db = Database(url)
    try:
        assert not [v for v in check(db) if v.rule == "activity-lease-expired"], "a live lease"
        [expired] = [
            v
            for v in check(db, now=wall + timedelta(hours=2))
            if v.rule == "activity-lease-expired"
        ]
        assert expired.subject == request and "node-gone" in expired.detail
    finally:
        db.dispose()

    with engine.begin() as conn:
        conn.execute(
            update(activities)
            .where(activities.c.id == request)
            .values(lease_until=wall - timedelta(minutes=1))
        )
        conn.execute(
            text("DELETE FROM sim_slb_backends WHERE server_id = :i"), {"i": ecs["serving"]}
        )
        conn.execute(
            text("UPDATE sim_slb_backends SET weight = 70 WHERE server_id = :i"),
            {"i": ecs["resting"]},
        )
        conn.execute(
            text("UPDATE sim_rds_ips SET ips = '127.0.0.1' WHERE db_id = :db"), {"db": ecs["db"]}
        )
        conn.execute(
            text("DELETE FROM sim_targets WHERE instance_id = :i AND kind = 'target_group'"),
            {"i": ec2["serving"]},
        )
        conn.execute(
            text(
                "INSERT INTO sim_slb_backends (lb_id, server_id, weight, port, position) "
                "VALUES (:lb, :i, 70, 80, 99)"
            ),
            {"lb": ecs["lb"], "i": ecs["removed"]},
        )
        conn.execute(
            text("UPDATE machines SET state = 'stopped' WHERE id = :i"), {"i": ec2["serving"]}
        )
        conn.execute(  # as the cloud's own stop would: only the member is wrong
            text("UPDATE sim_machine_counts SET in_use = in_use - 1 WHERE cloud = 'aws'")
        )
        conn.execute(
            text(
                "INSERT INTO sim_targets (owner, instance_id, port, account, region, kind,"
                " registered_at, healthy_at)"
                " SELECT lb.arn, a.instance_id, 0, lb.account, lb.region, 'clb',"
                " a.started_at, a.started_at"
                " FROM activities a, sim_load_balancers lb"
                " WHERE a.instance_id = :i AND a.kind = 'detach' AND lb.name = 'classic'"
            ),
            {"i": ec2["detached"]},
        )
    engine.dispose()
    broken = run_check(url)
    assert broken.returncode == 1
    found = " ".join(broken.stderr.split())
    assert f"activity-lease-expired: {request}: held by node node-gone" in found
    assert f"member-not-registered: {ecs['serving']}:" in found
    assert f"from slb {ecs['lb']}" in found
    assert f"from rds {ecs['db']}" in found
    assert f"from target_group {ec2['tg']}" in found
    assert f"standby-serving: {ecs['resting']}:" in found
    assert f"left-but-registered: {ecs['removed']}:" in found
    assert f"member-not-running: {ec2['serving']}:" in found
    assert f"left-but-registered: {ec2['detached']}:" in found
    assert "still in clb classic" in found
    rules = {
        line.split()[1].rstrip(":") for line in broken.stderr.splitlines() if "violation" in line
    }
    assert rules == {
        "activity-lease-expired",
        "member-not-registered",
        "standby-serving",
        "left-but-registered",
        "member-not-running",
    }, broken.stderr


def terminating_wait(own_server: Server) -> str:
    """One instance held in Terminating:Wait by a hook; the server stopped."""
    autoscaling = aws_client(own_server, "autoscaling")
    group = make_group(autoscaling, own_server, min_size=0, desired=1)
    (instance,) = instance_ids(group)
    autoscaling.put_lifecycle_hook(
        AutoScalingGroupName="web", LifecycleHookName="drain", LifecycleTransition=TERMINATING
    )
    autoscaling.terminate_instance_in_auto_scaling_group(
        InstanceId=instance, ShouldDecrementDesiredCapacity=True
    )
    own_server.settle()
    assert states(autoscaling) == {instance: "Terminating:Wait"}
    own_server.stop()
    return instance


def test_check_names_a_wait_without_an_action(own_server: Server, own_database_url: str) -> None:
    instance = terminating_wait(own_server)
    engine = create_engine(own_database_url)
    with engine.begin() as conn:
        conn.execute(delete(lifecycle_actions))
    engine.dispose()
    checked = run_check(own_database_url)
    assert checked.returncode != 0
    assert f"hook-wait: {instance}: Terminating:Wait with no open action" in checked.stderr


def test_check_names_an_action_held_by_another_activity(
    own_server: Server, own_database_url: str
) -> None:
    instance = terminating_wait(own_server)
    assert run_check(own_database_url).returncode == 0
    engine = create_engine(own_database_url)
    with engine.begin() as conn:
        launched = conn.execute(
            select(activities.c.id).where(
                activities.c.instance_id == instance, activities.c.kind == "launch"
            )
        ).scalar_one()
        conn.execute(update(lifecycle_actions).values(activity_id=launched))
    engine.dispose()
    checked = run_check(own_database_url)
    assert checked.returncode != 0
    assert (
        f"terminating action on {instance} held by a launch activity of {instance}"
        in checked.stderr
    )


def test_check_names_a_publication_without_its_reason_and_a_reason_without_one(
    own_server: Server, own_database_url: str
) -> None:
    autoscaling = aws_client(own_server, "autoscaling")
    make_group(autoscaling, own_server, min_size=0, desired=0)
    make_group(autoscaling, own_server, "api", min_size=0, desired=0)
    autoscaling.enable_metrics_collection(AutoScalingGroupName="web", Granularity="1Minute")
    autoscaling.enable_metrics_collection(AutoScalingGroupName="api", Granularity="1Minute")
    autoscaling.disable_metrics_collection(AutoScalingGroupName="api")
    own_server.stop()
    assert run_check(own_database_url).returncode == 0
    engine = create_engine(own_database_url)
    with engine.begin() as conn:
        ids = dict(conn.execute(select(groups.c.name, groups.c.id)).all())
        conn.execute(delete(group_loads))
        conn.execute(insert(group_loads).values(group_id=ids["api"], updated_at=datetime.now(UTC)))
    engine.dispose()
    checked = run_check(own_database_url)
    assert checked.returncode != 0
    assert f"publication-missing: {ids['web']}: collects metrics" in checked.stderr
    assert f"publication-orphan: {ids['api']}: publishes with no model" in checked.stderr
