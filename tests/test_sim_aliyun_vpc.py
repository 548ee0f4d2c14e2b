"""The simulated VPC (2016-04-28) and ECS security groups through both Alibaba SDKs, and the ESS
flow users script: a VPC, two vSwitches, a group in them, a configuration naming a created
security group, ECS instances attached and removed."""

from __future__ import annotations

import ipaddress
import json
from typing import Any

import pytest
from alibabacloud_ecs20140526 import models as ecs_models
from alibabacloud_ecs20140526.client import Client as EcsClient
from alibabacloud_ess20220222 import models as m
from alibabacloud_vpc20160428 import models as vpc_models
from alibabacloud_vpc20160428.client import Client as VpcClient
from hypothesis import given
from hypothesis import strategies as st
from Tea.exceptions import TeaException

from tests.conftest import Server
from tests.helpers import aliyun_call, tea_config
from tidewater.cloud.sim.kit import cidr

IMAGE = "aliyun_3_x64_20G_alibase_20230727.vhd"
TYPE = "ecs.g6.large"


@pytest.fixture
def vpc(server: Server, region: str) -> Any:
    """alibabacloud-vpc20160428 (the tea SDK) pointed at the server."""
    return VpcClient(tea_config(server, region))


@pytest.fixture
def ecs(server: Server, region: str) -> Any:
    return EcsClient(tea_config(server, region))


def legacy(
    client: Any, server: Server, region: str, version: str, action: str, **params: Any
) -> Any:
    return aliyun_call(client, server, region, version, action, **params)


def tea_error(call: Any, request: Any) -> tuple[str, int, str]:
    with pytest.raises(TeaException) as caught:
        call(request)
    return caught.value.code, caught.value.status_code, caught.value.data["Message"]


def legacy_error(
    client: Any, server: Server, region: str, version: str, action: str, **params: Any
) -> tuple[str, int, str]:
    from aliyunsdkcore.acs_exception.exceptions import ServerException

    with pytest.raises(ServerException) as caught:
        legacy(client, server, region, version, action, **params)
    return (
        caught.value.get_error_code(),
        caught.value.get_http_status(),
        caught.value.get_error_msg(),
    )


VPC_NOT_FOUND = ("InvalidVpcId.NotFound", 404, "Specified VPC does not exist.")
VSWITCH_NOT_FOUND = ("InvalidVSwitchId.NotFound", 404, "VSwitch not exist.")
MALFORMED = ("InvalidCidrBlock.Malformed", 400, "Specified CIDR block is not valid.")


# -- VPCs and vSwitches ----------------------------------------------------------------------------


def test_a_region_starts_with_a_default_vpc_and_one_default_vswitch_per_zone(
    vpc: Any, region: str
) -> None:
    [default] = vpc.describe_vpcs(vpc_models.DescribeVpcsRequest(region_id=region)).body.vpcs.vpc
    assert default.is_default is True and default.cidr_block == "172.16.0.0/12"
    assert default.status == "Available" and default.region_id == region
    vswitches = vpc.describe_vswitches(
        vpc_models.DescribeVSwitchesRequest(region_id=region)
    ).body.v_switches.v_switch
    assert [s.zone_id for s in vswitches] == [f"{region}-a", f"{region}-b", f"{region}-c"]
    assert all(s.is_default and s.vpc_id == default.vpc_id for s in vswitches)
    assert default.v_switch_ids.v_switch_id == [s.v_switch_id for s in vswitches]
    assert [s.cidr_block for s in vswitches] == [
        "172.31.0.0/20",
        "172.31.16.0/20",
        "172.31.32.0/20",
    ]


def test_create_describe_and_delete_with_the_tea_sdk(vpc: Any, region: str) -> None:
    created = vpc.create_vpc(
        vpc_models.CreateVpcRequest(region_id=region, cidr_block="10.0.0.0/16", vpc_name="web")
    ).body
    assert created.vpc_id.startswith("vpc-") and created.vrouter_id.startswith("vrt-")
    switch = vpc.create_vswitch(
        vpc_models.CreateVSwitchRequest(
            region_id=region,
            vpc_id=created.vpc_id,
            zone_id=f"{region}-b",
            cidr_block="10.0.1.0/24",
            v_switch_name="web-b",
        )
    ).body.v_switch_id
    [listed] = vpc.describe_vswitches(
        vpc_models.DescribeVSwitchesRequest(region_id=region, vpc_id=created.vpc_id)
    ).body.v_switches.v_switch
    assert (listed.v_switch_id, listed.zone_id, listed.cidr_block) == (
        switch,
        f"{region}-b",
        "10.0.1.0/24",
    )
    assert listed.is_default is False and listed.available_ip_address_count == 252
    [mine] = vpc.describe_vpcs(
        vpc_models.DescribeVpcsRequest(region_id=region, vpc_id=created.vpc_id)
    ).body.vpcs.vpc
    assert (mine.vpc_name, mine.is_default, mine.v_switch_ids.v_switch_id) == (
        "web",
        False,
        [switch],
    )
    assert tea_error(
        vpc.delete_vpc, vpc_models.DeleteVpcRequest(region_id=region, vpc_id=created.vpc_id)
    ) == ("DependencyViolation.VSwitch", 400, "Specified object has dependent resources")
    vpc.delete_vswitch(vpc_models.DeleteVSwitchRequest(region_id=region, v_switch_id=switch))
    vpc.delete_vpc(vpc_models.DeleteVpcRequest(region_id=region, vpc_id=created.vpc_id))
    left = vpc.describe_vpcs(vpc_models.DescribeVpcsRequest(region_id=region)).body.vpcs.vpc
    assert [v.is_default for v in left] == [True]


def test_create_vpc_refusals(ess_legacy: Any, server: Server, region: str) -> None:
    def refused(**params: str) -> tuple[str, int, str]:
        return legacy_error(ess_legacy, server, region, "2016-04-28", "CreateVpc", **params)

    assert refused(CidrBlock="10.0.0.0") == MALFORMED
    assert refused(CidrBlock="10.0.0.0/29") == MALFORMED
    assert refused(CidrBlock="300.0.0.0/16") == MALFORMED
    assert refused(VpcName="1web") == (
        "InvalidVpcName.Malformed",
        400,
        "Specified VPC name is not valid.",
    )
    assert refused(Description="http://x") == (
        "InvalidVpcDiscription.Malformed",
        400,
        "Specified VPC description is not valid.",
    )
    [default] = legacy(ess_legacy, server, region, "2016-04-28", "DescribeVpcs")["Vpcs"]["Vpc"]
    assert default["IsDefault"] is True  # nothing refused was kept


def test_create_vswitch_refusals(ess_legacy: Any, server: Server, region: str) -> None:
    own = legacy(ess_legacy, server, region, "2016-04-28", "CreateVpc", CidrBlock="10.0.0.0/16")
    ok = {"VpcId": own["VpcId"], "ZoneId": f"{region}-a", "CidrBlock": "10.0.0.0/24"}

    def refused(**params: str) -> tuple[str, int, str]:
        return legacy_error(
            ess_legacy, server, region, "2016-04-28", "CreateVSwitch", **{**ok, **params}
        )

    assert refused(VpcId="vpc-nothere")[:2] == VPC_NOT_FOUND[:2]
    assert refused(VpcId="vpc-nothere") == VPC_NOT_FOUND
    assert refused(ZoneId="mars-1a") == (
        "InvalidZoneId.NotFound",
        404,
        "Specified zone does not exist.",
    )
    assert refused(CidrBlock="10.0.0/24") == MALFORMED
    assert refused(CidrBlock="10.0.0.0/30") == (
        "InvalidCirdrBlock.MaskLength",
        400,
        "Specified CIDR block is not valid .",
    )
    assert refused(CidrBlock="192.168.0.0/24") == (
        "InvalidParameter",
        400,
        "Specified CIDR block is not valid in VPC.",
    )
    missing = refused(VpcId="")
    assert missing[:2] == ("MissingParameter", 400) and "VpcId" in missing[2]
    legacy(ess_legacy, server, region, "2016-04-28", "CreateVSwitch", **ok)
    overlapped = (
        "InvalidCidrBlock.Overlapped",
        400,
        "Specified CIDR block overlapped with other subnets.",
    )
    assert refused(CidrBlock="10.0.0.128/25") == overlapped
    # the default VPC takes vSwitches too, beside its default ones
    default_vpc = legacy(ess_legacy, server, region, "2016-04-28", "DescribeVpcs", IsDefault="true")
    default_id = default_vpc["Vpcs"]["Vpc"][0]["VpcId"]
    assert refused(VpcId=default_id, CidrBlock="172.31.8.0/24") == overlapped
    legacy(
        ess_legacy,
        server,
        region,
        "2016-04-28",
        "CreateVSwitch",
        **{**ok, "VpcId": default_id, "CidrBlock": "172.20.0.0/24"},
    )


def test_delete_refusals(ess_legacy: Any, server: Server, region: str) -> None:
    def refused(action: str, **params: str) -> tuple[str, int, str]:
        return legacy_error(ess_legacy, server, region, "2016-04-28", action, **params)

    assert refused("DeleteVpc", VpcId="vpc-nothere") == VPC_NOT_FOUND
    assert refused("DeleteVSwitch", VSwitchId="vsw-nothere") == VSWITCH_NOT_FOUND
    default = legacy(ess_legacy, server, region, "2016-04-28", "DescribeVSwitches")
    first = default["VSwitches"]["VSwitch"][0]
    in_use = ("DependencyViolation", 400, "Specified object has dependent resources.")
    assert refused("DeleteVSwitch", VSwitchId=first["VSwitchId"]) == in_use
    assert refused("DeleteVpc", VpcId=first["VpcId"])[0] == "DependencyViolation.VSwitch"
    own = legacy(ess_legacy, server, region, "2016-04-28", "CreateVpc")["VpcId"]
    group = legacy(ess_legacy, server, region, "2014-05-26", "CreateSecurityGroup", VpcId=own)
    assert refused("DeleteVpc", VpcId=own) == (
        "DependencyViolation.SecurityGroup",
        400,
        "Specified object has dependent resources SecurityGroup.",
    )
    switch = legacy(
        ess_legacy,
        server,
        region,
        "2016-04-28",
        "CreateVSwitch",
        VpcId=own,
        ZoneId=f"{region}-c",
        CidrBlock="172.16.0.0/24",
    )["VSwitchId"]
    [instance] = legacy(
        ess_legacy,
        server,
        region,
        "2014-05-26",
        "RunInstances",
        ImageId=IMAGE,
        InstanceType=TYPE,
        VSwitchId=switch,
        SecurityGroupId=group["SecurityGroupId"],
    )["InstanceIdSets"]["InstanceIdSet"]
    assert refused("DeleteVSwitch", VSwitchId=switch) == in_use
    server.advance(60)
    legacy(
        ess_legacy,
        server,
        region,
        "2014-05-26",
        "DeleteInstance",
        InstanceId=instance,
        Force="true",
    )
    server.advance(120)
    legacy(ess_legacy, server, region, "2016-04-28", "DeleteVSwitch", VSwitchId=switch)
    legacy(
        ess_legacy,
        server,
        region,
        "2014-05-26",
        "DeleteSecurityGroup",
        SecurityGroupId=group["SecurityGroupId"],
    )
    legacy(ess_legacy, server, region, "2016-04-28", "DeleteVpc", VpcId=own)


def test_paging_counts_every_match(ess_legacy: Any, server: Server, region: str) -> None:
    for _ in range(3):
        legacy(ess_legacy, server, region, "2016-04-28", "CreateVpc")
    first = legacy(ess_legacy, server, region, "2016-04-28", "DescribeVpcs", PageSize=2)
    second = legacy(
        ess_legacy, server, region, "2016-04-28", "DescribeVpcs", PageSize=2, PageNumber=2
    )
    assert (first["TotalCount"], first["PageNumber"], first["PageSize"]) == (4, 1, 2)
    assert [v["IsDefault"] for v in first["Vpcs"]["Vpc"]] == [True, False]
    assert len(second["Vpcs"]["Vpc"]) == 2 and second["PageNumber"] == 2
    beyond = legacy(ess_legacy, server, region, "2016-04-28", "DescribeVSwitches", PageNumber=9)
    assert beyond["TotalCount"] == 3 and beyond["VSwitches"]["VSwitch"] == []
    mine = legacy(ess_legacy, server, region, "2016-04-28", "DescribeVpcs", IsDefault="false")
    assert mine["TotalCount"] == 3
    for bad in ({"PageSize": "51"}, {"PageSize": "0"}, {"PageNumber": "x"}):
        code, status, _ = legacy_error(
            ess_legacy, server, region, "2016-04-28", "DescribeVSwitches", **bad
        )
        assert (code, status) == ("InvalidParameter", 400)


# -- ECS security groups ---------------------------------------------------------------------------


def test_security_groups_with_the_tea_ecs_sdk(ecs: Any, vpc: Any, region: str) -> None:
    own = vpc.create_vpc(vpc_models.CreateVpcRequest(region_id=region)).body.vpc_id
    group = ecs.create_security_group(
        ecs_models.CreateSecurityGroupRequest(
            region_id=region, vpc_id=own, security_group_name="web", description="the web tier"
        )
    ).body.security_group_id
    ecs.authorize_security_group(
        ecs_models.AuthorizeSecurityGroupRequest(
            region_id=region,
            security_group_id=group,
            ip_protocol="tcp",
            port_range="80/80",
            source_cidr_ip="0.0.0.0/0",
        )
    )
    listed = ecs.describe_security_groups(
        ecs_models.DescribeSecurityGroupsRequest(region_id=region, vpc_id=own)
    ).body
    [found] = listed.security_groups.security_group
    assert (found.security_group_id, found.security_group_name, found.vpc_id) == (group, "web", own)
    assert listed.total_count == 1
    every = ecs.describe_security_groups(
        ecs_models.DescribeSecurityGroupsRequest(region_id=region)
    ).body.security_groups.security_group
    assert [g.security_group_name for g in every] == ["default", "web"]
    [rule] = ecs.describe_security_group_attribute(
        ecs_models.DescribeSecurityGroupAttributeRequest(region_id=region, security_group_id=group)
    ).body.permissions.permission
    assert (rule.ip_protocol, rule.port_range, rule.source_cidr_ip) == ("TCP", "80/80", "0.0.0.0/0")


def test_security_group_refusals(ess_legacy: Any, server: Server, region: str) -> None:
    def refused(action: str, **params: str) -> tuple[str, int, str]:
        return legacy_error(ess_legacy, server, region, "2014-05-26", action, **params)

    not_found = (
        "InvalidSecurityGroupId.NotFound",
        404,
        "The specified SecurityGroupId does not exist.",
    )
    assert refused("CreateSecurityGroup", VpcId="vpc-nothere") == VPC_NOT_FOUND
    group = legacy(ess_legacy, server, region, "2014-05-26", "CreateSecurityGroup")[
        "SecurityGroupId"
    ]
    rule = {"SecurityGroupId": group, "IpProtocol": "tcp", "PortRange": "22/22"}
    assert refused("AuthorizeSecurityGroup", **{**rule, "SecurityGroupId": "sg-x"}) == not_found
    assert refused("AuthorizeSecurityGroup", **{**rule, "IpProtocol": "sctp"}) == (
        "InvalidIpProtocol.Malformed",
        400,
        "Specified IP protocol is not valid.",
    )
    for ports in ("22", "0/22", "22/1", "1/65536"):
        assert refused("AuthorizeSecurityGroup", **{**rule, "PortRange": ports})[0] == (
            "InvalidPortRange.Malformed"
        )
    assert refused("AuthorizeSecurityGroup", **{**rule, "SourceCidrIp": "10.0.0.0/40"})[0] == (
        "InvalidSourceCidrIp.Malformed"
    )
    assert refused("DeleteSecurityGroup", SecurityGroupId="sg-x") == not_found
    assert refused("DescribeSecurityGroups", PageSize="51")[:2] == ("InvalidParameter", 400)
    launched = legacy(
        ess_legacy,
        server,
        region,
        "2014-05-26",
        "RunInstances",
        ImageId=IMAGE,
        InstanceType=TYPE,
        SecurityGroupId=group,
    )
    assert launched["InstanceIdSets"]["InstanceIdSet"]
    assert refused("DeleteSecurityGroup", SecurityGroupId=group)[0] == "DependencyViolation"


def test_ecs_launches_into_created_vswitches_and_checks_the_group_vpc(
    ess_legacy: Any, server: Server, region: str
) -> None:
    own = legacy(ess_legacy, server, region, "2016-04-28", "CreateVpc", CidrBlock="10.1.0.0/16")
    switch = legacy(
        ess_legacy,
        server,
        region,
        "2016-04-28",
        "CreateVSwitch",
        VpcId=own["VpcId"],
        ZoneId=f"{region}-b",
        CidrBlock="10.1.2.0/24",
    )["VSwitchId"]
    mine = legacy(
        ess_legacy, server, region, "2014-05-26", "CreateSecurityGroup", VpcId=own["VpcId"]
    )["SecurityGroupId"]
    base = {"ImageId": IMAGE, "InstanceType": TYPE, "VSwitchId": switch}
    assert legacy_error(ess_legacy, server, region, "2014-05-26", "RunInstances", **base) == (
        "InvalidParameter.Mismatch",
        400,
        "Specified security group and virtual switch are not in the same VPC.",
    )
    [iid] = legacy(
        ess_legacy, server, region, "2014-05-26", "RunInstances", **base, SecurityGroupId=mine
    )["InstanceIdSets"]["InstanceIdSet"]
    [instance] = legacy(
        ess_legacy, server, region, "2014-05-26", "DescribeInstances", InstanceIds=json.dumps([iid])
    )["Instances"]["Instance"]
    attributes = instance["VpcAttributes"]
    assert (attributes["VpcId"], attributes["VSwitchId"], instance["ZoneId"]) == (
        own["VpcId"],
        switch,
        f"{region}-b",
    )
    assert attributes["PrivateIpAddress"]["IpAddress"][0].startswith("10.1.2.")


def test_slb_and_rds_sit_in_created_vswitches(ess_legacy: Any, server: Server, region: str) -> None:
    own = legacy(ess_legacy, server, region, "2016-04-28", "CreateVpc")["VpcId"]
    switch = legacy(
        ess_legacy,
        server,
        region,
        "2016-04-28",
        "CreateVSwitch",
        VpcId=own,
        ZoneId=f"{region}-c",
        CidrBlock="172.16.5.0/24",
    )["VSwitchId"]
    lb = legacy(
        ess_legacy,
        server,
        region,
        "2014-05-15",
        "CreateLoadBalancer",
        AddressType="intranet",
        VSwitchId=switch,
    )["LoadBalancerId"]
    shown = legacy(
        ess_legacy, server, region, "2014-05-15", "DescribeLoadBalancerAttribute", LoadBalancerId=lb
    )
    assert (shown["VpcId"], shown["VSwitchId"], shown["MasterZoneId"]) == (
        own,
        switch,
        f"{region}-c",
    )
    db = legacy(
        ess_legacy,
        server,
        region,
        "2014-08-15",
        "CreateDBInstance",
        Engine="MySQL",
        EngineVersion="8.0",
        DBInstanceClass="rds.mysql.s1.small",
        DBInstanceStorage=20,
        DBInstanceNetType="Intranet",
        InstanceNetworkType="VPC",
        VPCId=own,
        VSwitchId=switch,
    )["DBInstanceId"]
    [listed] = legacy(
        ess_legacy, server, region, "2014-08-15", "DescribeDBInstances", DBInstanceId=db
    )["Items"]["DBInstance"]
    assert (listed["VpcId"], listed["VSwitchId"]) == (own, switch)


def settle(server: Server) -> None:
    """Lets a removal run its course: the activity, then the instance leaving the group."""
    for _ in range(3):
        server.settle()
        server.advance(10)


# -- the ESS flow ----------------------------------------------------------------------------------


def test_ess_flow_in_created_vswitches_with_the_tea_sdks(
    ess: Any, vpc: Any, ecs: Any, server: Server, region: str
) -> None:
    own = vpc.create_vpc(
        vpc_models.CreateVpcRequest(region_id=region, cidr_block="192.168.0.0/16")
    ).body.vpc_id
    switches = [
        vpc.create_vswitch(
            vpc_models.CreateVSwitchRequest(
                region_id=region, vpc_id=own, zone_id=zone, cidr_block=block
            )
        ).body.v_switch_id
        for zone, block in ((f"{region}-a", "192.168.1.0/24"), (f"{region}-b", "192.168.2.0/24"))
    ]
    group_sg = ecs.create_security_group(
        ecs_models.CreateSecurityGroupRequest(region_id=region, vpc_id=own)
    ).body.security_group_id
    group = ess.create_scaling_group(
        m.CreateScalingGroupRequest(
            region_id=region,
            scaling_group_name="web",
            min_size=0,
            max_size=4,
            v_switch_ids=switches,
        )
    ).body.scaling_group_id
    # a security group outside the group's VPC, or none at all, is refused as ESS refuses it
    assert tea_error(
        ess.create_scaling_configuration,
        m.CreateScalingConfigurationRequest(
            scaling_group_id=group, image_id=IMAGE, instance_type=TYPE, security_group_id="sg-x"
        ),
    ) == ("InvalidSecurityGroupId.NotFound", 404, "The specified security group does not exist.")
    default_sg = (
        ecs.describe_security_groups(
            ecs_models.DescribeSecurityGroupsRequest(
                region_id=region, security_group_name="default"
            )
        )
        .body.security_groups.security_group[0]
        .security_group_id
    )
    assert tea_error(
        ess.create_scaling_configuration,
        m.CreateScalingConfigurationRequest(
            scaling_group_id=group, image_id=IMAGE, instance_type=TYPE, security_group_id=default_sg
        ),
    ) == (
        "InvalidSecurityGroupId.VPCMismatch",
        400,
        "The specified security group and the specified virtual switch are not in the same VPC.",
    )
    ess.create_scaling_configuration(
        m.CreateScalingConfigurationRequest(
            scaling_group_id=group, image_id=IMAGE, instance_type=TYPE, security_group_id=group_sg
        )
    )
    ess.enable_scaling_group(m.EnableScalingGroupRequest(region_id=region, scaling_group_id=group))
    [described] = ess.describe_scaling_groups(
        m.DescribeScalingGroupsRequest(region_id=region, scaling_group_ids=[group])
    ).body.scaling_groups
    assert (described.vpc_id, described.v_switch_ids) == (own, switches)
    ids = [  # one in each vSwitch, so the group is balanced over its zones
        ecs.run_instances(
            ecs_models.RunInstancesRequest(
                region_id=region,
                image_id=IMAGE,
                instance_type=TYPE,
                v_switch_id=switch,
                security_group_id=group_sg,
            )
        ).body.instance_id_sets.instance_id_set[0]
        for switch in switches
    ]
    elsewhere = ecs.run_instances(
        ecs_models.RunInstancesRequest(region_id=region, image_id=IMAGE, instance_type=TYPE)
    ).body.instance_id_sets.instance_id_set
    server.advance(60)
    assert tea_error(
        ess.attach_instances,
        m.AttachInstancesRequest(region_id=region, scaling_group_id=group, instance_ids=elsewhere),
    ) == (
        "InvalidInstanceId.VPCMismatch",
        400,
        f'Instance "{elsewhere[0]}" and the specified scaling group are not in the same VPC.',
    )
    ess.attach_instances(
        m.AttachInstancesRequest(region_id=region, scaling_group_id=group, instance_ids=ids)
    )
    settle(server)
    members = ess.describe_scaling_instances(
        m.DescribeScalingInstancesRequest(region_id=region, scaling_group_id=group)
    ).body.scaling_instances
    assert sorted(i.instance_id for i in members) == sorted(ids)
    assert {i.creation_type for i in members} == {"Attached"}
    ess.remove_instances(
        m.RemoveInstancesRequest(region_id=region, scaling_group_id=group, instance_ids=ids[:1])
    )
    settle(server)
    left = ess.describe_scaling_instances(
        m.DescribeScalingInstancesRequest(region_id=region, scaling_group_id=group)
    ).body.scaling_instances
    assert ids[0] not in {i.instance_id for i in left} and ids[1] in {i.instance_id for i in left}
    # what the group launches itself lands in its own vSwitches
    placed = ecs.describe_instances(
        ecs_models.DescribeInstancesRequest(
            region_id=region, instance_ids=json.dumps([i.instance_id for i in left])
        )
    ).body.instances.instance
    assert {i.vpc_attributes.v_switch_id for i in placed} <= set(switches)


def test_ess_flow_in_created_vswitches_with_the_legacy_sdks(
    ess_legacy: Any, server: Server, region: str
) -> None:
    from aliyunsdkess.request.v20140828.AttachInstancesRequest import AttachInstancesRequest
    from aliyunsdkess.request.v20140828.CreateScalingConfigurationRequest import (
        CreateScalingConfigurationRequest,
    )
    from aliyunsdkess.request.v20140828.CreateScalingGroupRequest import CreateScalingGroupRequest
    from aliyunsdkess.request.v20140828.DescribeScalingInstancesRequest import (
        DescribeScalingInstancesRequest,
    )
    from aliyunsdkess.request.v20140828.EnableScalingGroupRequest import EnableScalingGroupRequest
    from aliyunsdkess.request.v20140828.RemoveInstancesRequest import RemoveInstancesRequest

    def do(request: Any) -> Any:
        request.set_protocol_type("http")
        return json.loads(ess_legacy.do_action_with_exception(request))

    def call(version: str, action: str, **params: Any) -> Any:
        return legacy(ess_legacy, server, region, version, action, **params)

    own = call("2016-04-28", "CreateVpc", CidrBlock="10.8.0.0/16")["VpcId"]
    switches = [
        call("2016-04-28", "CreateVSwitch", VpcId=own, ZoneId=zone, CidrBlock=block)["VSwitchId"]
        for zone, block in ((f"{region}-b", "10.8.1.0/24"), (f"{region}-c", "10.8.2.0/24"))
    ]
    sg = call("2014-05-26", "CreateSecurityGroup", VpcId=own)["SecurityGroupId"]
    call(
        "2014-05-26",
        "AuthorizeSecurityGroup",
        SecurityGroupId=sg,
        IpProtocol="tcp",
        PortRange="22/22",
        SourceCidrIp="10.0.0.0/8",
    )
    create = CreateScalingGroupRequest()
    create.set_MinSize(0)
    create.set_MaxSize(3)
    create.set_VSwitchIdss(switches)
    group = do(create)["ScalingGroupId"]
    config = CreateScalingConfigurationRequest()
    config.set_ScalingGroupId(group)
    config.set_ImageId(IMAGE)
    config.set_InstanceType(TYPE)
    config.set_SecurityGroupId(sg)
    do(config)
    enable = EnableScalingGroupRequest()
    enable.set_ScalingGroupId(group)
    do(enable)
    ids = [  # one in each vSwitch, so the group is balanced over its zones
        call(
            "2014-05-26",
            "RunInstances",
            ImageId=IMAGE,
            InstanceType=TYPE,
            VSwitchId=switch,
            SecurityGroupId=sg,
        )["InstanceIdSets"]["InstanceIdSet"][0]
        for switch in switches
    ]
    server.advance(60)
    attach = AttachInstancesRequest()
    attach.set_ScalingGroupId(group)
    attach.set_InstanceIds(ids)
    do(attach)
    settle(server)
    remove = RemoveInstancesRequest()
    remove.set_ScalingGroupId(group)
    remove.set_InstanceIds(ids[:1])
    do(remove)
    settle(server)
    listed = DescribeScalingInstancesRequest()
    listed.set_ScalingGroupId(group)
    left = {i["InstanceId"] for i in do(listed)["ScalingInstances"]["ScalingInstance"]}
    assert ids[0] not in left and ids[1] in left


def test_unplaced_ecs_instances_attach_to_a_group_without_vswitches(
    ess: Any, ecs: Any, server: Server, region: str
) -> None:
    """Both defaults are the first zone's default vSwitch, so every such attach succeeds."""
    group = ess.create_scaling_group(
        m.CreateScalingGroupRequest(
            region_id=region, scaling_group_name="g", min_size=0, max_size=9
        )
    ).body.scaling_group_id
    ess.create_scaling_configuration(
        m.CreateScalingConfigurationRequest(
            scaling_group_id=group, image_id=IMAGE, instance_type=TYPE
        )
    )
    ess.enable_scaling_group(m.EnableScalingGroupRequest(region_id=region, scaling_group_id=group))
    ids = [
        ecs.run_instances(
            ecs_models.RunInstancesRequest(region_id=region, image_id=IMAGE, instance_type=TYPE)
        ).body.instance_id_sets.instance_id_set[0]
        for _ in range(3)
    ]
    server.advance(60)
    ess.attach_instances(
        m.AttachInstancesRequest(region_id=region, scaling_group_id=group, instance_ids=ids)
    )
    settle(server)
    members = ess.describe_scaling_instances(
        m.DescribeScalingInstancesRequest(region_id=region, scaling_group_id=group)
    ).body.scaling_instances
    assert sorted(i.instance_id for i in members) == sorted(ids)
    assert {i.zone_id for i in members} == {f"{region}-a"}


def test_ess_leaves_attached_instances_where_they_are(
    ess: Any, vpc: Any, ecs: Any, server: Server, region: str
) -> None:
    """ESS moves instances between zones only when asked (RebalanceInstances), never on its own:
    two instances attached in one of a group's two zones stay, and nothing is launched."""
    first, second = vpc.describe_vswitches(
        vpc_models.DescribeVSwitchesRequest(region_id=region)
    ).body.v_switches.v_switch[:2]
    group = ess.create_scaling_group(
        m.CreateScalingGroupRequest(
            region_id=region,
            scaling_group_name="g",
            min_size=0,
            max_size=4,
            v_switch_ids=[first.v_switch_id, second.v_switch_id],
        )
    ).body.scaling_group_id
    ess.create_scaling_configuration(
        m.CreateScalingConfigurationRequest(
            scaling_group_id=group, image_id=IMAGE, instance_type=TYPE
        )
    )
    ess.enable_scaling_group(m.EnableScalingGroupRequest(region_id=region, scaling_group_id=group))
    ids = [
        ecs.run_instances(
            ecs_models.RunInstancesRequest(
                region_id=region, image_id=IMAGE, instance_type=TYPE, v_switch_id=first.v_switch_id
            )
        ).body.instance_id_sets.instance_id_set[0]
        for _ in range(3)
    ]
    server.advance(60)
    ess.attach_instances(
        m.AttachInstancesRequest(region_id=region, scaling_group_id=group, instance_ids=ids)
    )
    for _ in range(3):
        settle(server)
    members = ess.describe_scaling_instances(
        m.DescribeScalingInstancesRequest(region_id=region, scaling_group_id=group)
    ).body.scaling_instances
    assert sorted((i.instance_id, i.zone_id) for i in members) == sorted(
        (i, first.zone_id) for i in ids
    )
    activities = ess.describe_scaling_activities(
        m.DescribeScalingActivitiesRequest(region_id=region, scaling_group_id=group)
    ).body.scaling_activities
    assert len(activities) == 1  # the attach, and no rebalancing launch after it


# -- the CIDR reader both clouds share


@given(st.ip_addresses(v=4), st.integers(min_value=0, max_value=32))
def test_a_dotted_quad_block_is_read_without_its_host_bits(address: Any, length: int) -> None:
    block = cidr.parse(f"{address}/{length}")
    assert block == ipaddress.IPv4Network(f"{address}/{length}", strict=False)


@given(st.text(max_size=24))
def test_anything_else_is_no_block(text: str) -> None:
    block = cidr.parse(text)
    if block is not None:
        address, _, length = text.partition("/")
        assert ipaddress.IPv4Network(text, strict=False) == block
        assert 0 <= int(length) <= 32 and len(address.split(".")) == 4


def test_a_scaling_configurations_security_groups_are_its_instances(
    ess: Any, vpc: Any, ecs: Any, server: Server, region: str
) -> None:
    """SecurityGroupIds, like SecurityGroupId, names the groups the instances launch in."""
    own = vpc.create_vpc(
        vpc_models.CreateVpcRequest(region_id=region, cidr_block="192.168.0.0/16")
    ).body.vpc_id
    switch = vpc.create_vswitch(
        vpc_models.CreateVSwitchRequest(
            region_id=region, vpc_id=own, zone_id=f"{region}-a", cidr_block="192.168.1.0/24"
        )
    ).body.v_switch_id
    named = [
        ecs.create_security_group(
            ecs_models.CreateSecurityGroupRequest(region_id=region, vpc_id=own)
        ).body.security_group_id
        for _ in range(2)
    ]
    groups = {}
    for way, fields in (
        ("one", {"security_group_id": named[0]}),
        ("many", {"security_group_ids": named}),
    ):
        group = ess.create_scaling_group(
            m.CreateScalingGroupRequest(
                region_id=region,
                scaling_group_name=way,
                min_size=1,
                max_size=1,
                v_switch_ids=[switch],
            )
        ).body.scaling_group_id
        ess.create_scaling_configuration(
            m.CreateScalingConfigurationRequest(
                scaling_group_id=group, image_id=IMAGE, instance_type=TYPE, **fields
            )
        )
        ess.enable_scaling_group(
            m.EnableScalingGroupRequest(region_id=region, scaling_group_id=group)
        )
        groups[way] = group
    settle(server)
    launched = {}
    for way, group in groups.items():
        [member] = ess.describe_scaling_instances(
            m.DescribeScalingInstancesRequest(region_id=region, scaling_group_id=group)
        ).body.scaling_instances
        [instance] = ecs.describe_instances(
            ecs_models.DescribeInstancesRequest(
                region_id=region, instance_ids=json.dumps([member.instance_id])
            )
        ).body.instances.instance
        launched[way] = instance.security_group_ids.security_group_id
    assert launched == {"one": named[:1], "many": named}
