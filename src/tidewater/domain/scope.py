"""Who owns a resource: every lookup is bounded by an account, a region and a cloud."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Cloud(StrEnum):
    AWS = "aws"
    ALIYUN = "aliyun"


@dataclass(frozen=True, slots=True)
class Scope:
    account: str
    region: str
    cloud: Cloud
