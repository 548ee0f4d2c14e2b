"""The one error type each simulated cloud raises: its code, exact message and HTTP status.

A service decides the refusal; its dialect only wraps the three fields in its cloud's envelope.
"""

from __future__ import annotations


class SimFault(Exception):
    """A refusal worded by the simulated service itself, so every caller words it alike."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status


class AwsFault(SimFault):
    """Refusals of the simulated AWS services (EC2, Elastic Load Balancing)."""


class AliyunFault(SimFault):
    """Refusals of the simulated Alibaba Cloud products (ECS, SLB, RDS)."""


def aliyun_missing(name: str, *, quoted: bool = True) -> AliyunFault:
    """The gateway's MissingParameter, the same in every product; it quotes the name, but ECS's
    RunInstances words its own ImageId/InstanceType refusals without quotes."""
    shown = f'"{name}"' if quoted else name
    return AliyunFault(
        "MissingParameter",
        f"The input parameter {shown} that is mandatory for processing this request is not "
        "supplied.",
    )
