"""SLB's rows out in SLB's JSON wire shapes, without the RequestId."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Row

from tidewater.cloud.sim.kit import times

Output = dict[str, Any]

END_TIME = "2999-09-08T16:00:00Z"  # what SLB reports as a pay-as-you-go instance's end
END_TIMESTAMP = 32493801600000


def millis(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def summary(row: Row[Any]) -> Output:
    return {
        "LoadBalancerId": row.id,
        "LoadBalancerName": row.name,
        "LoadBalancerStatus": row.status,
        "Address": row.address,
        "AddressType": row.address_type,
        "AddressIPVersion": "ipv4",
        "NetworkType": row.network_type,
        "VpcId": row.vpc_id,
        "VSwitchId": row.vswitch_id,
        "RegionId": row.region,
        "RegionIdAlias": row.region,
        "MasterZoneId": row.master_zone,
        "SlaveZoneId": row.slave_zone,
        "LoadBalancerSpec": row.spec,
        "PayType": "PayOnDemand",
        "InternetChargeType": "paybytraffic",
        "CreateTime": times.minute(row.created_at),
        "CreateTimeStamp": millis(row.created_at),
        "DeleteProtection": "off",
    }


def backends_out(rows: Iterable[Row[Any]], *, weight_text: bool) -> Output:
    """The full backend set; AddBackendServers' SDK model types Weight as a string."""
    return {
        "BackendServer": [
            {
                "ServerId": row.server_id,
                "Weight": str(row.weight) if weight_text else row.weight,
                "Type": "ecs",
            }
            for row in rows
        ]
    }
