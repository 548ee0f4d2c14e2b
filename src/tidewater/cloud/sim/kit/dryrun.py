"""Each cloud's answer to a request that only asks whether it would succeed.

Called after validation, so a dry run says what the real call would have done.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tidewater.cloud.sim.kit.faults import AliyunFault, AwsFault


def aws(params: Mapping[str, Any]) -> None:
    """AWS answers a passed dry run with an error, 412."""
    if params.get("DryRun"):
        raise AwsFault(
            "DryRunOperation", "Request would have succeeded, but DryRun flag is set.", status=412
        )


def aliyun_passed() -> AliyunFault:
    """ECS's older actions word a passed dry run so."""
    return AliyunFault(
        "DryRunOperation", "Request validation has been passed with DryRun flag set."
    )


def aliyun_succeeded() -> AliyunFault:
    """The newer batch actions (StopInstances, DeleteInstances) word a passed dry run so."""
    return AliyunFault("DRYRUN.SUCCESS", "This request is a dryrun request with successful result.")
