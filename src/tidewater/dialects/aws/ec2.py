"""EC2 (2016-11-15) for boto3 and the aws CLI: each action goes straight to the simulated cloud."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from tidewater.cloud.sim.ec2 import Ec2Fault, SimEc2
from tidewater.dialects.aws.errors import AwsError
from tidewater.dialects.aws.service import Handler
from tidewater.dialects.sim_products import front_door
from tidewater.domain.scope import Scope

Operation = Callable[[Scope, Mapping[str, Any]], Mapping[str, Any] | None]

# Calls after which an instance may be in a new state, so the Auto Scaling engine must look.
CHANGES_INSTANCES = frozenset(
    {"RunInstances", "TerminateInstances", "StopInstances", "StartInstances"}
)


class Ec2Service:
    """The EC2 product: translates faults into AWS errors and wakes the engine, deciding nothing."""

    signing_name = "ec2"
    service_name = "ec2"
    api_version = "2016-11-15"

    def __init__(self, sim: SimEc2, wake: Callable[[], None]) -> None:
        self.sim = sim
        self.wake = wake
        operations: dict[str, Operation] = {
            "RunInstances": sim.run_instances,
            "DescribeInstances": sim.describe_instances,
            "TerminateInstances": sim.terminate_instances,
            "StopInstances": sim.stop_instances,
            "StartInstances": sim.start_instances,
            "DescribeInstanceAttribute": sim.describe_instance_attribute,
            "ModifyInstanceAttribute": sim.modify_instance_attribute,
            "DescribeVolumes": sim.describe_volumes,
            "CreateTags": sim.create_tags,
            "DeleteTags": sim.delete_tags,
            "DescribeTags": sim.describe_tags,
            "CreateLaunchTemplate": sim.create_launch_template,
            "CreateLaunchTemplateVersion": sim.create_launch_template_version,
            "DescribeLaunchTemplates": sim.describe_launch_templates,
            "DescribeLaunchTemplateVersions": sim.describe_launch_template_versions,
            "DeleteLaunchTemplate": sim.delete_launch_template,
            "DescribeAvailabilityZones": sim.describe_availability_zones,
            "DescribeVpcs": sim.describe_vpcs,
            "DescribeSubnets": sim.describe_subnets,
            "DescribeImages": sim.describe_images,
            "CreateImage": sim.create_image,
            "RegisterImage": sim.register_image,
            "CopyImage": sim.copy_image,
            "DeregisterImage": sim.deregister_image,
            "DescribeSecurityGroups": sim.describe_security_groups,
            "DescribeKeyPairs": sim.describe_key_pairs,
            "DescribeInstanceTypes": sim.describe_instance_types,
            "CreateVpc": sim.create_vpc,
            "DeleteVpc": sim.delete_vpc,
            "ModifyVpcAttribute": sim.modify_vpc_attribute,
            "CreateSubnet": sim.create_subnet,
            "DeleteSubnet": sim.delete_subnet,
            "ModifySubnetAttribute": sim.modify_subnet_attribute,
            "CreateInternetGateway": sim.create_internet_gateway,
            "AttachInternetGateway": sim.attach_internet_gateway,
            "DetachInternetGateway": sim.detach_internet_gateway,
            "DeleteInternetGateway": sim.delete_internet_gateway,
            "DescribeInternetGateways": sim.describe_internet_gateways,
            "DescribeRouteTables": sim.describe_route_tables,
            "CreateSecurityGroup": sim.create_security_group,
            "DeleteSecurityGroup": sim.delete_security_group,
            "AuthorizeSecurityGroupIngress": sim.authorize_security_group_ingress,
            "AuthorizeSecurityGroupEgress": sim.authorize_security_group_egress,
            "RevokeSecurityGroupIngress": sim.revoke_security_group_ingress,
            "RevokeSecurityGroupEgress": sim.revoke_security_group_egress,
            "DescribeSecurityGroupRules": sim.describe_security_group_rules,
            "CreateKeyPair": sim.create_key_pair,
            "ImportKeyPair": sim.import_key_pair,
            "DeleteKeyPair": sim.delete_key_pair,
        }
        self.handlers: dict[str, Handler] = front_door(
            operations, Ec2Fault, AwsError, wake, CHANGES_INSTANCES
        )
