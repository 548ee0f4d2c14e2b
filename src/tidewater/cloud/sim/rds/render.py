"""RDS's rows out in RDS's JSON wire shapes, without the RequestId."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row

from tidewater.cloud.sim import network
from tidewater.cloud.sim.kit import times
from tidewater.cloud.sim.kit.ids import resource_group
from tidewater.domain.scope import Scope

Output = dict[str, Any]

PORTS = {"MySQL": "3306", "SQLServer": "1433", "PostgreSQL": "5432", "MariaDB": "3306"}
DOMAINS = {"MySQL": "mysql", "SQLServer": "sqlserver", "PostgreSQL": "pg", "MariaDB": "mariadb"}


def instance_out(scope: Scope, row: Row[Any], status: str) -> Output:
    return {
        "DBInstanceId": row.id,
        "DBInstanceDescription": row.description,
        "DBInstanceStatus": status,
        "DBInstanceType": "Primary",
        "DBInstanceClass": row.instance_class,
        "DBInstanceNetType": row.net_type,
        "DBInstanceStorageType": "cloud_essd",
        "Engine": row.engine,
        "EngineVersion": row.engine_version,
        "Category": "Basic",
        "PayType": row.pay_type,
        "RegionId": row.region,
        "ZoneId": row.zone,
        "InstanceNetworkType": "VPC",
        "VpcId": row.vpc_id,
        "VSwitchId": row.vswitch_id,
        "VpcCloudInstanceId": row.id,
        "ConnectionMode": "Standard",
        "ConnectionString": f"{row.id}.{DOMAINS[row.engine]}.rds.aliyuncs.com",
        "CreateTime": times.second(row.created_at),
        "ExpireTime": "",
        "LockMode": "Unlock",
        "LockReason": "",
        "MutriORsignle": False,
        "ResourceGroupId": resource_group(scope),
        "DeletionProtection": False,
        "ReadOnlyDBInstanceIds": {"ReadOnlyDBInstanceId": []},
    }


def created_out(row: Row[Any]) -> Output:
    return {
        "DBInstanceId": row.id,
        "OrderId": str(int(network.hex_id(row.id, "order", length=10), 16) % 10**15),
        "ConnectionString": f"{row.id}.{DOMAINS[row.engine]}.rds.aliyuncs.com",
        "Port": PORTS[row.engine],
    }
