"""Every ESS action's parameters under their 2022-02-22 names, one module per action family.

Generated from the SDKs (see the module docstring), then reviewed; every action lists its
parameters alphabetically under their 2022-02-22 names. OwnerId, OwnerAccount,
ResourceOwnerId and ResourceOwnerAccount (RAM plumbing) are left out.
"""

from __future__ import annotations

from typing import Final

from tidewater.dialects.aliyun.ess_api.params import Param
from tidewater.dialects.aliyun.ess_api.specs import (
    activities,
    alarms,
    attachments,
    configurations,
    groups,
    hooks,
    instances,
    refreshes,
    regions,
    rules,
    tasks,
)

SPECS: Final[dict[str, tuple[Param, ...]]] = {
    **groups.SPECS,
    **configurations.SPECS,
    **instances.SPECS,
    **activities.SPECS,
    **rules.SPECS,
    **regions.SPECS,
    **attachments.SPECS,
    **hooks.SPECS,
    **refreshes.SPECS,
    **alarms.SPECS,
    **tasks.SPECS,
}
