"""Users' own networks in the simulated EC2, through boto3 and the aws CLI over real HTTP: a VPC
and subnets built as test code builds them, Auto Scaling launching into them, and EC2's refusals."""

from __future__ import annotations

import ipaddress
import json
from typing import Any

import boto3
from botocore.config import Config
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import Server
from tests.helpers import IMAGE, describe_group, error_of, instance_ids


def vpc_with_subnets(ec2: Any, region: str) -> tuple[str, list[str]]:
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.20.{i}.0/24", AvailabilityZone=f"{region}{z}")[
            "Subnet"
        ]["SubnetId"]
        for i, z in ((1, "a"), (2, "b"))
    ]
    return vpc, subnets


def test_a_vpc_and_subnets_are_kept_beside_the_default_ones(ec2: Any, region: str) -> None:
    default_vpcs = ec2.describe_vpcs()["Vpcs"]
    default_subnets = ec2.describe_subnets()["Subnets"]
    created = ec2.create_vpc(
        CidrBlock="10.20.0.0/16",
        TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "it"}]}],
    )["Vpc"]
    assert created["CidrBlock"] == "10.20.0.0/16" and created["IsDefault"] is False
    assert created["VpcId"].startswith("vpc-") and len(created["VpcId"]) == 21
    subnet = ec2.create_subnet(
        VpcId=created["VpcId"], CidrBlock="10.20.1.0/24", AvailabilityZone=f"{region}b"
    )["Subnet"]
    assert (subnet["AvailabilityZone"], subnet["CidrBlock"], subnet["VpcId"]) == (
        f"{region}b",
        "10.20.1.0/24",
        created["VpcId"],
    )
    assert subnet["AvailableIpAddressCount"] == 251 and subnet["DefaultForAz"] is False

    vpcs = ec2.describe_vpcs()["Vpcs"]
    assert vpcs[: len(default_vpcs)] == default_vpcs  # the default VPC answers as before
    [mine] = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": ["it"]}])["Vpcs"]
    assert mine["VpcId"] == created["VpcId"] and mine["State"] == "available"
    assert ec2.describe_subnets()["Subnets"][: len(default_subnets)] == default_subnets
    [found] = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [created["VpcId"]]}])[
        "Subnets"
    ]
    assert found["SubnetId"] == subnet["SubnetId"]
    assert ec2.describe_subnets(SubnetIds=[subnet["SubnetId"]])["Subnets"] == [found]

    ec2.modify_subnet_attribute(SubnetId=subnet["SubnetId"], MapPublicIpOnLaunch={"Value": True})
    ec2.modify_vpc_attribute(VpcId=created["VpcId"], EnableDnsHostnames={"Value": True})
    [found] = ec2.describe_subnets(SubnetIds=[subnet["SubnetId"]])["Subnets"]
    assert found["MapPublicIpOnLaunch"] is True

    [table] = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [created["VpcId"]]}])[
        "RouteTables"
    ]
    assert table["Associations"][0]["Main"] is True
    assert table["Routes"][0]["DestinationCidrBlock"] == "10.20.0.0/16"

    ec2.delete_subnet(SubnetId=subnet["SubnetId"])
    ec2.delete_vpc(VpcId=created["VpcId"])
    assert ec2.describe_vpcs()["Vpcs"] == default_vpcs


def test_cidr_refusals(ec2: Any, region: str) -> None:
    assert error_of(ec2.create_vpc, CidrBlock="10.0.0.0/8") == {
        "Code": "InvalidVpc.Range",
        "Message": "The CIDR '10.0.0.0/8' is invalid.",
        "Status": 400,
        "Type": None,
    }
    assert error_of(ec2.create_vpc, CidrBlock="10.0.0.0/29")["Code"] == "InvalidVpc.Range"
    bad = error_of(ec2.create_vpc, CidrBlock="10.0.0.300/16")
    assert (bad["Code"], bad["Message"]) == (
        "InvalidParameterValue",
        "Value (10.0.0.300/16) for parameter cidrBlock is invalid. This is not a valid CIDR block.",
    )
    vpc, _ = vpc_with_subnets(ec2, region)
    outside = error_of(ec2.create_subnet, VpcId=vpc, CidrBlock="10.21.0.0/24")
    assert (outside["Code"], outside["Message"]) == (
        "InvalidSubnet.Range",
        "The CIDR '10.21.0.0/24' is invalid.",
    )
    assert error_of(ec2.create_subnet, VpcId=vpc, CidrBlock="10.20.0.0/29")["Code"] == (
        "InvalidSubnet.Range"
    )
    conflict = error_of(ec2.create_subnet, VpcId=vpc, CidrBlock="10.20.1.128/25")
    assert (conflict["Code"], conflict["Message"]) == (
        "InvalidSubnet.Conflict",
        "The CIDR '10.20.1.128/25' conflicts with another subnet",
    )
    # The default VPC's own subnets are taken too.
    default_vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]
    taken = error_of(ec2.create_subnet, VpcId=default_vpc[0]["VpcId"], CidrBlock="172.31.0.0/24")
    assert taken["Code"] == "InvalidSubnet.Conflict"
    zone = error_of(ec2.create_subnet, VpcId=vpc, CidrBlock="10.20.9.0/24", AvailabilityZone="x")
    assert zone["Code"] == "InvalidParameterValue"
    assert zone["Message"].startswith("Value (x) for parameter availabilityZone is invalid.")


def test_unknown_ids_are_refused(ec2: Any) -> None:
    cases = [
        (ec2.create_subnet, {"VpcId": "vpc-0123456789abcdef0", "CidrBlock": "10.0.0.0/24"}),
        (ec2.delete_vpc, {"VpcId": "vpc-0123456789abcdef0"}),
        (ec2.describe_vpcs, {"VpcIds": ["vpc-0123456789abcdef0"]}),
    ]
    for call, kwargs in cases:
        error = error_of(call, **kwargs)
        assert (error["Code"], error["Message"]) == (
            "InvalidVpcID.NotFound",
            "The vpc ID 'vpc-0123456789abcdef0' does not exist",
        )
    error = error_of(ec2.delete_subnet, SubnetId="subnet-0123456789abcdef0")
    assert (error["Code"], error["Message"]) == (
        "InvalidSubnetID.NotFound",
        "The subnet ID 'subnet-0123456789abcdef0' does not exist",
    )
    error = error_of(ec2.attach_internet_gateway, InternetGatewayId="igw-1", VpcId="vpc-1")
    assert (error["Code"], error["Message"]) == (
        "InvalidInternetGatewayID.NotFound",
        "The internetGateway ID 'igw-1' does not exist",
    )


def test_a_vpc_or_subnet_in_use_cannot_be_deleted(ec2: Any, region: str, server: Server) -> None:
    vpc, subnets = vpc_with_subnets(ec2, region)
    gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc)
    again = error_of(ec2.attach_internet_gateway, InternetGatewayId=gateway, VpcId=vpc)
    assert (again["Code"], again["Message"]) == (
        "Resource.AlreadyAssociated",
        f"resource {gateway} is already attached to network {vpc}",
    )
    [shown] = ec2.describe_internet_gateways(
        Filters=[{"Name": "attachment.vpc-id", "Values": [vpc]}]
    )["InternetGateways"]
    assert shown["Attachments"] == [{"State": "available", "VpcId": vpc}]
    [instance] = ec2.run_instances(ImageId=IMAGE, MinCount=1, MaxCount=1, SubnetId=subnets[0])[
        "Instances"
    ]
    assert instance["SubnetId"] == subnets[0] and instance["VpcId"] == vpc
    assert ipaddress.IPv4Address(instance["PrivateIpAddress"]) in ipaddress.IPv4Network(
        "10.20.1.0/24"
    )
    in_use = error_of(ec2.delete_subnet, SubnetId=subnets[0])
    assert (in_use["Code"], in_use["Message"]) == (
        "DependencyViolation",
        f"The subnet '{subnets[0]}' has dependencies and cannot be deleted.",
    )
    ec2.delete_subnet(SubnetId=subnets[1])
    vpc_in_use = error_of(ec2.delete_vpc, VpcId=vpc)
    assert (vpc_in_use["Code"], vpc_in_use["Message"]) == (
        "DependencyViolation",
        f"The vpc '{vpc}' has dependencies and cannot be deleted.",
    )
    ec2.terminate_instances(InstanceIds=[instance["InstanceId"]])
    server.advance(120)
    ec2.delete_subnet(SubnetId=subnets[0])
    assert error_of(ec2.delete_vpc, VpcId=vpc)["Code"] == "DependencyViolation"  # the gateway
    ec2.detach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc)
    ec2.delete_internet_gateway(InternetGatewayId=gateway)
    ec2.delete_vpc(VpcId=vpc)


def test_auto_scaling_launches_into_the_users_subnets(
    ec2: Any, autoscaling: Any, region: str, server: Server
) -> None:
    vpc, subnets = vpc_with_subnets(ec2, region)
    gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc)
    firewall = ec2.create_security_group(GroupName="app", Description="app", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=firewall, IpProtocol="tcp", FromPort=443, ToPort=443, CidrIp="0.0.0.0/0"
    )
    ec2.create_key_pair(KeyName="app")
    ec2.create_launch_template(
        LaunchTemplateName="app",
        LaunchTemplateData={
            "ImageId": IMAGE,
            "InstanceType": "t3.micro",
            "KeyName": "app",
            "SecurityGroupIds": [firewall],
        },
    )
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName="app",
        LaunchTemplate={"LaunchTemplateName": "app"},
        MinSize=2,
        MaxSize=4,
        DesiredCapacity=2,
        VPCZoneIdentifier=",".join(subnets),
    )
    server.settle()
    server.advance(10)
    group = describe_group(autoscaling, "app")
    assert sorted(group["AvailabilityZones"]) == [f"{region}a", f"{region}b"]
    ids = instance_ids(group)
    assert len(ids) == 2
    described = ec2.describe_instances(InstanceIds=ids)["Reservations"]
    placed = {i["SubnetId"] for r in described for i in r["Instances"]}
    assert placed == set(subnets)
    assert {i["VpcId"] for r in described for i in r["Instances"]} == {vpc}
    assert {i["KeyName"] for r in described for i in r["Instances"]} == {"app"}
    assert {
        g["GroupId"] for r in described for i in r["Instances"] for g in i["SecurityGroups"]
    } == {firewall}

    # an instance run by hand into the subnet is attached and detached again
    [extra] = ec2.run_instances(
        MinCount=1,
        MaxCount=1,
        LaunchTemplate={"LaunchTemplateName": "app"},
        SubnetId=subnets[1],
    )["Instances"]
    server.advance(10)
    autoscaling.attach_instances(AutoScalingGroupName="app", InstanceIds=[extra["InstanceId"]])
    server.settle()
    assert extra["InstanceId"] in instance_ids(describe_group(autoscaling, "app"))
    autoscaling.detach_instances(
        AutoScalingGroupName="app",
        InstanceIds=[extra["InstanceId"]],
        ShouldDecrementDesiredCapacity=True,
    )
    server.settle()
    assert extra["InstanceId"] not in instance_ids(describe_group(autoscaling, "app"))


def test_a_groups_template_names_its_security_groups_as_run_instances_reads_them(
    ec2: Any, autoscaling: Any, region: str, server: Server
) -> None:
    """Groups on the template's primary network interface (what templates that ask for a public
    address carry) or none at all (the subnet's VPC's default group) reach the group's
    instances as they reach RunInstances', and keep a group in use from being deleted."""
    vpc, subnets = vpc_with_subnets(ec2, region)
    firewall = ec2.create_security_group(GroupName="app", Description="app", VpcId=vpc)["GroupId"]
    [default] = ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [vpc]}, {"Name": "group-name", "Values": ["default"]}]
    )["SecurityGroups"]
    ec2.create_launch_template(
        LaunchTemplateName="on-interface",
        LaunchTemplateData={
            "ImageId": IMAGE,
            "InstanceType": "t3.micro",
            "NetworkInterfaces": [
                {"DeviceIndex": 0, "AssociatePublicIpAddress": True, "Groups": [firewall]}
            ],
        },
    )
    ec2.create_launch_template(
        LaunchTemplateName="no-groups",
        LaunchTemplateData={"ImageId": IMAGE, "InstanceType": "t3.micro"},
    )
    for name in ("on-interface", "no-groups"):
        autoscaling.create_auto_scaling_group(
            AutoScalingGroupName=name,
            LaunchTemplate={"LaunchTemplateName": name},
            MinSize=1,
            MaxSize=2,
            DesiredCapacity=1,
            VPCZoneIdentifier=subnets[0],
        )
    server.settle()
    server.advance(10)
    for name, expected in (("on-interface", firewall), ("no-groups", default["GroupId"])):
        ids = instance_ids(describe_group(autoscaling, name))
        assert len(ids) == 1
        [reservation] = ec2.describe_instances(InstanceIds=ids)["Reservations"]
        assert [g["GroupId"] for g in reservation["Instances"][0]["SecurityGroups"]] == [expected]
    refused = error_of(ec2.delete_security_group, GroupId=firewall)
    assert (refused["Code"], refused["Message"]) == (
        "DependencyViolation",
        f"resource {firewall} has a dependent object",
    )


def test_the_aws_cli_builds_a_network(aws_cli: Any, region: str) -> None:
    made = aws_cli("ec2", "create-vpc", "--cidr-block", "10.30.0.0/16")
    assert made.returncode == 0, made.stderr
    vpc = json.loads(made.stdout)["Vpc"]["VpcId"]
    subnet = aws_cli(
        "ec2", "create-subnet", "--vpc-id", vpc, "--cidr-block", "10.30.0.0/20",
        "--availability-zone", f"{region}c",
    )  # fmt: skip
    assert subnet.returncode == 0, subnet.stderr
    conflict = aws_cli("ec2", "create-subnet", "--vpc-id", vpc, "--cidr-block", "10.30.8.0/24")
    assert conflict.returncode != 0
    assert "(InvalidSubnet.Conflict)" in conflict.stderr
    assert "The CIDR '10.30.8.0/24' conflicts with another subnet" in conflict.stderr


OCTET = st.one_of(st.integers(0, 255).map(str), st.sampled_from(["256", "999", "01", "", "a"]))
CIDRS = st.one_of(
    st.builds(
        lambda a, b, c, d, p: f"{a}.{b}.{c}.{d}/{p}",
        OCTET,
        OCTET,
        OCTET,
        OCTET,
        st.one_of(st.integers(0, 40).map(str), st.sampled_from(["", "x", "016"])),
    ),
    st.text(max_size=24),
)


def _valid(text: str) -> ipaddress.IPv4Network | None:
    import re

    if not re.fullmatch(r"[0-9]{1,3}(\.[0-9]{1,3}){3}/[0-9]{1,2}", text):
        return None
    try:
        return ipaddress.IPv4Network(text, strict=False)
    except ValueError:
        return None


@settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=CIDRS)
def test_any_cidr_is_taken_or_refused_as_ec2_does(ec2: Any, text: str) -> None:
    block = _valid(text)
    if block is None:
        error = error_of(ec2.create_vpc, CidrBlock=text)
        assert error["Code"] in ("InvalidParameterValue", "MissingParameter"), error
        return
    if not 16 <= block.prefixlen <= 28:
        assert error_of(ec2.create_vpc, CidrBlock=text)["Code"] == "InvalidVpc.Range"
        return
    vpc = ec2.create_vpc(CidrBlock=text)["Vpc"]
    assert vpc["CidrBlock"] == str(block)
    for prefix in (block.prefixlen - 1, block.prefixlen, min(block.prefixlen + 4, 29)):
        sub = f"{block.network_address}/{prefix}"
        ok = block.prefixlen <= prefix <= 28
        if ok:
            made = ec2.create_subnet(VpcId=vpc["VpcId"], CidrBlock=sub)["Subnet"]
            ec2.delete_subnet(SubnetId=made["SubnetId"])
        else:
            assert error_of(ec2.create_subnet, VpcId=vpc["VpcId"], CidrBlock=sub)["Code"] == (
                "InvalidSubnet.Range"
            )
    ec2.delete_vpc(VpcId=vpc["VpcId"])


def test_security_groups_keep_their_rules(ec2: Any, region: str, server: Server) -> None:
    before = ec2.describe_security_groups()["SecurityGroups"]
    vpc, subnets = vpc_with_subnets(ec2, region)
    web = ec2.create_security_group(GroupName="web", Description="web tier", VpcId=vpc)["GroupId"]
    assert web.startswith("sg-")
    answer = ec2.authorize_security_group_ingress(
        GroupId=web,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 22,
                "ToPort": 22,
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
            }
        ],
    )
    assert answer["Return"] is True
    [rule] = answer["SecurityGroupRules"]
    assert (rule["GroupId"], rule["IsEgress"], rule["CidrIpv4"], rule["FromPort"]) == (
        web,
        False,
        "0.0.0.0/0",
        22,
    )
    [group] = ec2.describe_security_groups(GroupIds=[web])["SecurityGroups"]
    assert (group["GroupName"], group["VpcId"], group["Description"]) == ("web", vpc, "web tier")
    assert group["IpPermissions"] == [
        {
            "IpProtocol": "tcp",
            "FromPort": 22,
            "ToPort": 22,
            "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
            "Ipv6Ranges": [],
            "PrefixListIds": [],
            "UserIdGroupPairs": [],
        }
    ]
    assert group["IpPermissionsEgress"][0]["IpRanges"] == [{"CidrIp": "0.0.0.0/0"}]
    rules = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [web]}])
    assert {r["IsEgress"] for r in rules["SecurityGroupRules"]} == {False, True}

    # the new VPC has its own default group; the default VPC's answers as before
    listed = ec2.describe_security_groups()["SecurityGroups"]
    assert listed[: len(before)] == before
    [own_default] = ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [vpc]}, {"Name": "group-name", "Values": ["default"]}]
    )["SecurityGroups"]
    assert own_default["GroupId"] != before[0]["GroupId"]

    duplicate = error_of(ec2.create_security_group, GroupName="web", Description="x", VpcId=vpc)
    assert (duplicate["Code"], duplicate["Message"]) == (
        "InvalidGroup.Duplicate",
        f"The security group 'web' already exists for VPC '{vpc}'",
    )
    again = error_of(
        ec2.authorize_security_group_ingress,
        GroupId=web,
        IpProtocol="tcp",
        FromPort=22,
        ToPort=22,
        CidrIp="0.0.0.0/0",
    )
    assert (again["Code"], again["Message"]) == (
        "InvalidPermission.Duplicate",
        'the specified rule "peer: 0.0.0.0/0, TCP, from port: 22, to port: 22, ALLOW" '
        "already exists",
    )
    unknown = error_of(ec2.delete_security_group, GroupId="sg-0123456789abcdef0")
    assert (unknown["Code"], unknown["Message"]) == (
        "InvalidGroup.NotFound",
        "The security group 'sg-0123456789abcdef0' does not exist",
    )
    default = error_of(ec2.delete_security_group, GroupId=own_default["GroupId"])
    assert (default["Code"], default["Message"]) == (
        "CannotDelete",
        f'the specified group: "{own_default["GroupId"]}" name: "default" cannot be deleted '
        "by a user",
    )

    # a launch template naming the group and the subnet launches there
    ec2.create_launch_template(
        LaunchTemplateName="web",
        LaunchTemplateData={
            "ImageId": IMAGE,
            "NetworkInterfaces": [{"DeviceIndex": 0, "SubnetId": subnets[1], "Groups": [web]}],
        },
    )
    [instance] = ec2.run_instances(
        MinCount=1, MaxCount=1, LaunchTemplate={"LaunchTemplateName": "web"}
    )["Instances"]
    assert instance["SubnetId"] == subnets[1]
    assert [g["GroupId"] for g in instance["SecurityGroups"]] == [web]
    in_use = error_of(ec2.delete_security_group, GroupId=web)
    assert (in_use["Code"], in_use["Message"]) == (
        "DependencyViolation",
        f"resource {web} has a dependent object",
    )
    assert error_of(ec2.delete_vpc, VpcId=vpc)["Code"] == "DependencyViolation"
    ec2.terminate_instances(InstanceIds=[instance["InstanceId"]])
    server.advance(120)

    ec2.revoke_security_group_ingress(
        GroupId=web, IpProtocol="tcp", FromPort=22, ToPort=22, CidrIp="0.0.0.0/0"
    )
    gone = error_of(
        ec2.revoke_security_group_ingress,
        GroupId=web,
        IpProtocol="tcp",
        FromPort=22,
        ToPort=22,
        CidrIp="0.0.0.0/0",
    )
    assert (gone["Code"], gone["Message"]) == (
        "InvalidPermission.NotFound",
        "The specified rule does not exist in this security group.",
    )
    ec2.delete_security_group(GroupId=web)
    # the default group's rules may change: it becomes a row, and still cannot be deleted
    ec2.authorize_security_group_ingress(
        GroupId=own_default["GroupId"],
        IpProtocol="tcp",
        FromPort=80,
        ToPort=80,
        CidrIp="10.0.0.0/8",
    )
    [changed] = ec2.describe_security_groups(GroupIds=[own_default["GroupId"]])["SecurityGroups"]
    assert len(changed["IpPermissions"]) == 2
    for subnet in subnets:
        ec2.delete_subnet(SubnetId=subnet)
    ec2.delete_vpc(VpcId=vpc)
    assert ec2.describe_security_groups()["SecurityGroups"] == before


PUBLIC_KEY = (
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHk7fVmTQ0kJ0b0vYc8pQ0dW0N2c4sV9lq1r0pX8sY2Z user@host"
)


def test_key_pairs_are_kept_and_launches_need_them(
    ec2: Any, autoscaling: Any, server: Server
) -> None:
    made = ec2.create_key_pair(KeyName="ops")
    assert made["KeyName"] == "ops" and made["KeyPairId"].startswith("key-")
    assert made["KeyMaterial"].startswith("-----BEGIN RSA PRIVATE KEY-----")
    imported = ec2.import_key_pair(KeyName="laptop", PublicKeyMaterial=PUBLIC_KEY.encode())
    assert imported["KeyName"] == "laptop"
    listed = ec2.describe_key_pairs()["KeyPairs"]
    assert [(k["KeyName"], k["KeyType"]) for k in listed] == [("laptop", "ed25519"), ("ops", "rsa")]
    [only] = ec2.describe_key_pairs(Filters=[{"Name": "key-name", "Values": ["lap*"]}])["KeyPairs"]
    assert only["KeyPairId"] == imported["KeyPairId"]
    duplicate = error_of(ec2.create_key_pair, KeyName="ops")
    assert (duplicate["Code"], duplicate["Message"]) == (
        "InvalidKeyPair.Duplicate",
        "The keypair 'ops' already exists.",
    )
    bad = error_of(ec2.import_key_pair, KeyName="bad", PublicKeyMaterial=b"not a key")
    assert (bad["Code"], bad["Message"]) == (
        "InvalidKey.Format",
        "Key is not in valid OpenSSH public key format",
    )

    # a launch naming a key pair that does not exist is refused as EC2 and Auto Scaling do
    run = error_of(ec2.run_instances, ImageId=IMAGE, MinCount=1, MaxCount=1, KeyName="nope")
    assert (run["Code"], run["Message"]) == (
        "InvalidKeyPair.NotFound",
        "The key pair 'nope' does not exist",
    )
    assert ec2.run_instances(ImageId=IMAGE, MinCount=1, MaxCount=1, KeyName="ops")["Instances"]
    config = error_of(
        autoscaling.create_launch_configuration,
        LaunchConfigurationName="lc",
        ImageId=IMAGE,
        InstanceType="t3.micro",
        KeyName="nope",
    )
    assert (config["Code"], config["Message"]) == (
        "ValidationError",
        "The key pair 'nope' does not exist",
    )
    ec2.create_launch_template(
        LaunchTemplateName="keyed", LaunchTemplateData={"ImageId": IMAGE, "KeyName": "nope"}
    )  # EC2 keeps a template naming any key; Auto Scaling refuses it
    group = error_of(
        autoscaling.create_auto_scaling_group,
        AutoScalingGroupName="g",
        LaunchTemplate={"LaunchTemplateName": "keyed"},
        MinSize=0,
        MaxSize=1,
        AvailabilityZones=[f"{ec2.meta.region_name}a"],
    )
    assert (group["Code"], group["Message"]) == (
        "ValidationError",
        "You must use a valid fully-formed launch template. The key pair 'nope' does not exist",
    )
    ec2.delete_key_pair(KeyName="ops")
    ec2.delete_key_pair(KeyName="ops")  # already gone: EC2 answers success
    unknown = error_of(ec2.describe_key_pairs, KeyNames=["ops"])
    assert (unknown["Code"], unknown["Message"]) == (
        "InvalidKeyPair.NotFound",
        "The key pair 'ops' does not exist",
    )


def test_create_and_delete_tags_reach_network_resources(ec2: Any, region: str) -> None:
    vpc, subnets = vpc_with_subnets(ec2, region)
    group = ec2.create_security_group(GroupName="g", Description="g", VpcId=vpc)["GroupId"]
    ec2.create_tags(
        Resources=[vpc, subnets[0], group],
        Tags=[{"Key": "Name", "Value": "test"}, {"Key": "env", "Value": "ci"}],
    )
    [tagged] = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": ["test"]}])["Vpcs"]
    assert tagged["VpcId"] == vpc
    found = ec2.describe_subnets(Filters=[{"Name": "tag:env", "Values": ["ci"]}])["Subnets"]
    assert [s["SubnetId"] for s in found] == [subnets[0]]
    ec2.delete_tags(Resources=[subnets[0]], Tags=[{"Key": "env", "Value": "other"}])
    assert ec2.describe_subnets(Filters=[{"Name": "tag:env", "Values": ["ci"]}])["Subnets"]
    ec2.delete_tags(Resources=[subnets[0]], Tags=[{"Key": "env"}])
    assert not ec2.describe_subnets(Filters=[{"Name": "tag:env", "Values": ["ci"]}])["Subnets"]
    [shown] = ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"]
    assert {t["Key"]: t["Value"] for t in shown["Tags"]} == {"Name": "test", "env": "ci"}
    unknown = error_of(
        ec2.create_tags, Resources=["vpc-0123456789abcdef0"], Tags=[{"Key": "a", "Value": "b"}]
    )
    assert (unknown["Code"], unknown["Message"]) == (
        "InvalidVpcID.NotFound",
        "The vpc ID 'vpc-0123456789abcdef0' does not exist",
    )


def test_run_instances_checks_its_security_groups(ec2: Any, region: str) -> None:
    vpc, subnets = vpc_with_subnets(ec2, region)
    mine = ec2.create_security_group(GroupName="mine", Description="d", VpcId=vpc)["GroupId"]
    elsewhere = ec2.create_security_group(GroupName="elsewhere", Description="d")["GroupId"]
    base = {"ImageId": IMAGE, "MinCount": 1, "MaxCount": 1, "SubnetId": subnets[0]}
    [ok] = ec2.run_instances(**base, SecurityGroupIds=[mine])["Instances"]
    assert [g["GroupId"] for g in ok["SecurityGroups"]] == [mine]
    crossed = error_of(ec2.run_instances, **base, SecurityGroupIds=[elsewhere])
    assert (crossed["Code"], crossed["Message"]) == (
        "InvalidParameter",
        f"Security group {elsewhere} and subnet {subnets[0]} belong to different networks.",
    )
    unknown = error_of(ec2.run_instances, **base, SecurityGroupIds=["sg-0123456789abcdef0"])
    assert (unknown["Code"], unknown["Message"]) == (
        "InvalidGroup.NotFound",
        f"The security group 'sg-0123456789abcdef0' does not exist in VPC '{vpc}'",
    )


def test_network_describes_page_through_boto3_paginators(ec2: Any, region: str) -> None:
    loose = boto3.client(  # MaxResults out of bounds reaches the server
        "ec2",
        region_name=region,
        endpoint_url=ec2.meta.endpoint_url,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(parameter_validation=False, retries={"max_attempts": 1}),
    )
    vpcs = [ec2.create_vpc(CidrBlock=f"10.{i}.0.0/16")["Vpc"]["VpcId"] for i in range(40, 46)]
    for i, vpc in enumerate(vpcs):
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.{40 + i}.1.0/24")
        ec2.create_security_group(GroupName=f"g{i}", Description="paged", VpcId=vpc)
    for operation, member, key in (
        ("describe_vpcs", "Vpcs", "VpcId"),
        ("describe_subnets", "Subnets", "SubnetId"),
        ("describe_security_groups", "SecurityGroups", "GroupId"),
    ):
        whole = [item[key] for item in getattr(ec2, operation)()[member]]
        pages = list(ec2.get_paginator(operation).paginate(PaginationConfig={"PageSize": 5}))
        assert [len(p[member]) for p in pages[:-1]] == [5] * (len(pages) - 1), operation
        assert 1 <= len(pages[-1][member]) <= 5 and "NextToken" not in pages[-1]
        assert [item[key] for p in pages for item in p[member]] == whole, operation
        # Filters and ids choose first; the page is of what they chose.
        mine = [{"Name": "vpc-id", "Values": vpcs}]
        [*chosen] = ec2.get_paginator(operation).paginate(
            Filters=mine, PaginationConfig={"PageSize": 5}
        )
        count = len(getattr(ec2, operation)(Filters=mine)[member])
        assert count > 5 and [len(p[member]) for p in chosen] == [5] * (count // 5) + (
            [count % 5] if count % 5 else []
        ), operation
        first = getattr(ec2, operation)(MaxResults=5)
        assert len(first[member]) == 5 and first["NextToken"]
        for size in (4, 1001):  # the model's bounds, refused before the handler
            refused = error_of(getattr(loose, operation), MaxResults=size)
            assert (refused["Code"], refused["Message"]) == (
                "InvalidParameterValue",
                f"Invalid value '{size}' for MaxResults.",
            ), operation
        bad = error_of(getattr(ec2, operation), MaxResults=5, NextToken="not-a-token")
        assert (bad["Code"], bad["Message"]) == (
            "InvalidParameterValue",
            "Unable to parse pagination token",
        )
    # A token of one listing is not another's.
    token = ec2.describe_vpcs(MaxResults=5)["NextToken"]
    assert error_of(ec2.describe_subnets, MaxResults=5, NextToken=token)["Code"] == (
        "InvalidParameterValue"
    )
    tables = ec2.describe_route_tables(MaxResults=5)
    assert len(tables["RouteTables"]) == 5 and tables["NextToken"]
    assert error_of(loose.describe_route_tables, MaxResults=101)["Code"] == "InvalidParameterValue"
