"""Parameters of the account-wide reads: DescribeRegions and DescribeLimitation."""

from __future__ import annotations

from typing import Final

from tidewater.dialects.aliyun.ess_api.params import (
    Param,
    text,
)

SPECS: Final[dict[str, tuple[Param, ...]]] = {
    "DescribeRegions": (
        text("AcceptLanguage"),
        text("RegionId"),
    ),
    "DescribeLimitation": (text("RegionId"),),
}
