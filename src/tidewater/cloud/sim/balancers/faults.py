"""Elastic Load Balancing's refusals: each builds the one AWS fault with ELB's exact text."""

from __future__ import annotations

from collections.abc import Iterable

from tidewater.cloud.sim.kit.faults import AwsFault

BalancerFault = AwsFault  # Elastic Load Balancing raises the AWS cloud's one fault type


def validation(message: str) -> BalancerFault:
    return BalancerFault("ValidationError", message)


def no_active(name: str) -> BalancerFault:
    return BalancerFault("LoadBalancerNotFound", f"There is no ACTIVE Load Balancer named '{name}'")


def tg_not_found(arn: str) -> BalancerFault:
    return BalancerFault("TargetGroupNotFound", f"Target groups '{arn}' not found")


def lbs_not_found() -> BalancerFault:
    return BalancerFault("LoadBalancerNotFound", "One or more load balancers not found")


def tgs_not_found() -> BalancerFault:
    return BalancerFault("TargetGroupNotFound", "One or more target groups not found")


def quoted(ids: Iterable[str]) -> str:
    return ", ".join(f"'{i}'" for i in ids)
