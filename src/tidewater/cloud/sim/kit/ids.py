"""Ids the simulated services make up, in each cloud's alphabet and length."""

from __future__ import annotations

import secrets
import string

from tidewater.cloud.sim import network
from tidewater.domain.scope import Scope

ALIYUN_ID_ALPHABET = string.ascii_lowercase + string.digits


def aliyun_id(prefix: str) -> str:
    """Alibaba resource ids: a product prefix and 20 lower-case letters and digits."""
    return prefix + "".join(secrets.choice(ALIYUN_ID_ALPHABET) for _ in range(20))


def resource_group(scope: Scope) -> str:
    """Every account's default resource group, the same in every Alibaba product."""
    return "rg-acfm" + network.hex_id(scope.account, "rg-default", length=10)
