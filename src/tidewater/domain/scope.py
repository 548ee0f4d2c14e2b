"""Who owns a resource: every lookup is bounded by an account, a region and a cloud."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

# Any region is its own world, so names are checked by shape rather than against a list: lower-
# case letters and digits in two or more hyphen-separated parts, starting with a letter, like
# `us-east-1`, `cn-hangzhou` or `tw-test-17`. At most 31 characters, so that every zone name
# (`<region>a`) fits the 32-character region and zone columns.
REGION_MAX = 31
_REGION = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)+")


class Cloud(StrEnum):
    AWS = "aws"
    ALIYUN = "aliyun"


@dataclass(frozen=True, slots=True)
class Scope:
    account: str
    region: str
    cloud: Cloud


def region_name_ok(name: str) -> bool:
    """Whether a client-supplied region name has a region's shape (see _REGION above)."""
    return len(name) <= REGION_MAX and _REGION.fullmatch(name) is not None
