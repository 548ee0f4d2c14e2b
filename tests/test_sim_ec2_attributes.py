"""EC2's instance attributes and root volumes for the instances the simulated cloud runs, through
boto3 and the aws CLI."""

from __future__ import annotations

import base64
from collections.abc import Callable
from subprocess import CompletedProcess
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import Server
from tests.helpers import IMAGE, error_of, make_group

USER_DATA = b"#!/bin/sh\necho hello\n"


def instance(ec2: Any, server: Server, **extra: Any) -> str:
    [made] = ec2.run_instances(
        ImageId=IMAGE, InstanceType="t3.micro", MinCount=1, MaxCount=1, **extra
    )["Instances"]
    server.advance(10)
    return str(made["InstanceId"])


def attribute(ec2: Any, instance_id: str, name: str) -> Any:
    return ec2.describe_instance_attribute(InstanceId=instance_id, Attribute=name)


def test_every_attribute_describes_as_ec2_does(ec2: Any, server: Server) -> None:
    made = instance(ec2, server, UserData=base64.b64encode(USER_DATA).decode())
    assert attribute(ec2, made, "instanceType")["InstanceType"] == {"Value": "t3.micro"}
    assert attribute(ec2, made, "disableApiTermination")["DisableApiTermination"] == {
        "Value": False
    }
    assert attribute(ec2, made, "ebsOptimized")["EbsOptimized"] == {"Value": False}
    assert attribute(ec2, made, "sourceDestCheck")["SourceDestCheck"] == {"Value": True}
    assert attribute(ec2, made, "rootDeviceName")["RootDeviceName"] == {"Value": "/dev/xvda"}
    [root] = attribute(ec2, made, "blockDeviceMapping")["BlockDeviceMappings"]
    assert root["DeviceName"] == "/dev/xvda" and root["Ebs"]["VolumeId"].startswith("vol-")
    groups = attribute(ec2, made, "groupSet")["Groups"]
    described = ec2.describe_instances(InstanceIds=[made])["Reservations"][0]["Instances"][0]
    assert [g["GroupId"] for g in groups] == [g["GroupId"] for g in described["SecurityGroups"]]
    shutdown = attribute(ec2, made, "instanceInitiatedShutdownBehavior")
    assert shutdown["InstanceInitiatedShutdownBehavior"] == {"Value": "stop"}
    unknown = error_of(ec2.describe_instance_attribute, InstanceId=made, Attribute="colour")
    assert unknown["Code"] == "InvalidParameterValue"
    gone = error_of(
        ec2.describe_instance_attribute, InstanceId="i-0123456789abcdef0", Attribute="kernel"
    )
    assert gone["Message"] == "The instance ID 'i-0123456789abcdef0' does not exist"


def test_changes_that_need_a_stopped_instance(ec2: Any, server: Server) -> None:
    made = instance(ec2, server)
    running = error_of(
        ec2.modify_instance_attribute, InstanceId=made, InstanceType={"Value": "m5.large"}
    )
    assert running["Code"] == "IncorrectInstanceState"
    assert running["Message"] == f"The instance '{made}' is not in the 'stopped' state."
    ec2.stop_instances(InstanceIds=[made])
    server.advance(60)
    ec2.modify_instance_attribute(InstanceId=made, InstanceType={"Value": "m5.large"})
    ec2.modify_instance_attribute(InstanceId=made, EbsOptimized={"Value": True})
    ec2.modify_instance_attribute(InstanceId=made, UserData={"Value": USER_DATA})
    assert attribute(ec2, made, "instanceType")["InstanceType"] == {"Value": "m5.large"}
    assert attribute(ec2, made, "ebsOptimized")["EbsOptimized"] == {"Value": True}
    encoded = attribute(ec2, made, "userData")["UserData"]["Value"]
    assert base64.b64decode(encoded) == USER_DATA
    described = ec2.describe_instances(InstanceIds=[made])["Reservations"][0]["Instances"][0]
    assert (described["InstanceType"], described["EbsOptimized"]) == ("m5.large", True)
    bad = error_of(ec2.modify_instance_attribute, InstanceId=made, InstanceType={"Value": "x1"})
    assert bad["Message"] == "Invalid value 'x1' for InstanceType."


def test_protection_from_termination_and_stop(ec2: Any, server: Server) -> None:
    made = instance(ec2, server)
    ec2.modify_instance_attribute(InstanceId=made, DisableApiTermination={"Value": True})
    ec2.modify_instance_attribute(InstanceId=made, Attribute="disableApiStop", Value="true")
    ec2.modify_instance_attribute(InstanceId=made, SourceDestCheck={"Value": False})
    refused = error_of(ec2.terminate_instances, InstanceIds=[made])
    assert refused["Code"] == "OperationNotPermitted"
    stop = error_of(ec2.stop_instances, InstanceIds=[made])
    assert stop["Message"] == (
        f"The instance '{made}' may not be stopped. Modify its 'disableApiStop' instance "
        "attribute and try again."
    )
    described = ec2.describe_instances(InstanceIds=[made])["Reservations"][0]["Instances"][0]
    assert described["SourceDestCheck"] is False
    ec2.modify_instance_attribute(InstanceId=made, DisableApiTermination={"Value": False})
    ec2.terminate_instances(InstanceIds=[made])
    two = error_of(
        ec2.modify_instance_attribute,
        InstanceId=made,
        DisableApiTermination={"Value": True},
        EbsOptimized={"Value": True},
    )
    assert two["Code"] == "InvalidParameterValue"


def test_security_groups_are_checked_against_the_instances_vpc(ec2: Any, server: Server) -> None:
    made = instance(ec2, server)
    vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
    group = ec2.create_security_group(GroupName="web", Description="web", VpcId=vpc)["GroupId"]
    ec2.modify_instance_attribute(InstanceId=made, Groups=[group])
    assert attribute(ec2, made, "groupSet")["Groups"] == [{"GroupId": group}]
    missing = error_of(
        ec2.modify_instance_attribute, InstanceId=made, Groups=["sg-0123456789abcdef0"]
    )
    assert missing["Code"] == "InvalidGroup.NotFound"


def test_root_volumes_of_a_groups_instances(autoscaling: Any, ec2: Any, server: Server) -> None:
    described = make_group(autoscaling, server, "volumes", min_size=0, desired=2)
    ids = sorted(i["InstanceId"] for i in described["Instances"])
    volumes = ec2.describe_volumes(Filters=[{"Name": "attachment.instance-id", "Values": ids}])
    assert sorted(v["Attachments"][0]["InstanceId"] for v in volumes["Volumes"]) == ids
    first = volumes["Volumes"][0]
    assert (first["State"], first["Size"], first["VolumeType"]) == ("in-use", 8, "gp3")
    assert first["Attachments"][0]["DeleteOnTermination"] is True
    one = ec2.describe_volumes(VolumeIds=[first["VolumeId"]])["Volumes"]
    assert [v["VolumeId"] for v in one] == [first["VolumeId"]]
    unknown = error_of(ec2.describe_volumes, VolumeIds=["vol-0123456789abcdef0"])
    assert unknown == {
        "Code": "InvalidVolume.NotFound",
        "Message": "The volume 'vol-0123456789abcdef0' does not exist.",
        "Status": 400,
        "Type": None,
    }
    ec2.terminate_instances(InstanceIds=[ids[0]])
    server.advance(120)
    after = ec2.describe_volumes(Filters=[{"Name": "attachment.instance-id", "Values": ids}])
    assert [v["Attachments"][0]["InstanceId"] for v in after["Volumes"]] == [ids[1]]


def test_the_cli_reads_attributes_and_volumes(
    aws_cli: Callable[..., CompletedProcess[str]], ec2: Any, server: Server
) -> None:
    import json

    made = instance(ec2, server)
    ran = aws_cli(
        "ec2", "describe-instance-attribute", "--instance-id", made, "--attribute", "instanceType"
    )
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout)["InstanceType"] == {"Value": "t3.micro"}
    ran = aws_cli(
        "ec2", "describe-volumes", "--filters", f"Name=attachment.instance-id,Values={made}"
    )
    assert ran.returncode == 0, ran.stderr
    assert len(json.loads(ran.stdout)["Volumes"]) == 1
    ran = aws_cli(
        "ec2", "modify-instance-attribute", "--instance-id", made, "--instance-type", "m5.large"
    )
    assert ran.returncode == 255
    assert "IncorrectInstanceState" in ran.stderr


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=20), st.one_of(st.text(max_size=20), st.booleans(), st.integers()))
def test_any_attribute_and_value_is_refused_or_kept_never_a_crash(name: str, value: Any) -> None:
    """The checks every ModifyInstanceAttribute value passes, as pure functions."""
    from tidewater.cloud.sim.ec2.attributes import ATTRIBUTES
    from tidewater.cloud.sim.ec2.faults import Ec2Fault

    attribute = ATTRIBUTES.get(name) or ATTRIBUTES["disableApiTermination"]
    if attribute.check is None:
        return
    try:
        attribute.check(value)
    except Ec2Fault as fault:
        assert fault.code == "InvalidParameterValue"
