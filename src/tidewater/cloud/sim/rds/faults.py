"""RDS's refusals: each builds the one Alibaba fault with RDS's exact code, text and status."""

from __future__ import annotations

from tidewater.cloud.sim.kit.faults import AliyunFault, aliyun_missing

RdsFault = AliyunFault  # RDS raises the Alibaba cloud's one fault type
missing = aliyun_missing


def invalid(name: str) -> RdsFault:
    return RdsFault("InvalidParameter", f'The specified value of parameter "{name}" is not valid.')


def not_found() -> RdsFault:
    return RdsFault(
        "InvalidDBInstanceId.NotFound", "The DBInstanceId provided does not exist in records."
    )


def incorrect_state() -> RdsFault:
    return RdsFault(
        "IncorrectDBInstanceState",
        "Current DB instance state does not support this operation.",
        403,
    )


def ip_list_format() -> RdsFault:
    return RdsFault("SecurityIPList.Format", "Specified SecurityIPList is not valid.")
