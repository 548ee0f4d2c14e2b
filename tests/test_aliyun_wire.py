"""Alibaba Cloud envelope (wire.py) and ESS request specs (ess_api.py), checked against the SDKs.

Requests are built with the real SDK request classes and sent through the real clients, with
the transport replaced at its lowest level (``HttpResponse.get_response_object`` for
aliyun-python-sdk-core, ``DaraCore.do_action`` for the tea SDK): what our parser sees is exactly
what those clients put on the wire, and what they make of our bodies is exactly what a user gets.
"""

from __future__ import annotations

import importlib
import json
import re
import string
import sys
import typing
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from alibabacloud_ess20220222 import models as M
from alibabacloud_ess20220222.client import Client as TeaClient
from alibabacloud_tea_openapi import models as open_api_models
from alibabacloud_tea_openapi.exceptions import ClientException as TeaClientException
from alibabacloud_tea_openapi.exceptions import ServerException as TeaServerException
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkcore.client import AcsClient
from aliyunsdkcore.http import http_response
from aliyunsdkcore.request import CommonRequest
from darabonba.core import DaraCore
from darabonba.response import DaraResponse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tidewater.dialects.aliyun import ess_api
from tidewater.dialects.aliyun.ess_api import (
    LIST_WRAPPERS,
    V2014,
    V2022,
    AliyunError,
    known,
    parse,
    shape,
)
from tidewater.dialects.aliyun.ess_api.shapes import _wrap
from tidewater.dialects.aliyun.wire import (
    COMMON_PARAMS,
    JSON_CONTENT_TYPE,
    XML_CONTENT_TYPE,
    Call,
    is_aliyun,
    read_call,
    render,
    render_error,
)

VECTORS = Path("/work/shared/reference/vectors")
REGION = "cn-hangzhou"

ACTIONS = sorted(ess_api.ACTIONS)


# --------------------------------------------------------------------------------------------
# Fake transports under the real clients


@dataclass
class Sent:
    method: str
    query: str
    body: bytes
    headers: dict[str, str]

    def call(self) -> Call:
        c = read_call(self.query, self.body, self.headers)
        assert c is not None
        return c


@dataclass
class Reply:
    status: int = 200
    body: bytes = b'{"RequestId": "req-1"}'
    content_type: str = JSON_CONTENT_TYPE
    headers: dict[str, str] = field(default_factory=dict)


class Legacy:
    """aliyun-python-sdk-core's AcsClient with the HTTP exchange replaced."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.sent: list[Sent] = []
        self.reply = Reply()

        def exchange(resp: Any) -> tuple[int, dict[str, str], bytes]:
            url = urlsplit(resp.get_url())
            body = resp.get_body() or b""
            if isinstance(body, str):
                body = body.encode()
            self.sent.append(Sent(resp.get_method(), url.query, body, dict(resp.get_headers())))
            headers = {"Content-Type": self.reply.content_type, **self.reply.headers}
            return self.reply.status, headers, self.reply.body

        monkeypatch.setattr(http_response.HttpResponse, "get_response_object", exchange)
        self.client = AcsClient("AK", "SECRET", REGION)

    def request(self, action: str) -> Any:
        try:
            mod = importlib.import_module(f"aliyunsdkess.request.v20140828.{action}Request")
        except ModuleNotFoundError:  # newer than the pinned SDK: scripts send a CommonRequest
            req = CommonRequest(domain="127.0.0.1:8080", version=V2014, action_name=action)
            req.set_product("Ess")
            return req
        req = getattr(mod, f"{action}Request")()
        req.set_endpoint("127.0.0.1:8080")
        return req

    def send(self, req: Any) -> bytes:
        out: bytes = self.client.do_action_with_exception(req)
        return out


def _snake(action: str) -> str:
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", action).lower()
    return s.replace("d_b_", "db").replace("_d_b", "_db")


class Tea:
    """alibabacloud-ess20220222's Client with DaraCore.do_action replaced."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.sent: list[Sent] = []
        self.reply = Reply()

        def do_action(request: Any, runtime_option: Any = None) -> DaraResponse:
            url = urlsplit(DaraCore.compose_url(request))
            body = request.body or b""
            if isinstance(body, str):
                body = body.encode()
            self.sent.append(Sent(request.method, url.query, body, dict(request.headers)))
            r = DaraResponse()
            r.status_code = self.reply.status
            r.headers = {"content-type": self.reply.content_type, **self.reply.headers}
            r.body = self.reply.body
            return r

        monkeypatch.setattr(DaraCore, "do_action", staticmethod(do_action))
        cfg = open_api_models.Config(
            access_key_id="AK",
            access_key_secret="SECRET",
            endpoint="127.0.0.1:8080",
            protocol="http",
            region_id=REGION,
        )
        self.client = TeaClient(cfg)

    def send(self, action: str, model_in: Mapping[str, Any]) -> tuple[Any, Any]:
        req = getattr(M, f"{action}Request")().from_map(dict(model_in))
        resp = getattr(self.client, _snake(action))(req)
        return req, resp


@pytest.fixture
def legacy(monkeypatch: pytest.MonkeyPatch) -> Legacy:
    return Legacy(monkeypatch)


@pytest.fixture
def tea(monkeypatch: pytest.MonkeyPatch) -> Tea:
    return Tea(monkeypatch)


# --------------------------------------------------------------------------------------------
# (a) every action, both versions, real SDK requests -> 2022-named dict


@dataclass
class Case:
    action: str
    expected: dict[str, Any]
    build14: Callable[[Any], None]
    # values the 2022 model needs in another form (JSON-string parameters)
    model22: dict[str, Any] = field(default_factory=dict)
    # expected keys the 2014 SDK cannot send
    no14: frozenset[str] = frozenset()
    # what the 2014 request parses to instead (where its SDK sends something else)
    alt14: dict[str, Any] = field(default_factory=dict)
    # what the 2022 request parses to instead (the tea models add empty lists of their own)
    alt22: dict[str, Any] = field(default_factory=dict)
    name: str = ""


LHC = {"DisableLifecycleHook": True, "IgnoredLifecycleHookIds": ["ash-1", "ash-2"]}


def _query(**params: Any) -> Callable[[Any], None]:
    """Add each parameter as the 2014 wire spells it (lists as Name.N) to a CommonRequest."""

    def build(req: Any) -> None:
        for name, value in params.items():
            if isinstance(value, list):
                for i, item in enumerate(value, 1):
                    req.add_query_param(f"{name}.{i}", item)
            else:
                req.add_query_param(name, value)

    return build


def _calls(**setters: Any) -> Callable[[Any], None]:
    """Call req.set_<Name>(value) for each keyword; the SDK's own setters build the wire."""

    def build(req: Any) -> None:
        for name, value in setters.items():
            getattr(req, f"set_{name}")(value)

    return build


CASES: list[Case] = [
    Case(
        "CreateScalingGroup",
        {
            "RegionId": REGION,
            "ScalingGroupName": "web tier é/中 +&=",
            "MinSize": 1,
            "MaxSize": 10,
            "DesiredCapacity": 2,
            "DefaultCooldown": 300,
            "RemovalPolicies": ["OldestScalingConfiguration", "OldestInstance"],
            "VSwitchId": "vsw-0",
            "VSwitchIds": ["vsw-1", "vsw-2"],
            "LoadBalancerIds": ["lb-1", "lb-2"],
            "DBInstanceIds": ["rm-1"],
            "MultiAZPolicy": "BALANCE",
            "HealthCheckType": "ECS",
            "HealthCheckTypes": ["ECS", "LOAD_BALANCER"],
            "ScalingPolicy": "recycle",
            "LaunchTemplateId": "lt-1",
            "LaunchTemplateVersion": "Default",
            "InstanceId": "i-template",
            "StopInstanceTimeout": 60,
            "GroupDeletionProtection": True,
            "GroupType": "ECS",
            "ClientToken": "tok-1",
            "AzBalance": False,
            "SpotInstancePools": 2,
            "OnDemandBaseCapacity": 0,
            "OnDemandPercentageAboveBaseCapacity": 100,
            "CompensateWithOnDemand": True,
            "SpotInstanceRemedy": False,
            "MaxInstanceLifetime": 86400,
            "CustomPolicyARN": "acs:fc:cn-hangzhou:1:services/s/functions/f",
            "ResourceGroupId": "rg-1",
            "AllocationStrategy": "lowestPrice",
            "SpotAllocationStrategy": "priority",
            "ContainerGroupId": "eci-1",
            "CapacityOptions": {
                "CompensateWithOnDemand": True,
                "OnDemandBaseCapacity": 1,
                "OnDemandPercentageAboveBaseCapacity": 50,
                "PriceComparisonMode": "PricePerUnit",
                "SpotAutoReplaceOnDemand": False,
            },
            "LaunchTemplateOverrides": [
                {"InstanceType": "ecs.g7.large", "SpotPriceLimit": 0.5, "WeightedCapacity": 2},
                {"InstanceType": "ecs.g7.xlarge", "SpotPriceLimit": 1.25, "WeightedCapacity": 4},
            ],
            "LifecycleHooks": [
                {
                    "LifecycleHookName": "drain",
                    "LifecycleTransition": "SCALE_IN",
                    "DefaultResult": "CONTINUE",
                    "HeartbeatTimeout": 600,
                    "NotificationArn": "acs:ess:cn-hangzhou:1:queue/q",
                    "NotificationMetadata": '{"a": 1}',
                }
            ],
            "Tags": [{"Key": "env", "Value": "prod", "Propagate": True}],
            "VServerGroups": [
                {
                    "LoadBalancerId": "lb-1",
                    "VServerGroupAttributes": [
                        {"VServerGroupId": "rsp-1", "Port": 80, "Weight": 50},
                        {"VServerGroupId": "rsp-2", "Port": 443, "Weight": 0},
                    ],
                }
            ],
            "LoadBalancerConfigs": [{"LoadBalancerId": "lb-1", "Weight": 50}],
            "ServerGroups": [{"ServerGroupId": "sgp-1", "Port": 80, "Weight": 10, "Type": "ALB"}],
            "DBInstances": [{"DBInstanceId": "rm-1", "Type": "RDS", "AttachMode": "SecurityIp"}],
            "AlbServerGroups": [{"AlbServerGroupId": "sgp-a", "Port": 8080, "Weight": 20}],
            "BalanceMode": "BalancedOnly",
        },
        _calls(
            ScalingGroupName="web tier é/中 +&=",
            MinSize=1,
            MaxSize=10,
            DesiredCapacity=2,
            DefaultCooldown=300,
            RemovalPolicy1="OldestScalingConfiguration",
            RemovalPolicy2="OldestInstance",
            VSwitchId="vsw-0",
            VSwitchIdss=["vsw-1", "vsw-2"],
            LoadBalancerIds='["lb-1", "lb-2"]',
            DBInstanceIds='["rm-1"]',
            MultiAZPolicy="BALANCE",
            HealthCheckType="ECS",
            HealthCheckTypess=["ECS", "LOAD_BALANCER"],
            ScalingPolicy="recycle",
            LaunchTemplateId="lt-1",
            LaunchTemplateVersion="Default",
            InstanceId="i-template",
            StopInstanceTimeout=60,
            GroupDeletionProtection=True,
            GroupType="ECS",
            ClientToken="tok-1",
            AzBalance=False,
            SpotInstancePools=2,
            OnDemandBaseCapacity=0,
            OnDemandPercentageAboveBaseCapacity=100,
            CompensateWithOnDemand=True,
            SpotInstanceRemedy=False,
            MaxInstanceLifetime=86400,
            CustomPolicyARN="acs:fc:cn-hangzhou:1:services/s/functions/f",
            ResourceGroupId="rg-1",
            AllocationStrategy="lowestPrice",
            SpotAllocationStrategy="priority",
            ContainerGroupId="eci-1",
            CapacityOptions={
                "CompensateWithOnDemand": True,
                "OnDemandBaseCapacity": 1,
                "OnDemandPercentageAboveBaseCapacity": 50,
                "PriceComparisonMode": "PricePerUnit",
                "SpotAutoReplaceOnDemand": False,
            },
            LaunchTemplateOverrides=[
                {"InstanceType": "ecs.g7.large", "SpotPriceLimit": 0.5, "WeightedCapacity": 2},
                {"InstanceType": "ecs.g7.xlarge", "SpotPriceLimit": 1.25, "WeightedCapacity": 4},
            ],
            LifecycleHooks=[
                {
                    "LifecycleHookName": "drain",
                    "LifecycleTransition": "SCALE_IN",
                    "DefaultResult": "CONTINUE",
                    "HeartbeatTimeout": 600,
                    "NotificationArn": "acs:ess:cn-hangzhou:1:queue/q",
                    "NotificationMetadata": '{"a": 1}',
                }
            ],
            Tags=[{"Key": "env", "Value": "prod", "Propagate": True}],
            VServerGroups=[
                {
                    "LoadBalancerId": "lb-1",
                    "VServerGroupAttribute": [
                        {"VServerGroupId": "rsp-1", "Port": 80, "Weight": 50},
                        {"VServerGroupId": "rsp-2", "Port": 443, "Weight": 0},
                    ],
                }
            ],
            LoadBalancerConfigs=[{"LoadBalancerId": "lb-1", "Weight": 50}],
            ServerGroups=[{"ServerGroupId": "sgp-1", "Port": 80, "Weight": 10, "Type": "ALB"}],
            DBInstances=[{"DBInstanceId": "rm-1", "Type": "RDS", "AttachMode": "SecurityIp"}],
            AlbServerGroups=[{"AlbServerGroupId": "sgp-a", "Port": 8080, "Weight": 20}],
        ),
        model22={"LoadBalancerIds": '["lb-1","lb-2"]', "DBInstanceIds": '["rm-1"]'},
        no14=frozenset({"BalanceMode"}),
    ),
    Case(
        "ModifyScalingGroup",
        {
            "RegionId": REGION,
            "ScalingGroupId": "asg-1",
            "ScalingGroupName": "renamed",
            "MinSize": 0,
            "MaxSize": 5,
            "DesiredCapacity": 1,
            "DefaultCooldown": 0,
            "RemovalPolicies": ["NewestInstance"],
            "VSwitchIds": ["vsw-3"],
            "ActiveScalingConfigurationId": "asc-1",
            "ScalingPolicy": "forcerelease",
            "DisableDesiredCapacity": False,
            "GroupDeletionProtection": False,
            "HealthCheckType": "NONE",
            "HealthCheckTypes": ["NONE"],
            "MultiAZPolicy": "PRIORITY",
            "StopInstanceTimeout": 240,
            "MaxInstanceLifetime": 86400,
            "LaunchTemplateId": "lt-2",
            "LaunchTemplateVersion": "Latest",
            "LaunchTemplateOverrides": [{"InstanceType": "ecs.c7.large", "WeightedCapacity": 1}],
            "CapacityOptions": {"OnDemandBaseCapacity": 3},
            "SpotInstancePools": 0,
            "AutoRebalance": True,
        },
        _calls(
            ScalingGroupId="asg-1",
            ScalingGroupName="renamed",
            MinSize=0,
            MaxSize=5,
            DesiredCapacity=1,
            DefaultCooldown=0,
            RemovalPolicy1="NewestInstance",
            VSwitchIdss=["vsw-3"],
            ActiveScalingConfigurationId="asc-1",
            ScalingPolicy="forcerelease",
            DisableDesiredCapacity=False,
            GroupDeletionProtection=False,
            HealthCheckType="NONE",
            HealthCheckTypess=["NONE"],
            MultiAZPolicy="PRIORITY",
            StopInstanceTimeout=240,
            MaxInstanceLifetime=86400,
            LaunchTemplateId="lt-2",
            LaunchTemplateVersion="Latest",
            # the 2014 SDK sends SpotPriceLimit=None for the missing key: read as absent
            LaunchTemplateOverrides=[{"InstanceType": "ecs.c7.large", "WeightedCapacity": 1}],
            # ... and the four other CapacityOptions.* keys as "None"
            CapacityOptions={"OnDemandBaseCapacity": 3},
            SpotInstancePools=0,
        ),
        no14=frozenset({"AutoRebalance"}),
    ),
    Case(
        "DescribeScalingGroups",
        {
            "RegionId": REGION,
            "ScalingGroupIds": ["asg-1", "asg-2", "asg-3"],
            "ScalingGroupName": "one",
            "ScalingGroupNames": ["a", "b c"],
            "PageNumber": 2,
            "PageSize": 50,
            "GroupType": "ECI",
            "ResourceGroupId": "rg-1",
            "Tags": [{"Key": "k1", "Value": "v1"}, {"Key": "k2", "Value": ""}],
        },
        _calls(
            ScalingGroupIds=["asg-1", "asg-2", "asg-3"],
            ScalingGroupName="one",
            ScalingGroupName1="a",
            ScalingGroupName2="b c",
            PageNumber=2,
            PageSize=50,
            GroupType="ECI",
            ResourceGroupId="rg-1",
            Tags=[{"Key": "k1", "Value": "v1"}, {"Key": "k2", "Value": ""}],
        ),
    ),
    Case(
        "DeleteScalingGroup",
        {"RegionId": REGION, "ScalingGroupId": "asg-1", "ForceDelete": True},
        _calls(ScalingGroupId="asg-1", ForceDelete=True),
    ),
    Case(
        "EnableScalingGroup",
        {
            "RegionId": REGION,
            "ScalingGroupId": "asg-1",
            "ActiveScalingConfigurationId": "asc-1",
            "InstanceIds": ["i-1", "i-2"],
            "LoadBalancerWeights": [10, 100],
            "LaunchTemplateId": "lt-1",
            "LaunchTemplateVersion": "3",
            "LaunchTemplateOverrides": [{"InstanceType": "ecs.c7.large", "WeightedCapacity": 4}],
        },
        _calls(
            ScalingGroupId="asg-1",
            ActiveScalingConfigurationId="asc-1",
            InstanceIds=["i-1", "i-2"],
            LoadBalancerWeights=[10, 100],
            LaunchTemplateId="lt-1",
            LaunchTemplateVersion="3",
            LaunchTemplateOverrides=[{"InstanceType": "ecs.c7.large", "WeightedCapacity": 4}],
        ),
    ),
    Case(
        "DisableScalingGroup",
        {"RegionId": REGION, "ScalingGroupId": "asg-1"},
        _calls(ScalingGroupId="asg-1"),
    ),
    Case(
        "SetGroupDeletionProtection",
        {"RegionId": REGION, "ScalingGroupId": "asg-1", "GroupDeletionProtection": False},
        _calls(ScalingGroupId="asg-1", GroupDeletionProtection=False),
    ),
    Case(
        "CreateScalingConfiguration",
        {
            "RegionId": REGION,
            "ScalingGroupId": "asg-1",
            "ScalingConfigurationName": "conf-1",
            "ImageId": "centos_7",
            "ImageName": "img",
            "ImageFamily": "fam",
            "InstanceType": "ecs.g7.large",
            "InstanceTypes": ["ecs.g7.large", "ecs.c7.large"],
            "SecurityGroupId": "sg-1",
            "SecurityGroupIds": ["sg-2", "sg-3"],
            "InternetChargeType": "PayByTraffic",
            "InternetMaxBandwidthIn": 10,
            "InternetMaxBandwidthOut": 5,
            "IoOptimized": "optimized",
            "SystemDisk": {
                "Category": "cloud_essd",
                "Size": 40,
                "PerformanceLevel": "PL1",
                "Encrypted": True,
                "ProvisionedIops": 1000,
                "DiskName": "sys",
                "Description": "system disk",
                "AutoSnapshotPolicyId": "sp-1",
                "KMSKeyId": "kms-1",
                "EncryptAlgorithm": "AES-256",
                "BurstingEnabled": False,
            },
            "SystemDiskCategories": ["cloud_essd", "cloud_efficiency"],
            "DataDisks": [
                {
                    "Category": "cloud_essd",
                    "Size": 100,
                    "DeleteWithInstance": True,
                    "Encrypted": "false",
                    "Categories": ["cloud_essd", "cloud_ssd"],
                    "Device": "/dev/xvdb",
                    "SnapshotId": "s-1",
                    "PerformanceLevel": "PL0",
                    "ProvisionedIops": 50,
                    "BurstingEnabled": True,
                }
            ],
            "KeyPairName": "kp",
            "RamRoleName": "role",
            "UserData": "ZWNobyBoaQ==",
            "Tags": {"env": "prod", "team": "infra"},
            "SpotStrategy": "SpotWithPriceLimit",
            "SpotDuration": 1,
            "SpotInterruptionBehavior": "Terminate",
            "SpotPriceLimits": [{"InstanceType": "ecs.g7.large", "PriceLimit": 0.25}],
            "InstancePatternInfos": [
                {
                    "Cores": 2,
                    "Memory": 4.0,
                    "MaxPrice": 1.5,
                    "InstanceFamilyLevel": "EnterpriseLevel",
                    "Architectures": ["X86", "ARM"],
                    "ExcludedInstanceTypes": ["ecs.t5*"],
                    "InstanceTypeFamilies": ["ecs.g7"],
                    "MinimumCpuCoreCount": 2,
                    "MaximumCpuCoreCount": 8,
                }
            ],
            "InstanceTypeOverrides": [{"InstanceType": "ecs.g7.large", "WeightedCapacity": 2}],
            "CustomPriorities": [{"InstanceType": "ecs.g7.large", "VswitchId": "vsw-1"}],
            "NetworkInterfaces": [
                {
                    "InstanceType": "ecs.g7.large",
                    "NetworkInterfaceTrafficMode": "Standard",
                    "Ipv6AddressCount": 1,
                    "SecurityGroupIds": ["sg-2"],
                }
            ],
            "LoadBalancerWeight": 50,
            "HostName": "host-1",
            "InstanceName": "inst",
            "InstanceDescription": "desc",
            "Cpu": 2,
            "Memory": 4,
            "ZoneId": "cn-hangzhou-h",
            "ClientToken": "tok",
            "SchedulerOptions": {"ManagedPrivateSpaceId": "mps-1"},
            "PasswordInherit": False,
            "Password": "Passw0rd!",
            "DeletionProtection": True,
            "ResourcePoolOptions": {"Strategy": "PrivatePoolFirst", "PrivatePoolIds": ["eap-1"]},
            "SecurityOptions": {"ConfidentialComputingMode": "TDX"},
            "ImageOptions": {"LoginAsNonRoot": True},
            "PrivatePoolOptions": {"MatchCriteria": "Target", "Id": "eap-1"},
            "CreditSpecification": "Standard",
            "DeploymentSetId": "ds-1",
            "HpcClusterId": "hpc-1",
            "DedicatedHostId": "dh-1",
            "Affinity": "default",
            "Tenancy": "default",
            "SecurityEnhancementStrategy": "Active",
            "Ipv6AddressCount": 1,
            "StorageSetId": "ss-1",
            "StorageSetPartitionNumber": 2,
            "HttpEndpoint": "enabled",
            "HttpTokens": "required",
            "ResourceGroupId": "rg-1",
        },
        _calls(
            ScalingGroupId="asg-1",
            ScalingConfigurationName="conf-1",
            ImageId="centos_7",
            ImageName="img",
            ImageFamily="fam",
            InstanceType="ecs.g7.large",
            InstanceTypess=["ecs.g7.large", "ecs.c7.large"],
            SecurityGroupId="sg-1",
            SecurityGroupIdss=["sg-2", "sg-3"],
            InternetChargeType="PayByTraffic",
            InternetMaxBandwidthIn=10,
            InternetMaxBandwidthOut=5,
            IoOptimized="optimized",
            SystemDiskCategory="cloud_essd",
            SystemDiskSize=40,
            SystemDiskPerformanceLevel="PL1",
            SystemDiskEncrypted=True,
            SystemDiskProvisionedIops=1000,
            SystemDiskDiskName="sys",
            SystemDiskDescription="system disk",
            SystemDiskAutoSnapshotPolicyId="sp-1",
            SystemDiskKMSKeyId="kms-1",
            SystemDiskEncryptAlgorithm="AES-256",
            SystemDiskBurstingEnabled=False,
            SystemDiskCategoriess=["cloud_essd", "cloud_efficiency"],
            DataDisks=[
                {
                    "Category": "cloud_essd",
                    "Size": 100,
                    "DeleteWithInstance": True,
                    "Encrypted": "false",
                    "Categories": ["cloud_essd", "cloud_ssd"],
                    "Device": "/dev/xvdb",
                    "SnapshotId": "s-1",
                    "PerformanceLevel": "PL0",
                    "ProvisionedIops": 50,
                    "BurstingEnabled": True,
                }
            ],
            KeyPairName="kp",
            RamRoleName="role",
            UserData="ZWNobyBoaQ==",
            Tags='{"env": "prod", "team": "infra"}',
            SpotStrategy="SpotWithPriceLimit",
            SpotDuration=1,
            SpotInterruptionBehavior="Terminate",
            SpotPriceLimits=[{"InstanceType": "ecs.g7.large", "PriceLimit": 0.25}],
            InstancePatternInfos=[
                {
                    "Cores": 2,
                    "Memory": 4.0,
                    "MaxPrice": 1.5,
                    "InstanceFamilyLevel": "EnterpriseLevel",
                    "Architecture": ["X86", "ARM"],
                    "ExcludedInstanceType": ["ecs.t5*"],
                    "InstanceTypeFamilies": ["ecs.g7"],
                    "MinimumCpuCoreCount": 2,
                    "MaximumCpuCoreCount": 8,
                }
            ],
            InstanceTypeOverrides=[{"InstanceType": "ecs.g7.large", "WeightedCapacity": 2}],
            CustomPrioritiess=[{"InstanceType": "ecs.g7.large", "VswitchId": "vsw-1"}],
            NetworkInterfacess=[
                {
                    "InstanceType": "ecs.g7.large",
                    "NetworkInterfaceTrafficMode": "Standard",
                    "Ipv6AddressCount": 1,
                    "SecurityGroupIds": ["sg-2"],
                }
            ],
            LoadBalancerWeight=50,
            HostName="host-1",
            InstanceName="inst",
            InstanceDescription="desc",
            Cpu=2,
            Memory=4,
            ZoneId="cn-hangzhou-h",
            ClientToken="tok",
            SchedulerOptions='{"ManagedPrivateSpaceId": "mps-1"}',
            PasswordInherit=False,
            Password="Passw0rd!",
            DeletionProtection=True,
            ResourcePoolOptions={"Strategy": "PrivatePoolFirst", "PrivatePoolIds": ["eap-1"]},
            SecurityOptions={"ConfidentialComputingMode": "TDX"},
            ImageOptionsLoginAsNonRoot=True,
            PrivatePoolOptionsMatchCriteria="Target",
            PrivatePoolOptionsId="eap-1",
            CreditSpecification="Standard",
            DeploymentSetId="ds-1",
            HpcClusterId="hpc-1",
            DedicatedHostId="dh-1",
            Affinity="default",
            Tenancy="default",
            SecurityEnhancementStrategy="Active",
            Ipv6AddressCount=1,
            StorageSetId="ss-1",
            StorageSetPartitionNumber=2,
            HttpEndpoint="enabled",
            HttpTokens="required",
            ResourceGroupId="rg-1",
        ),
        model22={"Tags": '{"env":"prod","team":"infra"}'},
    ),
    Case(
        "DescribeScalingConfigurations",
        {
            "RegionId": REGION,
            "ScalingGroupId": "asg-1",
            "ScalingConfigurationIds": ["asc-1", "asc-2"],
            "ScalingConfigurationNames": ["n1"],
            "PageNumber": 1,
            "PageSize": 10,
        },
        _calls(
            ScalingGroupId="asg-1",
            ScalingConfigurationIds=["asc-1", "asc-2"],
            ScalingConfigurationNames=["n1"],
            PageNumber=1,
            PageSize=10,
        ),
    ),
    Case(
        "DeleteScalingConfiguration",
        {"RegionId": REGION, "ScalingConfigurationId": "asc-1"},
        _calls(ScalingConfigurationId="asc-1"),
    ),
    Case(
        "AttachInstances",
        {
            "RegionId": REGION,
            "ScalingGroupId": "asg-1",
            "InstanceIds": ["i-1", "i-2"],
            "LoadBalancerWeights": [50, 60],
            "Entrusted": True,
            "LifecycleHook": False,
            "IgnoreInvalidInstance": True,
            "ClientToken": "tok",
        },
        _calls(
            ScalingGroupId="asg-1",
            InstanceIds=["i-1", "i-2"],
            LoadBalancerWeights=[50, 60],
            Entrusted=True,
            LifecycleHook=False,
            IgnoreInvalidInstance=True,
            ClientToken="tok",
        ),
    ),
    Case(
        "DetachInstances",
        {
            "RegionId": REGION,
            "ScalingGroupId": "asg-1",
            "InstanceIds": ["i-1"],
            "DecreaseDesiredCapacity": False,
            "DetachOption": "both",
            "LifecycleHook": True,
            "IgnoreInvalidInstance": False,
            "ClientToken": "tok",
        },
        _calls(
            ScalingGroupId="asg-1",
            InstanceIds=["i-1"],
            DecreaseDesiredCapacity=False,
            DetachOption="both",
            LifecycleHook=True,
            IgnoreInvalidInstance=False,
            ClientToken="tok",
        ),
    ),
    Case(
        "RemoveInstances",
        {
            "RegionId": REGION,
            "ScalingGroupId": "asg-1",
            "InstanceIds": ["i-1", "i-2", "i-3"],
            "RemovePolicy": "recycle",
            "DecreaseDesiredCapacity": False,
            "IgnoreInvalidInstance": True,
            "StopInstanceTimeout": 30,
            "LifecycleHookContext": LHC,
            "ClientToken": "tok",
        },
        _calls(
            ScalingGroupId="asg-1",
            InstanceIds=["i-1", "i-2", "i-3"],
            RemovePolicy="recycle",
            DecreaseDesiredCapacity=False,
            IgnoreInvalidInstance=True,
            StopInstanceTimeout=30,
            LifecycleHookContext=LHC,
            ClientToken="tok",
        ),
    ),
    Case(
        "DescribeScalingInstances",
        {
            "RegionId": REGION,
            "ScalingGroupId": "asg-1",
            "ScalingConfigurationId": "asc-1",
            "InstanceIds": ["i-1", "i-2"],
            "LifecycleState": "InService",
            "LifecycleStates": ["Standby", "Protected"],
            "CreationType": "Attached",
            "CreationTypes": ["AutoCreated", "Managed"],
            "HealthStatus": "Healthy",
            "ScalingActivityId": "asa-1",
            "PageNumber": 3,
            "PageSize": 20,
        },
        _calls(
            ScalingGroupId="asg-1",
            ScalingConfigurationId="asc-1",
            InstanceIds=["i-1", "i-2"],
            LifecycleState="InService",
            LifecycleStatess=["Standby", "Protected"],
            CreationType="Attached",
            CreationTypess=["AutoCreated", "Managed"],
            HealthStatus="Healthy",
            ScalingActivityId="asa-1",
            PageNumber=3,
            PageSize=20,
        ),
    ),
    Case(
        "DescribeScalingActivities",
        {
            "RegionId": REGION,
            "ScalingGroupId": "asg-1",
            "ScalingActivityIds": ["asa-1", "asa-2"],
            "StatusCode": "InProgress",
            "InstanceRefreshTaskId": "ir-1",
            "PageNumber": 1,
            "PageSize": 50,
        },
        _calls(
            ScalingGroupId="asg-1",
            ScalingActivityIds=["asa-1", "asa-2"],
            StatusCode="InProgress",
            InstanceRefreshTaskId="ir-1",
            PageNumber=1,
            PageSize=50,
        ),
    ),
    Case(
        "DescribeScalingActivityDetail",
        {"RegionId": REGION, "ScalingActivityId": "asa-1"},
        _calls(ScalingActivityId="asa-1"),
    ),
    Case(
        "SetInstancesProtection",
        {
            "RegionId": REGION,
            "ScalingGroupId": "asg-1",
            "InstanceIds": ["i-1", "i-2"],
            "ProtectedFromScaleIn": True,
        },
        _calls(ScalingGroupId="asg-1", InstanceIds=["i-1", "i-2"], ProtectedFromScaleIn=True),
    ),
    Case(
        "EnterStandby",
        {
            "RegionId": REGION,
            "ScalingGroupId": "asg-1",
            "InstanceIds": ["i-1"],
            "ClientToken": "tok",
            "Async": True,
        },
        _calls(ScalingGroupId="asg-1", InstanceIds=["i-1"], ClientToken="tok", Async=True),
    ),
    Case(
        "ExitStandby",
        {
            "RegionId": REGION,
            "ScalingGroupId": "asg-1",
            "InstanceIds": ["i-1", "i-2"],
            "ClientToken": "tok",
            "Async": False,
        },
        _calls(ScalingGroupId="asg-1", InstanceIds=["i-1", "i-2"], ClientToken="tok", Async=False),
    ),
    Case(
        "CreateLifecycleHook",
        {
            "RegionId": REGION,
            "ScalingGroupId": "asg-1",
            "LifecycleTransition": "SCALE_IN",
            "LifecycleHookName": "drain",
            "DefaultResult": "ABANDON",
            "HeartbeatTimeout": 300,
            "NotificationArn": "acs:mns:cn-hangzhou:1:queue/q",
            "NotificationMetadata": "m",
        },
        _calls(
            ScalingGroupId="asg-1",
            LifecycleTransition="SCALE_IN",
            LifecycleHookName="drain",
            DefaultResult="ABANDON",
            HeartbeatTimeout=300,
            NotificationArn="acs:mns:cn-hangzhou:1:queue/q",
            NotificationMetadata="m",
        ),
    ),
    Case(
        "DescribeLifecycleHooks",
        {
            "RegionId": REGION,
            "ScalingGroupId": "asg-1",
            "LifecycleHookIds": ["ash-1", "ash-2"],
            "LifecycleHookName": "drain",
            "PageNumber": 2,
            "PageSize": 10,
        },
        _calls(
            ScalingGroupId="asg-1",
            LifecycleHookIds=["ash-1", "ash-2"],
            LifecycleHookName="drain",
            PageNumber=2,
            PageSize=10,
        ),
    ),
    Case(
        "ModifyLifecycleHook",
        {
            "RegionId": REGION,
            "LifecycleHookId": "ash-1",
            "LifecycleHookStatus": "InActive",
            "HeartbeatTimeout": 60,
            "DefaultResult": "CONTINUE",
        },
        _calls(
            LifecycleHookId="ash-1",
            LifecycleHookStatus="InActive",
            HeartbeatTimeout=60,
            DefaultResult="CONTINUE",
        ),
    ),
    Case(
        "DeleteLifecycleHook",
        {"RegionId": REGION, "ScalingGroupId": "asg-1", "LifecycleHookName": "drain"},
        _calls(ScalingGroupId="asg-1", LifecycleHookName="drain"),
    ),
    Case(
        "CompleteLifecycleAction",
        {
            "RegionId": REGION,
            "LifecycleHookId": "ash-1",
            "LifecycleActionToken": "T-1",
            "LifecycleActionResult": "ROLLBACK",
            "ClientToken": "tok",
        },
        _calls(
            LifecycleHookId="ash-1",
            LifecycleActionToken="T-1",
            LifecycleActionResult="ROLLBACK",
            ClientToken="tok",
        ),
    ),
    Case(
        "RecordLifecycleActionHeartbeat",
        {
            "RegionId": REGION,
            "lifecycleHookId": "ash-1",
            "lifecycleActionToken": "T-1",
            "heartbeatTimeout": 120,
        },
        _calls(lifecycleHookId="ash-1", lifecycleActionToken="T-1", heartbeatTimeout=120),
    ),
    Case(
        "DescribeLifecycleActions",
        {
            "RegionId": REGION,
            "ScalingActivityId": "asa-1",
            "LifecycleActionStatus": "Pending",
            "MaxResults": 5,
            "NextToken": "T-1",
        },
        _calls(
            ScalingActivityId="asa-1",
            LifecycleActionStatus="Pending",
            MaxResults=5,
            NextToken="T-1",
        ),
    ),
    Case(
        "SuspendProcesses",
        {
            "RegionId": REGION,
            "ScalingGroupId": "asg-1",
            "Processes": ["ScaleIn", "HealthCheck"],
            "ClientToken": "tok",
        },
        _calls(ScalingGroupId="asg-1", Processs=["ScaleIn", "HealthCheck"], ClientToken="tok"),
    ),
    Case(
        "ResumeProcesses",
        {"RegionId": REGION, "ScalingGroupId": "asg-1", "Processes": ["ScheduledAction"]},
        _calls(ScalingGroupId="asg-1", Processs=["ScheduledAction"]),
    ),
    Case(
        "CreateScalingRule",
        {
            "RegionId": REGION,
            "ScalingGroupId": "asg-1",
            "ScalingRuleName": "plus-two",
            "ScalingRuleType": "SimpleScalingRule",
            "AdjustmentType": "QuantityChangeInCapacity",
            "AdjustmentValue": -2,
            "Cooldown": 60,
            "MinAdjustmentMagnitude": 1,
        },
        _calls(
            ScalingGroupId="asg-1",
            ScalingRuleName="plus-two",
            ScalingRuleType="SimpleScalingRule",
            AdjustmentType="QuantityChangeInCapacity",
            AdjustmentValue=-2,
            Cooldown=60,
            MinAdjustmentMagnitude=1,
        ),
        name="simple",
    ),
    Case(
        "CreateScalingRule",
        {
            "RegionId": REGION,
            "ScalingGroupId": "asg-1",
            "ScalingRuleType": "StepScalingRule",
            "AdjustmentType": "PercentChangeInCapacity",
            "EstimatedInstanceWarmup": 300,
            "MetricName": "CpuUtilization",
            "MetricType": "system",
            "StepAdjustments": [
                {
                    "MetricIntervalLowerBound": 0.0,
                    "MetricIntervalUpperBound": 10.5,
                    "ScalingAdjustment": 1,
                },
                {"MetricIntervalLowerBound": 10.5, "ScalingAdjustment": 3},
            ],
            "AlarmDimensions": [{"DimensionKey": "k", "DimensionValue": "v"}],
        },
        _calls(
            ScalingGroupId="asg-1",
            ScalingRuleType="StepScalingRule",
            AdjustmentType="PercentChangeInCapacity",
            EstimatedInstanceWarmup=300,
            MetricName="CpuUtilization",
            MetricType="system",
            StepAdjustments=[
                {
                    "MetricIntervalLowerBound": 0.0,
                    "MetricIntervalUpperBound": 10.5,
                    "ScalingAdjustment": 1,
                },
                {"MetricIntervalLowerBound": 10.5, "ScalingAdjustment": 3},
            ],
            AlarmDimensions=[{"DimensionKey": "k", "DimensionValue": "v"}],
        ),
        name="step",
    ),
    Case(
        "CreateScalingRule",
        {
            "RegionId": REGION,
            "ScalingGroupId": "asg-1",
            "ScalingRuleType": "TargetTrackingScalingRule",
            "MetricName": "CpuUtilization",
            "TargetValue": 80.5,
            "DisableScaleIn": True,
            "ScaleInEvaluationCount": 15,
            "ScaleOutEvaluationCount": 3,
            "InitialMaxSize": 10,
            "PredictiveValueBuffer": 20,
            "PredictiveTaskBufferTime": 30,
        },
        _calls(
            ScalingGroupId="asg-1",
            ScalingRuleType="TargetTrackingScalingRule",
            MetricName="CpuUtilization",
            TargetValue=80.5,
            DisableScaleIn=True,
            ScaleInEvaluationCount=15,
            ScaleOutEvaluationCount=3,
            InitialMaxSize=10,
            PredictiveValueBuffer=20,
            PredictiveTaskBufferTime=30,
        ),
        name="target",
    ),
    Case(
        "ModifyScalingRule",
        {
            "ScalingRuleId": "asr-1",
            "ScalingRuleName": "r2",
            "AdjustmentType": "PercentChangeInCapacity",
            "AdjustmentValue": 20,
            "MinAdjustmentMagnitude": 2,
            "Cooldown": 60,
            "StepAdjustments": [
                {"MetricIntervalUpperBound": 0.0, "ScalingAdjustment": -1},
                {"MetricIntervalLowerBound": 0.0, "ScalingAdjustment": 2},
            ],
        },
        _calls(
            ScalingRuleId="asr-1",
            ScalingRuleName="r2",
            AdjustmentType="PercentChangeInCapacity",
            AdjustmentValue=20,
            MinAdjustmentMagnitude=2,
            Cooldown=60,
            StepAdjustments=[
                {"MetricIntervalUpperBound": 0.0, "ScalingAdjustment": -1},
                {"MetricIntervalLowerBound": 0.0, "ScalingAdjustment": 2},
            ],
        ),
        alt14={"RegionId": REGION},  # the 2014 SDK sends its client's region
    ),
    Case(
        "DeleteScalingRule",
        {"RegionId": REGION, "ScalingRuleId": "asr-1"},
        _calls(ScalingRuleId="asr-1"),
    ),
    Case(
        "DescribeScalingRules",
        {
            "RegionId": REGION,
            "ScalingGroupId": "asg-1",
            "ScalingRuleIds": ["asr-1", "asr-2"],
            "ScalingRuleNames": ["r1"],
            "ScalingRuleAris": ["ari:acs:ess:cn-hangzhou:1:scalingrule/asr-1"],
            "ScalingRuleType": "SimpleScalingRule",
            "ShowAlarmRules": True,
            "PageNumber": 1,
            "PageSize": 50,
        },
        _calls(
            ScalingGroupId="asg-1",
            ScalingRuleIds=["asr-1", "asr-2"],
            ScalingRuleNames=["r1"],
            ScalingRuleAris=["ari:acs:ess:cn-hangzhou:1:scalingrule/asr-1"],
            ScalingRuleType="SimpleScalingRule",
            ShowAlarmRules=True,
            PageNumber=1,
            PageSize=50,
        ),
    ),
    Case(
        "ExecuteScalingRule",
        {
            "RegionId": REGION,
            "ScalingRuleAri": "ari:acs:ess:cn-hangzhou:1:scalingrule/asr-1",
            "ClientToken": "tok",
            "BreachThreshold": 80.0,
            "MetricValue": 85.5,
        },
        _calls(
            ScalingRuleAri="ari:acs:ess:cn-hangzhou:1:scalingrule/asr-1",
            ClientToken="tok",
            BreachThreshold=80.0,
            MetricValue=85.5,
        ),
    ),
    Case(
        "ScaleWithAdjustment",
        {
            "RegionId": REGION,
            "ScalingGroupId": "asg-1",
            "AdjustmentType": "TotalCapacity",
            "AdjustmentValue": 5,
            "MinAdjustmentMagnitude": 1,
            "ClientToken": "tok",
            "SyncActivity": True,
            "ActivityMetadata": '{"k": "v"}',
            "LifecycleHookContext": LHC,
            "Overrides": {
                "Cpu": 2.0,
                "Memory": 4.0,
                "UserData": "ZWNobw==",
                "ContainerOverrides": [{"Name": "c", "Cpu": 1.0, "Commands": ["sh"]}],
            },
            "ExecutionMode": "PlanOnly",
            "ParallelTask": True,
        },
        _calls(
            ScalingGroupId="asg-1",
            AdjustmentType="TotalCapacity",
            AdjustmentValue=5,
            MinAdjustmentMagnitude=1,
            ClientToken="tok",
            SyncActivity=True,
            ActivityMetadata='{"k": "v"}',
            LifecycleHookContext=LHC,
            Overrides={
                "Cpu": 2.0,
                "Memory": 4.0,
                "UserData": "ZWNobw==",
                "ContainerOverrides": [{"Name": "c", "Cpu": 1.0, "Commands": ["sh"]}],
            },
        ),
        no14=frozenset({"ExecutionMode", "ParallelTask"}),
        alt22={
            "Overrides": {
                "Cpu": 2.0,
                "Memory": 4.0,
                "UserData": "ZWNobw==",
                "ContainerOverrides": [
                    {"Name": "c", "Cpu": 1.0, "Commands": ["sh"], "EnvironmentVars": []}
                ],
            }
        },
    ),
    Case(
        "DescribeRegions",
        {"RegionId": REGION, "AcceptLanguage": "en-US"},
        _calls(AcceptLanguage="en-US"),
    ),
    # the legacy client adds its own RegionId to a request whose class has no setter for it
    Case("DescribeLimitation", {}, _calls(), alt14={"RegionId": REGION}),
    Case(
        "AttachLoadBalancers",
        {
            "RegionId": REGION,
            "ScalingGroupId": "asg-1",
            "LoadBalancers": ["lb-1", "lb-2"],
            "LoadBalancerConfigs": [{"LoadBalancerId": "lb-1", "Weight": 30}],
            "ForceAttach": True,
            "Async": False,
            "ClientToken": "tok",
        },
        _calls(
            ScalingGroupId="asg-1",
            LoadBalancers=["lb-1", "lb-2"],
            LoadBalancerConfigs=[{"LoadBalancerId": "lb-1", "Weight": 30}],
            ForceAttach=True,
            Async=False,
            ClientToken="tok",
        ),
    ),
    Case(
        "DetachLoadBalancers",
        {
            "RegionId": REGION,
            "ScalingGroupId": "asg-1",
            "LoadBalancers": ["lb-1"],
            "ForceDetach": False,
            "Async": True,
            "ClientToken": "tok",
        },
        _calls(
            ScalingGroupId="asg-1",
            LoadBalancers=["lb-1"],
            ForceDetach=False,
            Async=True,
            ClientToken="tok",
        ),
    ),
    Case(
        "AttachDBInstances",
        {
            "RegionId": REGION,
            "ScalingGroupId": "asg-1",
            "DBInstances": ["rm-1", "rm-2"],
            "ForceAttach": True,
            "Type": "RDS",
            "AttachMode": "SecurityIp",
            "ClientToken": "tok",
        },
        _calls(
            ScalingGroupId="asg-1",
            DBInstances=["rm-1", "rm-2"],
            ForceAttach=True,
            Type="RDS",
            AttachMode="SecurityIp",
            ClientToken="tok",
        ),
    ),
    Case(
        "DetachDBInstances",
        {
            "RegionId": REGION,
            "ScalingGroupId": "asg-1",
            "DBInstances": ["rm-1"],
            "ForceDetach": True,
            "RemoveSecurityGroup": True,
            "ClientToken": "tok",
        },
        _calls(
            ScalingGroupId="asg-1",
            DBInstances=["rm-1"],
            ForceDetach=True,
            RemoveSecurityGroup=True,
            ClientToken="tok",
        ),
    ),
    Case(
        "StartInstanceRefresh",
        {
            "RegionId": REGION,
            "ScalingGroupId": "asg-1",
            "DesiredConfiguration": {"ScalingConfigurationId": "asc-2"},
            "MinHealthyPercentage": 80,
            "MaxHealthyPercentage": 120,
            "SkipMatching": False,
            "CheckpointPauseTime": 30,
            "Checkpoints": [{"Percentage": 50}],
            "ClientToken": "tok",
        },
        _query(
            RegionId=REGION,
            ScalingGroupId="asg-1",
            **{"DesiredConfiguration.ScalingConfigurationId": "asc-2"},
            MinHealthyPercentage=80,
            MaxHealthyPercentage=120,
            SkipMatching="false",
            CheckpointPauseTime=30,
            **{"Checkpoints.1.Percentage": 50},
            ClientToken="tok",
        ),
    ),
    Case(
        "DescribeInstanceRefreshes",
        {
            "RegionId": REGION,
            "ScalingGroupId": "asg-1",
            "InstanceRefreshTaskIds": ["ir-1", "ir-2"],
            "MaxResults": 5,
            "NextToken": "T-1",
        },
        _query(
            RegionId=REGION,
            ScalingGroupId="asg-1",
            InstanceRefreshTaskId=["ir-1", "ir-2"],
            MaxResults=5,
            NextToken="T-1",
        ),
    ),
    Case(
        "CancelInstanceRefresh",
        {"RegionId": REGION, "ScalingGroupId": "asg-1", "InstanceRefreshTaskId": "ir-1"},
        _query(RegionId=REGION, ScalingGroupId="asg-1", InstanceRefreshTaskId="ir-1"),
    ),
    Case(
        "SuspendInstanceRefresh",
        {"RegionId": REGION, "ScalingGroupId": "asg-1", "InstanceRefreshTaskId": "ir-1"},
        _query(RegionId=REGION, ScalingGroupId="asg-1", InstanceRefreshTaskId="ir-1"),
    ),
    Case(
        "ResumeInstanceRefresh",
        {"RegionId": REGION, "ScalingGroupId": "asg-1", "InstanceRefreshTaskId": "ir-1"},
        _query(RegionId=REGION, ScalingGroupId="asg-1", InstanceRefreshTaskId="ir-1"),
    ),
    Case(
        "RollbackInstanceRefresh",
        {"RegionId": REGION, "ScalingGroupId": "asg-1", "InstanceRefreshTaskId": "ir-1"},
        _query(RegionId=REGION, ScalingGroupId="asg-1", InstanceRefreshTaskId="ir-1"),
    ),
    Case(
        "CreateAlarm",
        {
            "RegionId": REGION,
            "ScalingGroupId": "asg-1",
            "Name": "cpu",
            "Description": "high",
            "MetricType": "system",
            "MetricName": "CpuUtilization",
            "Period": 60,
            "Statistics": "Average",
            "Threshold": 80.5,
            "ComparisonOperator": ">=",
            "EvaluationCount": 2,
            "AlarmActions": ["ari:acs:ess:cn-hangzhou:1:scalingrule/asr-1"],
            "Dimensions": [{"DimensionKey": "device", "DimensionValue": "eth0"}],
            "Expressions": [
                {
                    "MetricName": "CpuUtilization",
                    "Period": 60,
                    "Statistics": "Maximum",
                    "Threshold": 90.0,
                    "ComparisonOperator": ">",
                }
            ],
            "ExpressionsLogicOperator": "||",
        },
        _calls(
            ScalingGroupId="asg-1",
            Name="cpu",
            Description="high",
            MetricType="system",
            MetricName="CpuUtilization",
            Period=60,
            Statistics="Average",
            Threshold=80.5,
            ComparisonOperator=">=",
            EvaluationCount=2,
            AlarmActions=["ari:acs:ess:cn-hangzhou:1:scalingrule/asr-1"],
            Dimensions=[{"DimensionKey": "device", "DimensionValue": "eth0"}],
            Expressions=[
                {
                    "MetricName": "CpuUtilization",
                    "Period": 60,
                    "Statistics": "Maximum",
                    "Threshold": 90.0,
                    "ComparisonOperator": ">",
                }
            ],
            ExpressionsLogicOperator="||",
        ),
    ),
    Case(
        "ModifyAlarm",
        {"RegionId": REGION, "AlarmTaskId": "asg-1_t", "Name": "n", "Threshold": 1.5},
        _calls(AlarmTaskId="asg-1_t", Name="n", Threshold=1.5),
    ),
    Case(
        "DescribeAlarms",
        {
            "RegionId": REGION,
            "ScalingGroupId": "asg-1",
            "AlarmTaskId": "asg-1_t",
            "State": "ALARM",
            "IsEnable": True,
            "MetricName": "CpuUtilization",
            "MetricType": "system",
            "PageNumber": 2,
            "PageSize": 50,
        },
        _calls(
            ScalingGroupId="asg-1",
            AlarmTaskId="asg-1_t",
            State="ALARM",
            IsEnable=True,
            MetricName="CpuUtilization",
            MetricType="system",
            PageNumber=2,
            PageSize=50,
        ),
    ),
    Case(
        "DeleteAlarm", {"RegionId": REGION, "AlarmTaskId": "asg-1_t"}, _calls(AlarmTaskId="asg-1_t")
    ),
    Case(
        "EnableAlarm", {"RegionId": REGION, "AlarmTaskId": "asg-1_t"}, _calls(AlarmTaskId="asg-1_t")
    ),
    Case(
        "DisableAlarm",
        {"RegionId": REGION, "AlarmTaskId": "asg-1_t"},
        _calls(AlarmTaskId="asg-1_t"),
    ),
    Case(
        "CreateScheduledTask",
        {
            "RegionId": REGION,
            "ScalingGroupId": "asg-1",
            "ScheduledTaskName": "nightly",
            "Description": "scale down",
            "LaunchTime": "2026-12-05T02:00Z",
            "RecurrenceType": "Daily",
            "RecurrenceValue": "1",
            "RecurrenceEndTime": "2027-01-05T02:00Z",
            "LaunchExpirationTime": 600,
            "MinValue": 0,
            "MaxValue": 4,
            "DesiredCapacity": 1,
            "TaskEnabled": True,
        },
        _calls(
            ScalingGroupId="asg-1",
            ScheduledTaskName="nightly",
            Description="scale down",
            LaunchTime="2026-12-05T02:00Z",
            RecurrenceType="Daily",
            RecurrenceValue="1",
            RecurrenceEndTime="2027-01-05T02:00Z",
            LaunchExpirationTime=600,
            MinValue=0,
            MaxValue=4,
            DesiredCapacity=1,
            TaskEnabled=True,
        ),
    ),
    Case(
        "ModifyScheduledTask",
        {
            "RegionId": REGION,
            "ScheduledTaskId": "st-1",
            "ScheduledAction": "ari:acs:ess:cn-hangzhou:1:scalingrule/asr-1",
            "TaskEnabled": False,
        },
        _calls(
            ScheduledTaskId="st-1",
            ScheduledAction="ari:acs:ess:cn-hangzhou:1:scalingrule/asr-1",
            TaskEnabled=False,
        ),
    ),
    Case(
        "DeleteScheduledTask",
        {"RegionId": REGION, "ScheduledTaskId": "st-1"},
        _calls(ScheduledTaskId="st-1"),
    ),
    Case(
        "DescribeScheduledTasks",
        {
            "RegionId": REGION,
            "ScalingGroupId": "asg-1",
            "ScheduledTaskIds": ["st-1", "st-2"],
            "TaskName": "night",
            "PageNumber": 1,
            "PageSize": 50,
        },
        _calls(
            ScalingGroupId="asg-1",
            ScheduledTaskIds=["st-1", "st-2"],
            TaskName="night",
            PageNumber=1,
            PageSize=50,
        ),
    ),
]

CASE_IDS = [f"{c.action}-{c.name}" if c.name else c.action for c in CASES]


BRIEF_ACTIONS = {
    "CreateScheduledTask",
    "DescribeScheduledTasks",
    "ModifyScheduledTask",
    "DeleteScheduledTask",
    "CreateAlarm",
    "DescribeAlarms",
    "ModifyAlarm",
    "DeleteAlarm",
    "EnableAlarm",
    "DisableAlarm",
    "CreateLifecycleHook",
    "DescribeLifecycleHooks",
    "ModifyLifecycleHook",
    "DeleteLifecycleHook",
    "CompleteLifecycleAction",
    "RecordLifecycleActionHeartbeat",
    "DescribeLifecycleActions",
    "CreateScalingGroup",
    "ModifyScalingGroup",
    "DescribeScalingGroups",
    "DeleteScalingGroup",
    "EnableScalingGroup",
    "DisableScalingGroup",
    "SetGroupDeletionProtection",
    "CreateScalingConfiguration",
    "DescribeScalingConfigurations",
    "DeleteScalingConfiguration",
    "AttachInstances",
    "DetachInstances",
    "RemoveInstances",
    "DescribeScalingInstances",
    "DescribeScalingActivities",
    "DescribeScalingActivityDetail",
    "SetInstancesProtection",
    "EnterStandby",
    "ExitStandby",
    "SuspendProcesses",
    "ResumeProcesses",
    "CreateScalingRule",
    "ModifyScalingRule",
    "DeleteScalingRule",
    "DescribeScalingRules",
    "ExecuteScalingRule",
    "ScaleWithAdjustment",
    "DescribeRegions",
    "DescribeLimitation",
    "AttachLoadBalancers",
    "DetachLoadBalancers",
    "AttachDBInstances",
    "DetachDBInstances",
    "StartInstanceRefresh",
    "DescribeInstanceRefreshes",
    "CancelInstanceRefresh",
    "SuspendInstanceRefresh",
    "ResumeInstanceRefresh",
    "RollbackInstanceRefresh",
}


def test_cases_cover_every_action() -> None:
    assert {c.action for c in CASES} == set(ACTIONS) == BRIEF_ACTIONS
    assert all(known(a) for a in ACTIONS)
    assert not known("CreateNotificationConfiguration") and not known("")


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_legacy_2014_request_parses_to_2022_names(case: Case, legacy: Legacy) -> None:
    req = legacy.request(case.action)
    case.build14(req)
    legacy.send(req)
    call = legacy.sent[-1].call()
    assert (call.action, call.version, call.format) == (case.action, V2014, "JSON")
    assert not COMMON_PARAMS & set(call.params)
    expected = {k: v for k, v in case.expected.items() if k not in case.no14}
    expected.update(case.alt14)
    assert parse(call.action, call.version, call.params) == expected


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_tea_2022_request_parses_to_2022_names(case: Case, tea: Tea) -> None:
    req, _ = tea.send(case.action, {**case.expected, **case.model22})
    call = tea.sent[-1].call()
    assert (call.action, call.version, call.format) == (case.action, V2022, "JSON")
    assert not COMMON_PARAMS & set(call.params)
    # A parameter the 2022 model does not have (RegionId on EnterStandby) is never sent.
    sendable = set(req.to_map())
    expected = {k: v for k, v in case.expected.items() if k in sendable}
    expected.update(case.alt22)
    assert parse(call.action, call.version, call.params) == expected


def test_tea_v2_signer_and_form_body_clients_parse(tea: Tea, legacy: Legacy) -> None:
    # signature_algorithm='v2' puts Action/Version/Format=json and the HMAC-SHA1 set in the query
    for line in (VECTORS / "aliyun-signatures.jsonl").read_text().splitlines():
        rec = json.loads(line)
        if rec["client"] in ("tea-ess20220222/signature_algorithm=v2", "tea-ess20140828:asg-ok"):
            call = read_call(
                urlsplit(rec["raw_path"]).query,
                base64_body(rec),
                dict(rec["headers"]),
            )
            assert call is not None
            assert call.action == "RemoveInstances"
            got = parse(call.action, call.version, call.params)
            assert got["ScalingGroupId"] == "asg-ok"
            assert got["InstanceIds"][0] == "i-bp1aaa"


def base64_body(rec: Mapping[str, Any]) -> bytes:
    import base64

    return base64.b64decode(rec["body_b64"]) if rec.get("body_b64") else b""


# --------------------------------------------------------------------------------------------
# read_call / is_aliyun against the captured vectors


def _vectors(name: str) -> list[dict[str, Any]]:
    return [json.loads(x) for x in (VECTORS / name).read_text().splitlines() if x.strip()]


ALIYUN_VECTORS = _vectors("aliyun-signatures.jsonl")
AWS_VECTORS = [
    r
    for n in (
        "aws-sigv4-requests_initial.jsonl",
        "aws-sigv4-requests_more.jsonl",
        "aws-sigv4-requests_errors_and_misc.jsonl",
    )
    for r in _vectors(n)
]


@pytest.mark.parametrize("rec", ALIYUN_VECTORS, ids=[r["client"] or "?" for r in ALIYUN_VECTORS])
def test_captured_aliyun_requests_read_and_parse(rec: dict[str, Any]) -> None:
    query = urlsplit(rec["raw_path"]).query
    headers = dict(rec["headers"])
    assert is_aliyun(query, headers)
    call = read_call(query, base64_body(rec), headers)
    assert call is not None
    assert (call.action, call.version) == (rec["action"], rec["version"])
    assert call.format == "JSON"
    assert not COMMON_PARAMS & set(call.params)
    got = parse(call.action, call.version, call.params)
    if call.action == "RemoveInstances":
        assert got["InstanceIds"] and got["ScalingGroupId"]
    if "special-chars" in rec["client"]:
        assert got["ScalingGroupName"] == "a b*c~d/e+f&g=hé中"


@pytest.mark.parametrize("rec", AWS_VECTORS, ids=[str(i) for i in range(len(AWS_VECTORS))])
def test_aws_requests_are_not_aliyun(rec: dict[str, Any]) -> None:
    query = urlsplit(rec["path"]).query
    headers = dict(rec["headers"])
    assert not is_aliyun(query, headers)
    assert read_call(query, rec["body"].encode(), headers) is None


def test_read_call_edges() -> None:
    form = {"content-type": "application/x-www-form-urlencoded; charset=utf-8"}
    # pop-core: everything in a form body, no query string, no x-acs headers
    body = (
        b"Action=RemoveInstances&Version=2014-08-28&Format=XML&AccessKeyId=AK&Signature=s"
        b"&SignatureMethod=HMAC-SHA1&SignatureNonce=n&SignatureVersion=1.0&Timestamp=t"
        b"&ScalingGroupId=a+b%2B&InstanceId.1=i-1&Empty="
    )
    call = read_call("", body, form)
    assert call == Call(
        "RemoveInstances",
        "2014-08-28",
        {"ScalingGroupId": "a b+", "InstanceId.1": "i-1", "Empty": ""},
        "XML",
    )
    assert is_aliyun("", {"User-Agent": "AlibabaCloud (Darwin; x64) Node.js/v20 Core/1.7"})
    # a body that is not a form is not read
    assert read_call("", body, {"content-type": "application/json"}) is None
    # headers only (tea v3), with case-insensitive lookup over a plain dict
    call = read_call(
        "InstanceIds.1=i-1", b"", {"X-Acs-Action": "ExitStandby", "X-Acs-Version": V2022}
    )
    assert call == Call("ExitStandby", V2022, {"InstanceIds.1": "i-1"}, "JSON")
    # AWS SigV2 query signing looks alike but is not ours
    sigv2 = (
        "Action=DescribeAutoScalingGroups&Version=2011-01-01&AWSAccessKeyId=AK"
        "&SignatureMethod=HmacSHA256&SignatureVersion=2&Timestamp=t&Signature=s"
    )
    assert not is_aliyun(sigv2, {})
    assert read_call(sigv2, b"", {}) is None
    # an ACS3 Authorization alone is enough
    assert is_aliyun(
        "", {"Authorization": "ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=h,Signature=s"}
    )
    # no action at all
    assert read_call("Version=2014-08-28&AccessKeyId=AK", b"", {}) is None
    assert not is_aliyun("Version=v1&AccessKeyId=AK", {})


# --------------------------------------------------------------------------------------------
# (b) result shapes: 2022 bodies through the tea models, 2014 bodies wrapped


GROUP = {
    "ScalingGroupId": "asg-1",
    "ScalingGroupName": "web",
    "RegionId": REGION,
    "LifecycleState": "Active",
    "MinSize": 1,
    "MaxSize": 5,
    "DesiredCapacity": 2,
    "DefaultCooldown": 300,
    "TotalCapacity": 2,
    "ActiveCapacity": 2,
    "StandbyCapacity": 0,
    "GroupDeletionProtection": False,
    "VSwitchIds": ["vsw-1", "vsw-2"],
    "RemovalPolicies": ["OldestScalingConfiguration", "OldestInstance"],
    "LoadBalancerIds": [],
    "DBInstanceIds": ["rm-1"],
    "SuspendedProcesses": ["ScaleIn"],
    "HealthCheckTypes": ["ECS"],
    "VServerGroups": [
        {
            "LoadBalancerId": "lb-1",
            "VServerGroupAttributes": [{"VServerGroupId": "rsp-1", "Port": 80, "Weight": 50}],
        }
    ],
    "LaunchTemplateOverrides": [{"InstanceType": "ecs.g7.large", "WeightedCapacity": 1}],
    "Tags": [{"TagKey": "env", "TagValue": "prod", "Propagate": True}],
    "DBInstances": [{"DBInstanceId": "rm-1", "Type": "RDS", "SecurityGroupIds": ["sg-1"]}],
    "CapacityOptions": {"OnDemandBaseCapacity": 1, "CompensateWithOnDemand": True},
    "CreationTime": "2026-01-01T00:00Z",
}

RESULTS: dict[str, dict[str, Any]] = {
    "DescribeScalingGroups": {
        "TotalCount": 1,
        "PageNumber": 1,
        "PageSize": 10,
        "ScalingGroups": [GROUP],
    },
    "DescribeScalingInstances": {
        "TotalCount": 2,
        "TotalSpotCount": 0,
        "PageNumber": 1,
        "PageSize": 10,
        "ScalingInstances": [
            {
                "InstanceId": "i-1",
                "ScalingGroupId": "asg-1",
                "LifecycleState": "InService",
                "HealthStatus": "Healthy",
                "CreationType": "AutoCreated",
                "Entrusted": True,
                "LoadBalancerWeight": 50,
                "CreationTime": "2026-01-01T00:00Z",
                "CreatedTime": "2026-01-01T00:00:00Z",
                "WarmupState": "NoNeedWarmup",
                "ZoneId": "cn-hangzhou-h",
            },
            {"InstanceId": "i-2", "LifecycleState": "Standby", "Entrusted": False},
        ],
    },
    "DescribeScalingActivities": {
        "TotalCount": 1,
        "PageNumber": 1,
        "PageSize": 10,
        "ScalingActivities": [
            {
                "ScalingActivityId": "asa-1",
                "ScalingGroupId": "asg-1",
                "StatusCode": "Warning",
                "Progress": 100,
                "TotalCapacity": "2",
                "AttachedCapacity": "0",
                "AutoCreatedCapacity": "2",
                "Description": 'Remove "1" ECS instances',
                "Cause": "A user requests to remove instances.",
                "StartTime": "2026-01-01T00:00Z",
                "EndTime": "2026-01-01T00:01Z",
                "ScalingInstanceNumber": 1,
                "DestroyedInstances": ["i-1"],
                "CreatedInstances": [],
                "ErrorMessages": [
                    {"Code": "X", "Message": "m", "FailedInstanceIds": ["i-9"]},
                ],
                "LifecycleHookContext": {
                    "DisableLifecycleHook": True,
                    "IgnoredLifecycleHookIds": ["ash-1"],
                },
                "TriggerSourceType": "APIs",
            }
        ],
    },
    "DescribeScalingConfigurations": {
        "TotalCount": 1,
        "PageNumber": 1,
        "PageSize": 10,
        "ScalingConfigurations": [
            {
                "ScalingConfigurationId": "asc-1",
                "ScalingGroupId": "asg-1",
                "LifecycleState": "Active",
                "InstanceType": "ecs.g7.large",
                "InstanceTypes": ["ecs.g7.large"],
                "SecurityGroupIds": ["sg-1"],
                "DataDisks": [
                    {"Size": 100, "Category": "cloud_essd", "Categories": ["cloud_essd"]}
                ],
                "Tags": [{"Key": "env", "Value": "prod"}],
                "SpotPriceLimits": [{"InstanceType": "ecs.g7.large", "PriceLimit": 0.5}],
                "WeightedCapacities": [1],
                "SystemDiskSize": 40,
            }
        ],
    },
    "DescribeScalingRules": {
        "TotalCount": 1,
        "PageNumber": 1,
        "PageSize": 10,
        "ScalingRules": [
            {
                "ScalingRuleId": "asr-1",
                "ScalingRuleAri": "ari:acs:ess:cn-hangzhou:1:scalingrule/asr-1",
                "ScalingRuleType": "StepScalingRule",
                "AdjustmentType": "QuantityChangeInCapacity",
                "AdjustmentValue": 1,
                "StepAdjustments": [
                    {"MetricIntervalLowerBound": 0.0, "ScalingAdjustment": 1},
                ],
                "Alarms": [
                    {
                        "AlarmTaskId": "al-1",
                        "Dimensions": [{"DimensionKey": "k", "DimensionValue": "v"}],
                    }
                ],
            }
        ],
    },
    "DescribeRegions": {
        "Regions": [
            {
                "RegionId": "cn-hangzhou",
                "LocalName": "华东1（杭州）",
                "RegionEndpoint": "ess.aliyuncs.com",
            },
            {"RegionId": "cn-beijing", "LocalName": "华北2（北京）"},
        ]
    },
    "DescribeLimitation": {"MaxNumberOfScalingGroups": 100, "MaxNumberOfMaxSize": 2000},
    "RemoveInstances": {
        "ScalingActivityId": "asa-1",
        "IgnoredInstances": [
            {"InstanceId": "i-9", "Code": "InvalidInstanceId.NotFound", "Message": "m"}
        ],
    },
    "ScaleWithAdjustment": {
        "ScalingActivityId": "asa-2",
        "ActivityType": "CapacityChange",
        "PlanResult": {
            "ResourceAllocations": [{"Amount": 2, "InstanceType": "ecs.g7.large", "ZoneId": "z"}]
        },
    },
}

MINIMAL_2022: dict[str, dict[str, Any]] = {
    "DescribeScalingGroups": {"RegionId": REGION},
    "DescribeScalingInstances": {"RegionId": REGION},
    "DescribeScalingActivities": {"RegionId": REGION, "ScalingGroupId": "asg-1"},
    "DescribeScalingConfigurations": {"RegionId": REGION},
    "DescribeScalingRules": {"RegionId": REGION},
    "DescribeRegions": {},
    "DescribeLimitation": {},
    "RemoveInstances": {"ScalingGroupId": "asg-1", "InstanceIds": ["i-9"]},
    "ScaleWithAdjustment": {
        "ScalingGroupId": "asg-1",
        "AdjustmentType": "TotalCapacity",
        "AdjustmentValue": 1,
    },
}


@pytest.mark.parametrize("action", sorted(RESULTS))
def test_2022_bodies_reach_the_tea_models(action: str, tea: Tea) -> None:
    result = RESULTS[action]
    assert shape(action, V2022, result) is result
    body, ctype = render(shape(action, V2022, result), "req-22", "JSON", f"{action}Response")
    tea.reply = Reply(body=body, content_type=ctype)
    _, resp = tea.send(action, MINIMAL_2022[action])
    got = resp.body.to_map()
    assert got["RequestId"] == "req-22"
    assert _subset(result, got), (result, got)


def _subset(want: Any, got: Any) -> bool:
    """Everything we sent arrived (the models may add empty lists of their own)."""
    if isinstance(want, dict):
        return isinstance(got, dict) and all(
            k in got and _subset(v, got[k]) for k, v in want.items()
        )
    if isinstance(want, list):
        return isinstance(got, list) and len(want) == len(got) and all(map(_subset, want, got))
    return bool(want == got)


def test_2022_group_fields_arrive_typed(tea: Tea) -> None:
    body, ctype = render(
        RESULTS["DescribeScalingGroups"], "r", "JSON", "DescribeScalingGroupsResponse"
    )
    tea.reply = Reply(body=body, content_type=ctype)
    _, resp = tea.send("DescribeScalingGroups", {"RegionId": REGION})
    g = resp.body.scaling_groups[0]
    assert (g.scaling_group_id, g.min_size, g.max_size, g.group_deletion_protection) == (
        "asg-1",
        1,
        5,
        False,
    )
    assert g.v_switch_ids == ["vsw-1", "vsw-2"]
    assert g.removal_policies == ["OldestScalingConfiguration", "OldestInstance"]
    assert g.vserver_groups[0].vserver_group_attributes[0].port == 80
    assert g.tags[0].tag_key == "env" and g.tags[0].propagate is True
    assert g.capacity_options.on_demand_base_capacity == 1


def test_2014_bodies_are_wrapped(legacy: Legacy) -> None:
    result = RESULTS["DescribeScalingGroups"]
    shaped = shape("DescribeScalingGroups", V2014, result)
    body, ctype = render(shaped, "req-14", "JSON", "DescribeScalingGroupsResponse")
    assert ctype == JSON_CONTENT_TYPE
    legacy.reply = Reply(body=body)
    req = legacy.request("DescribeScalingGroups")
    got = json.loads(legacy.send(req))
    assert got["RequestId"] == "req-14" and got["TotalCount"] == 1
    g = got["ScalingGroups"]["ScalingGroup"][0]
    assert g["VSwitchIds"] == {"VSwitchId": ["vsw-1", "vsw-2"]}
    assert g["RemovalPolicies"] == {
        "RemovalPolicy": ["OldestScalingConfiguration", "OldestInstance"]
    }
    assert g["LoadBalancerIds"] == {"LoadBalancerId": []}
    assert g["DBInstanceIds"] == {"DBInstanceId": ["rm-1"]}
    assert g["SuspendedProcesses"] == {"SuspendedProcess": ["ScaleIn"]}
    assert g["VServerGroups"]["VServerGroup"][0]["VServerGroupAttributes"] == {
        "VServerGroupAttribute": [{"VServerGroupId": "rsp-1", "Port": 80, "Weight": 50}]
    }
    assert g["Tags"] == {"Tag": [{"TagKey": "env", "TagValue": "prod", "Propagate": True}]}
    assert g["DBInstances"]["DBInstance"][0]["SecurityGroupIds"] == {"SecurityGroupId": ["sg-1"]}
    assert g["CapacityOptions"] == {"OnDemandBaseCapacity": 1, "CompensateWithOnDemand": True}
    # the input is not modified
    assert result["ScalingGroups"][0]["VSwitchIds"] == ["vsw-1", "vsw-2"]
    # the capture server's 2014 body (written from the docs) has the same shape
    captured = json.loads(ALIYUN_VECTORS[0]["response_body"])
    assert set(captured["ScalingGroups"]) == set(got["ScalingGroups"]) == {"ScalingGroup"}
    for key in ("RemovalPolicies", "LoadBalancerIds"):
        assert set(captured["ScalingGroups"]["ScalingGroup"][0][key]) == set(g[key])


def test_2014_shapes_of_other_describes() -> None:
    acts = shape("DescribeScalingActivities", V2014, RESULTS["DescribeScalingActivities"])
    a = acts["ScalingActivities"]["ScalingActivity"][0]
    assert a["DestroyedInstances"] == {"DestroyedInstance": ["i-1"]}
    assert a["CreatedInstances"] == {"CreatedInstance": []}
    assert a["LifecycleHookContext"]["IgnoredLifecycleHookIds"] == {
        "IgnoredLifecycleHookId": ["ash-1"]
    }
    assert a["ErrorMessages"]["ErrorMessages"][0]["FailedInstanceIds"] == {
        "FailedInstanceIds": ["i-9"]
    }
    inst = shape("DescribeScalingInstances", V2014, RESULTS["DescribeScalingInstances"])
    assert [i["InstanceId"] for i in inst["ScalingInstances"]["ScalingInstance"]] == ["i-1", "i-2"]
    conf = shape("DescribeScalingConfigurations", V2014, RESULTS["DescribeScalingConfigurations"])
    c = conf["ScalingConfigurations"]["ScalingConfiguration"][0]
    assert c["SpotPriceLimit"] == {
        "SpotPriceModel": [{"InstanceType": "ecs.g7.large", "PriceLimit": 0.5}]
    }
    assert "SpotPriceLimits" not in c
    assert c["DataDisks"]["DataDisk"][0]["Categories"] == {"Category": ["cloud_essd"]}
    assert c["WeightedCapacities"] == {"WeightedCapacity": [1]}
    regions = shape("DescribeRegions", V2014, RESULTS["DescribeRegions"])
    assert regions["Regions"]["Region"][1]["RegionId"] == "cn-beijing"
    rules = shape("DescribeScalingRules", V2014, RESULTS["DescribeScalingRules"])
    r = rules["ScalingRules"]["ScalingRule"][0]
    assert r["StepAdjustments"] == {
        "StepAdjustment": [{"MetricIntervalLowerBound": 0.0, "ScalingAdjustment": 1}]
    }
    assert r["Alarms"]["Alarm"][0]["Dimensions"]["Dimension"][0]["DimensionKey"] == "k"
    # actions without lists pass through
    plain = {"ScalingActivityId": "asa-1"}
    assert shape("AttachInstances", V2014, plain) == plain


def _list_fields(cls: type, out: set[str]) -> None:
    """Names of every list-valued field reachable from a tea response model."""
    hints = typing.get_type_hints(cls.__init__, globalns=vars(sys.modules[cls.__module__]))
    to_map = typing.cast(Any, cls).to_map
    import inspect

    src = inspect.getsource(to_map)
    keys = dict((a, k) for k, a in re.findall(r"result\['([^']+)'\] = self\.(\w+)", src))
    keys.update(
        (a, k)
        for k, a in re.findall(r"result\['([^']+)'\] = \[\]\s+(?:for \w+ in|if) self\.(\w+)", src)
    )
    for attr, t in hints.items():
        if attr == "return":
            continue
        args = typing.get_args(t)
        if typing.get_origin(t) is list:
            out.add(keys[attr])
            if hasattr(args[0], "to_map"):
                _list_fields(args[0], out)
        elif hasattr(t, "to_map"):
            _list_fields(t, out)


@pytest.mark.parametrize("action", ACTIONS)
def test_every_2022_response_list_has_a_2014_wrapper(action: str) -> None:
    lists: set[str] = set()
    _list_fields(getattr(M, f"{action}ResponseBody"), lists)
    renames = {"SpotPriceLimits": "SpotPriceLimit"}
    wrapped = LIST_WRAPPERS.get(action, {})
    assert {renames.get(x, x) for x in lists} <= set(wrapped), lists


def test_list_wrappers_match_the_brief() -> None:
    w = LIST_WRAPPERS["DescribeScalingGroups"]
    assert {
        "ScalingGroups": "ScalingGroup",
        "VSwitchIds": "VSwitchId",
        "RemovalPolicies": "RemovalPolicy",
        "LoadBalancerIds": "LoadBalancerId",
        "DBInstanceIds": "DBInstanceId",
        "SuspendedProcesses": "SuspendedProcess",
    }.items() <= w.items()
    assert LIST_WRAPPERS["DescribeScalingActivities"]["ScalingActivities"] == "ScalingActivity"
    assert LIST_WRAPPERS["DescribeScalingInstances"] == {"ScalingInstances": "ScalingInstance"}
    assert LIST_WRAPPERS["DescribeRegions"] == {"Regions": "Region"}
    assert LIST_WRAPPERS["DescribeScalingRules"]["ScalingRules"] == "ScalingRule"
    assert (
        LIST_WRAPPERS["DescribeScalingConfigurations"]["ScalingConfigurations"]
        == "ScalingConfiguration"
    )
    assert set(LIST_WRAPPERS) <= set(ACTIONS)


# --------------------------------------------------------------------------------------------
# (c) XML well-formedness, error bodies through both SDKs' error paths


def test_xml_render_matches_the_2014_doc_layout() -> None:
    shaped = shape("DescribeScalingGroups", V2014, RESULTS["DescribeScalingGroups"])
    body, ctype = render(shaped, "req-x", "XML", "DescribeScalingGroupsResponse")
    assert ctype == XML_CONTENT_TYPE == "text/xml;charset=utf-8"
    assert body.startswith(b'<?xml version="1.0" encoding="UTF-8"?><DescribeScalingGroupsResponse>')
    root = ET.fromstring(body)
    assert root.tag == "DescribeScalingGroupsResponse"
    assert root.findtext("RequestId") == "req-x"
    assert root.findtext("TotalCount") == "1"
    g = root.find("ScalingGroups/ScalingGroup")
    assert g is not None
    assert [e.text for e in g.findall("VSwitchIds/VSwitchId")] == ["vsw-1", "vsw-2"]
    assert g.findtext("GroupDeletionProtection") == "false"
    assert g.find("LoadBalancerIds") is not None and not list(g.find("LoadBalancerIds") or [])
    # a 2022 body in XML: a list under K is repeated <K>
    body, _ = render({"InstanceIds": ["i-1", "i-2"], "Ok": True, "Gone": None}, "r", "xml", "R")
    root = ET.fromstring(body)
    assert [e.text for e in root.findall("InstanceIds")] == ["i-1", "i-2"]
    assert root.findtext("Ok") == "true" and root.find("Gone") is None


def test_json_render() -> None:
    body, ctype = render({"ScalingActivityId": "asa-1", "RequestId": "stale"}, "req-j", "JSON", "X")
    assert ctype == "application/json;charset=utf-8"
    assert json.loads(body) == {"RequestId": "req-j", "ScalingActivityId": "asa-1"}
    assert body.startswith(b'{"RequestId":"req-j"')
    # lone surrogates cannot crash the encoder
    body, _ = render({"Name": "a\ud800b"}, "r", "JSON", "X")
    assert json.loads(body)["Name"] == "a\ud800b"


_XML_TEXT = st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=30)
_SCALAR = st.one_of(_XML_TEXT, st.integers(), st.booleans(), st.none(), st.floats(allow_nan=True))
_VALUE = st.recursive(
    _SCALAR,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(_XML_TEXT, inner, max_size=3)
    ),
    max_leaves=12,
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(result=st.dictionaries(_XML_TEXT, _VALUE, max_size=5), rid=_XML_TEXT, root=_XML_TEXT)
def test_xml_is_always_well_formed(result: dict[str, Any], rid: str, root: str) -> None:
    body, _ = render(result, rid, "XML", root)
    parsed = ET.fromstring(body)
    assert parsed.find("RequestId") is not None
    body, _ = render_error("Code&<", "msg" + rid, rid, "XML", "ess.aliyuncs.com")
    assert ET.fromstring(body).tag == "Error"


@settings(max_examples=200)
@given(msg=_XML_TEXT.filter(lambda s: s.strip() == s and s != ""))
def test_xml_text_round_trips_when_representable(msg: str) -> None:
    allowed = all(
        c in "\t\n\r" or (" " <= c <= "\ud7ff") or ("\ue000" <= c <= "\ufffd") or c >= "\U00010000"
        for c in msg
    )
    body, _ = render({"Message": msg}, "r", "XML", "R")
    text = ET.fromstring(body).findtext("Message") or ""
    if allowed:
        assert text == msg


def test_error_body_form() -> None:
    body, ctype = render_error(
        "InvalidScalingGroupId.NotFound",
        "The specified scaling group does not exist.",
        "rid-1",
        "JSON",
        "ess.aliyuncs.com",
    )
    assert ctype == JSON_CONTENT_TYPE
    assert json.loads(body) == {
        "RequestId": "rid-1",
        "HostId": "ess.aliyuncs.com",
        "Code": "InvalidScalingGroupId.NotFound",
        "Message": "The specified scaling group does not exist.",
        "Recommend": "https://api.aliyun.com/troubleshoot?q=InvalidScalingGroupId.NotFound"
        "&product=Ess&requestId=rid-1",
    }
    body, _ = render_error("Throttling", "m", "r", "JSON", "ecs.aliyuncs.com", product="Ecs")
    assert json.loads(body)["Recommend"].endswith("q=Throttling&product=Ecs&requestId=r")
    body, ctype = render_error("A", "<b>&", "r", "XML", "h")
    assert ctype == XML_CONTENT_TYPE
    root = ET.fromstring(body)
    assert [e.tag for e in root] == ["RequestId", "HostId", "Code", "Message", "Recommend"]
    assert root.findtext("Message") == "<b>&"


@pytest.mark.parametrize("status", [400, 403, 404, 500, 503])
def test_errors_through_the_legacy_core(legacy: Legacy, status: int) -> None:
    body, ctype = render_error(
        "IncorrectCapacity.MinSize",
        "To remove the instances, the total capacity will be lesser than the MinSize.",
        "rid-legacy",
        "JSON",
        "ess.aliyuncs.com",
    )
    legacy.reply = Reply(status=status, body=body, content_type=ctype)
    req = legacy.request("RemoveInstances")
    req.set_ScalingGroupId("asg-1")
    req.set_InstanceIds(["i-1"])
    with pytest.raises(ServerException) as exc:
        legacy.send(req)
    e = exc.value
    assert e.get_error_code() == "IncorrectCapacity.MinSize"
    assert (
        e.get_error_msg()
        == "To remove the instances, the total capacity will be lesser than the MinSize."
    )
    assert e.get_request_id() == "rid-legacy"
    assert e.get_http_status() == status


def test_signature_error_message_keeps_the_legacy_core_alive(legacy: Legacy) -> None:
    # the core splits the message on ':' for SignatureDoesNotMatch; the real text has one
    msg = (
        "Specified signature is not matched with our calculation. "
        "server string to sign is:POST&%2F&x"
    )
    body, ctype = render_error("SignatureDoesNotMatch", msg, "rid", "JSON", "ess.aliyuncs.com")
    legacy.reply = Reply(status=400, body=body, content_type=ctype)
    req = legacy.request("DisableScalingGroup")
    req.set_ScalingGroupId("asg-1")
    with pytest.raises(ServerException) as exc:
        legacy.send(req)
    assert exc.value.get_error_code() == "SignatureDoesNotMatch"


@pytest.mark.parametrize("fmt", ["JSON", "XML"])
@pytest.mark.parametrize("status", [400, 404, 500])
def test_errors_through_tea_openapi(tea: Tea, fmt: str, status: int) -> None:
    body, ctype = render_error(
        "InvalidParameter",
        'The specified value of parameter "RemovePolicy" is not valid.',
        "rid-tea",
        fmt,
        "ess.aliyuncs.com",
    )
    tea.reply = Reply(status=status, body=body, content_type=ctype)
    expected_cls = TeaClientException if status < 500 else TeaServerException
    with pytest.raises(expected_cls) as exc:
        tea.send("RemoveInstances", {"ScalingGroupId": "asg-1", "InstanceIds": ["i-1"]})
    e = exc.value
    assert e.code == "InvalidParameter"
    assert e.status_code == status
    assert e.request_id == "rid-tea"
    assert e.message == (
        f'code: {status}, The specified value of parameter "RemovePolicy" is not valid. '
        "request id: rid-tea"
    )
    assert e.data["HostId"] == "ess.aliyuncs.com"


# --------------------------------------------------------------------------------------------
# (d) validation: exact texts, and parse never fails any other way


def _err(action: str, version: str, params: dict[str, str]) -> tuple[str, str, int]:
    with pytest.raises(AliyunError) as exc:
        parse(action, version, params)
    return exc.value.code, exc.value.message, exc.value.status


def _missing(name: str) -> tuple[str, str, int]:
    return (
        "MissingParameter",
        f'The input parameter "{name}" that is mandatory for processing this request is not '
        "supplied.",
        400,
    )


def _invalid(name: str) -> tuple[str, str, int]:
    return ("InvalidParameter", f'The specified value of parameter "{name}" is not valid.', 400)


def test_missing_parameter_texts() -> None:
    assert _err("RemoveInstances", V2014, {"ScalingGroupId": "a"}) == _missing("InstanceId.N")
    assert _err("RemoveInstances", V2022, {"ScalingGroupId": "a"}) == _missing("InstanceIds.N")
    assert _err("RemoveInstances", V2022, {"InstanceIds.1": "i"}) == _missing("ScalingGroupId")
    # empty counts as not supplied
    assert _err("DeleteScalingGroup", V2022, {"ScalingGroupId": ""}) == _missing("ScalingGroupId")
    assert _err("CreateScalingGroup", V2014, {"MinSize": "1"}) == _missing("MaxSize")
    assert _err("SetInstancesProtection", V2014, {"ScalingGroupId": "a", "InstanceId.1": "i"}) == (
        _missing("ProtectedFromScaleIn")
    )
    hook = {"MinSize": "0", "MaxSize": "1", "LifecycleHook.1.LifecycleHookName": "h"}
    assert _err("CreateScalingGroup", V2014, hook) == _missing(
        "LifecycleHook.N.LifecycleTransition"
    )
    assert _err("ScaleWithAdjustment", V2022, {"ScalingGroupId": "a", "AdjustmentValue": "1"}) == (
        _missing("AdjustmentType")
    )
    assert _err("CreateScalingRule", V2022, {"ScalingGroupId": "a"}) == _missing("AdjustmentType")
    target = {"ScalingGroupId": "a", "ScalingRuleType": "TargetTrackingScalingRule"}
    assert _err("CreateScalingRule", V2022, target) == _missing("TargetValue")
    # missing is reported before malformed
    assert _err("RemoveInstances", V2022, {"InstanceIds.1": "i", "StopInstanceTimeout": "x"}) == (
        _missing("ScalingGroupId")
    )


def test_invalid_parameter_texts() -> None:
    base = {"ScalingGroupId": "a", "InstanceIds.1": "i"}
    assert _err("RemoveInstances", V2022, {**base, "RemovePolicy": "stop"}) == _invalid(
        "RemovePolicy"
    )
    assert _err("RemoveInstances", V2022, {**base, "StopInstanceTimeout": "29"}) == _invalid(
        "StopInstanceTimeout"
    )
    assert _err("RemoveInstances", V2022, {**base, "StopInstanceTimeout": "1e2"}) == _invalid(
        "StopInstanceTimeout"
    )
    assert _err("RemoveInstances", V2022, {**base, "DecreaseDesiredCapacity": "yes"}) == _invalid(
        "DecreaseDesiredCapacity"
    )
    assert _err("RemoveInstances", V2022, {**base, "LifecycleHookContext": "{"}) == _invalid(
        "LifecycleHookContext"
    )
    assert _err("RemoveInstances", V2022, {**base, "LifecycleHookContext": "[]"}) == _invalid(
        "LifecycleHookContext"
    )
    create = {"MinSize": "1", "MaxSize": "2"}
    assert _err("CreateScalingGroup", V2014, {**create, "ScalingPolicy": "keep"}) == _invalid(
        "ScalingPolicy"
    )
    assert _err("CreateScalingGroup", V2014, {**create, "MinSize": "2147483648"}) == _invalid(
        "MinSize"
    )
    assert _err("CreateScalingGroup", V2014, {**create, "MinSize": "-1"}) == _invalid("MinSize")
    assert _err("CreateScalingGroup", V2014, {**create, "RemovalPolicy.1": "Random"}) == _invalid(
        "RemovalPolicy.N"
    )
    assert _err(
        "CreateScalingGroup", V2022, {**create, "LoadBalancerIds": '["lb", 1]'}
    ) == _invalid("LoadBalancerIds")
    vsg = {**create, "VServerGroup.1.VServerGroupAttribute.1.Port": "0"}
    assert _err("CreateScalingGroup", V2014, vsg) == _invalid(
        "VServerGroup.N.VServerGroupAttribute.N.Port"
    )
    assert _err("DescribeScalingGroups", V2022, {"PageSize": "51"}) == _invalid("PageSize")
    assert _err("DescribeScalingGroups", V2022, {"PageNumber": "0"}) == _invalid("PageNumber")
    assert _err(
        "ExecuteScalingRule", V2022, {"ScalingRuleAri": "a", "MetricValue": "nan"}
    ) == _invalid("MetricValue")
    swa = {"ScalingGroupId": "a", "AdjustmentType": "TotalCapacity", "AdjustmentValue": "2001"}
    assert _err("ScaleWithAdjustment", V2022, swa) == _invalid("AdjustmentValue")
    swa["AdjustmentType"] = "PercentChangeInCapacity"
    assert parse("ScaleWithAdjustment", V2022, swa)["AdjustmentValue"] == 2001


def test_list_limits() -> None:
    for action in (
        "RemoveInstances",
        "AttachInstances",
        "DetachInstances",
        "SetInstancesProtection",
        "EnterStandby",
        "ExitStandby",
    ):
        base = {"ScalingGroupId": "a", "ProtectedFromScaleIn": "true"}
        ok14 = {**base, **{f"InstanceId.{n}": f"i-{n}" for n in range(1, 21)}}
        assert len(parse(action, V2014, ok14)["InstanceIds"]) == 20
        too14 = {**ok14, "InstanceId.21": "i-21"}
        assert _err(action, V2014, too14) == _invalid("InstanceId.N")
        too22 = {**base, **{f"InstanceIds.{n}": f"i-{n}" for n in range(1, 22)}}
        assert _err(action, V2022, too22) == _invalid("InstanceIds.N")
    # N itself is bounded too (InstanceId.N, N from 1 to 20)
    assert _err(
        "RemoveInstances", V2014, {"ScalingGroupId": "a", "InstanceId.25": "i"}
    ) == _invalid("InstanceId.N")
    lbs = {"ScalingGroupId": "a", **{f"LoadBalancer.{n}": f"lb-{n}" for n in range(1, 7)}}
    assert _err("AttachLoadBalancers", V2014, lbs) == _invalid("LoadBalancer.N")
    dbs = {"ScalingGroupId": "a", **{f"DBInstances.{n}": f"rm-{n}" for n in range(1, 7)}}
    assert _err("DetachDBInstances", V2022, dbs) == _invalid("DBInstances.N")


def test_conflicts() -> None:
    assert _err("CreateScalingGroup", V2014, {"MinSize": "3", "MaxSize": "2"}) == (
        "InvalidParameter.Conflict",
        "The value of parameter MinSize and parameter MaxSize are conflict.",
        400,
    )
    assert _err(
        "ModifyScalingGroup", V2022, {"ScalingGroupId": "a", "MinSize": "3", "MaxSize": "2"}
    ) == (
        "InvalidParameter.Conflict",
        "The value of parameter MinSize and parameter MaxSize are confilict.",
        400,
    )
    over = {"MinSize": "1", "MaxSize": "2", "DesiredCapacity": "3"}
    assert _err("CreateScalingGroup", V2022, over)[1] == (
        "The value of parameter DesiredCapacity and parameter MaxSize are conflict."
    )
    # only what the request carries is compared; the handler checks against the stored group
    assert parse("ModifyScalingGroup", V2022, {"ScalingGroupId": "a", "MinSize": "9"}) == {
        "ScalingGroupId": "a",
        "MinSize": 9,
    }


def test_unknown_action_and_version() -> None:
    assert _err("FlyToTheMoon", V2014, {}) == (
        "InvalidAction.NotFound",
        "Specified api is not found, please check your url and method.",
        404,
    )
    assert _err("RemoveInstances", "2011-01-01", {})[0] == "NoSuchVersion"


def test_lenient_reading() -> None:
    p = parse(
        "RemoveInstances",
        V2022,
        {
            "ScalingGroupId": "a",
            "InstanceIds.3": "i-3",
            "InstanceIds.1": "i-1",
            "InstanceIds.x": "junk",
            "InstanceIds": "junk",
            "DecreaseDesiredCapacity": "TRUE",
            "IgnoreInvalidInstance": "",
            "Unknown.1.Thing": "x",
        },
    )
    assert p == {
        "ScalingGroupId": "a",
        "InstanceIds": ["i-1", "i-3"],
        "DecreaseDesiredCapacity": True,
    }
    # 2014 SDK artefacts: "None" for absent sub-keys and typed parameters
    p = parse("ModifyScalingGroup", V2014, {"ScalingGroupId": "None", "MinSize": "None"})
    assert p == {"ScalingGroupId": "None"}
    # LoadBalancerIds as a bare comma list
    p = parse(
        "CreateScalingGroup",
        V2014,
        {"MinSize": "0", "MaxSize": "0", "LoadBalancerIds": "lb-1, lb-2"},
    )
    assert p["LoadBalancerIds"] == ["lb-1", "lb-2"]
    # DescribeScalingGroups 2014: ScalingGroupName and ScalingGroupName.N share a wire name
    p = parse("DescribeScalingGroups", V2014, {"ScalingGroupName": "x", "ScalingGroupName.2": "y"})
    assert p == {"ScalingGroupName": "x", "ScalingGroupNames": ["y"]}
    assert ess_api.param_label("RemoveInstances", V2014, "InstanceIds") == "InstanceId.N"
    assert ess_api.param_label("RemoveInstances", V2022, "InstanceIds") == "InstanceIds.N"


def _wire_names(action: str, version: str) -> list[str]:
    """Every wire key pattern of an action, with N replaced by 1..3 at random later."""
    out: list[str] = []

    def walk(params: tuple[ess_api.Param, ...], prefix: str) -> None:
        for p in params:
            name = p.old if (version == V2014 and p.old) else p.name
            key = prefix + name
            if p.kind is ess_api.Kind.LIST:
                assert p.item is not None
                if p.item.kind is ess_api.Kind.STRUCT:
                    walk(p.item.fields, key + ".#.")
                else:
                    out.append(key + ".#")
            elif p.kind is ess_api.Kind.STRUCT:
                walk(p.fields, key + ".")
            else:
                out.append(key)

    walk(ess_api.spec(action), "")
    return out


_VALUES = st.sampled_from(
    [
        "",
        "None",
        "True",
        "false",
        "0",
        "-1",
        "7",
        "21",
        "2147483648",
        "1.5",
        "nan",
        "[]",
        "{}",
        '["a"]',
        '{"DisableLifecycleHook": true}',
        "release",
        "ECS",
        "SCALE_IN",
        "é中",
        "\x00",
    ]
) | st.text(max_size=8)


@st.composite
def _random_call(draw: st.DrawFn) -> tuple[str, str, dict[str, str]]:
    action = draw(st.sampled_from(ACTIONS))
    version = draw(st.sampled_from([V2014, V2022]))
    names = _wire_names(action, version)
    keys = draw(
        st.lists(
            st.sampled_from(names)
            | st.text(alphabet=string.ascii_letters + ".0123456789", max_size=12),
            max_size=12,
        )
    )
    params: dict[str, str] = {}
    for k in keys:
        while "#" in k:
            k = k.replace("#", str(draw(st.integers(0, 25))), 1)
        params[k] = draw(_VALUES)
    return action, version, params


@settings(max_examples=600, suppress_health_check=[HealthCheck.too_slow])
@given(_random_call())
def test_parse_returns_a_dict_or_raises_aliyun_error(call: tuple[str, str, dict[str, str]]) -> None:
    action, version, params = call
    try:
        out = parse(action, version, params)
    except AliyunError as e:
        assert e.code in {"MissingParameter", "InvalidParameter", "InvalidParameter.Conflict"}
        assert e.status == 400
        assert e.message.endswith(".")
        return
    assert isinstance(out, dict)
    names = {p.name for p in ess_api.spec(action)}
    assert set(out) <= names
    # what parse accepted, the envelope renders in both formats
    for fmt in ("JSON", "XML"):
        body, _ = render(shape(action, version, out), "r", fmt, f"{action}Response")
        if fmt == "XML":
            ET.fromstring(body)
        else:
            json.loads(body)


# --------------------------------------------------------------------------------------------
# Signatures of the public interface


def test_call_is_frozen() -> None:
    c = Call("A", "2014-08-28", {}, "JSON")
    with pytest.raises(AttributeError):
        c.action = "B"  # type: ignore[misc]


def _wrapped_reference(v: Any, wrappers: dict[str, str], renames: dict[str, str]) -> Any:
    """The 2014 shaping written plainly, to hold the fast one to."""
    if isinstance(v, list):
        return [_wrapped_reference(x, wrappers, renames) for x in v]
    if not isinstance(v, dict):
        return v
    out: dict[str, Any] = {}
    for k, x in v.items():
        name = renames.get(k, k)
        inner = _wrapped_reference(x, wrappers, renames)
        out[name] = {wrappers[name]: inner} if isinstance(x, list) and name in wrappers else inner
    return out


_KEYS = st.sampled_from(["A", "B", "Items", "Old", "New"])
_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=3),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_KEYS, inner, max_size=4),
    max_leaves=20,
)


@given(
    value=st.dictionaries(_KEYS, _VALUES, max_size=5),
    wrappers=st.dictionaries(_KEYS, st.sampled_from(["Item", "Member"]), max_size=3),
    renames=st.sampled_from([{}, {"Old": "New"}]),
)
def test_2014_wrapping_matches_the_plain_reading_and_leaves_its_input_alone(
    value: dict[str, Any], wrappers: dict[str, str], renames: dict[str, str]
) -> None:
    before = json.dumps(value, sort_keys=True)
    assert _wrap(value, wrappers, renames) == _wrapped_reference(value, wrappers, renames)
    assert json.dumps(value, sort_keys=True) == before
