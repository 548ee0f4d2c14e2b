"""ECS request parameters in, checked plain values out: names, placement, charges, launches."""

from __future__ import annotations

import re
from collections.abc import Mapping

from tidewater.cloud.sim.ecs.faults import (
    EcsFault,
    invalid,
    missing,
    too_many_ids,
)
from tidewater.cloud.sim.ecs_types import TYPES
from tidewater.cloud.sim.kit import paging, rpc
from tidewater.cloud.sim.kit.guards import guarded, refuse_unstorable
from tidewater.cloud.sim.kit.rpc import RpcReader

Params = Mapping[str, str]

STATUSES = ("Pending", "Running", "Starting", "Stopping", "Stopped")
BATCH_LIMIT = 100  # instance ids one batch call may name

CHARGE_TYPES = ("PostPaid", "PrePaid")
INTERNET_CHARGE_TYPES = ("PayByTraffic", "PayByBandwidth")
SPOT_STRATEGIES = ("NoSpot", "SpotWithPriceLimit", "SpotAsPriceGo")
STOPPED_MODES = ("KeepCharging", "StopCharging")
LANGUAGES = ("zh-CN", "en-US", "ja")

NUMBER = re.compile(r"[0-9]{1,12}")
DECIMAL = re.compile(r"[0-9]{1,9}(?:\.[0-9]{1,6})?")

READ = RpcReader(invalid=invalid, missing=missing)

# Marks an ECS action and refuses text no store can keep (NUL, lone surrogates).
action = guarded(lambda params: refuse_unstorable(params, invalid))


def instance_ids(params: Params, empty: EcsFault) -> list[str]:
    ids = rpc.indexed(params, "InstanceId")
    if not ids:
        raise empty
    if len(ids) > BATCH_LIMIT:
        raise too_many_ids()
    return ids


def success_first(params: Params) -> bool:
    """BatchOptimization: SuccessFirst moves what it can; AllTogether fails on any refusal."""
    mode = rpc.value(params, "BatchOptimization") or "AllTogether"
    if mode not in ("AllTogether", "SuccessFirst"):
        raise invalid("BatchOptimization")
    return mode == "SuccessFirst"


def charge_type(params: Params) -> str:
    """The billing method asked for, checked where ECS checks it (launches and zone listings)."""
    return READ.choice(
        params,
        "InstanceChargeType",
        "PostPaid",
        CHARGE_TYPES,
        EcsFault(
            "InvalidInstanceChargeType.NotFound",
            "The InstanceChargeType does not exist in our records",
            404,
        ),
    )


def stopped_mode(params: Params) -> str:
    READ.boolean(params, "ForceStop")
    READ.boolean(params, "ConfirmStop")
    return READ.choice(params, "StoppedMode", "KeepCharging", STOPPED_MODES, invalid("StoppedMode"))


def one_id(params: Params) -> list[str]:
    instance_id = rpc.value(params, "InstanceId")
    if instance_id is None:
        raise missing("InstanceId")
    return [instance_id]


def decimal(params: Params, name: str, default: float) -> float:
    raw = rpc.value(params, name)
    if raw is None:
        return default
    if not DECIMAL.fullmatch(raw):
        raise invalid(name)
    return float(raw)


def offset_token(params: Params) -> int:
    """DescribeInstanceTypes' NextToken: an offset into the catalogue, in an opaque token."""
    token = rpc.value(params, "NextToken")
    if token is None:
        return 0
    [offset] = paging.decode("types", token, [int], lambda: invalid("NextToken"), ascii_only=False)
    if not 0 <= offset <= len(TYPES):
        raise invalid("NextToken")
    return int(offset)


def accept_language(params: Params) -> str:
    return READ.choice(
        params,
        "AcceptLanguage",
        "zh-CN",
        LANGUAGES,
        EcsFault(
            "InvalidAcceptLanguage.NotFound",
            "Only Chinese (zh-CN), English (en-US), and Japanese (ja) are allowed.",
            404,
        ),
    )
