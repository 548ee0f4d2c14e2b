"""RDS request parameters in, checked plain values out: engines, classes, IP whitelists."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping

from tidewater.cloud.sim.kit.guards import guarded, refuse_unstorable
from tidewater.cloud.sim.kit.rpc import RpcReader
from tidewater.cloud.sim.rds.faults import RdsFault, invalid, missing
from tidewater.domain.text import storable

Params = Mapping[str, str]

LISTED_STATUSES = ("Creating", "Running", "Rebooting", "Deleting")
ENGINES: dict[str, tuple[str, ...]] = {
    "MySQL": ("5.5", "5.6", "5.7", "8.0"),
    "SQLServer": ("2008r2", "2012", "2012_ent", "2016_ent", "2017_ent", "2019_ent"),
    "PostgreSQL": ("10.0", "11.0", "12.0", "13.0", "14.0", "15.0", "16.0"),
    "MariaDB": ("10.3",),
}
PORTS = {"MySQL": "3306", "SQLServer": "1433", "PostgreSQL": "5432", "MariaDB": "3306"}
DOMAINS = {"MySQL": "mysql", "SQLServer": "sqlserver", "PostgreSQL": "pg", "MariaDB": "mariadb"}
NET_TYPES = ("Internet", "Intranet")
PAY_TYPES = ("Postpaid", "Prepaid", "Serverless")
MODIFY_MODES = ("Cover", "Append", "Delete")
ATTRIBUTES = ("", "hidden")
IP_LIMIT = 1000  # whitelist entries per instance
GROUP_LIMIT = 200  # whitelist groups per instance
PAGE_LIMIT = 100
DEFAULT_PAGE_SIZE = 30
ID_LIMIT = 30  # comma-separated ids one DescribeDBInstances may name
INSTANCE_CLASS = re.compile(r"(rds|mysql|pg|mssql|mariadb)(\.[a-z0-9]{1,16}){1,4}")
GROUP_NAME = re.compile(r"[a-z][a-z0-9_-]{0,62}[a-z0-9]|[a-z]")
CLIENT_TOKEN = re.compile(r"[\x21-\x7e]{1,64}")

READ = RpcReader(invalid=invalid, missing=missing)

# Marks an RDS action and refuses text no store can keep (NUL, lone surrogates).
action = guarded(
    lambda params: refuse_unstorable(params, lambda bad: invalid(bad if storable(bad) else ""))
)


def _entry(text: str) -> str | None:
    """One whitelist entry: an IPv4 address or CIDR block, normalised; None when it is not."""
    try:
        if "/" in text:
            return str(ipaddress.IPv4Network(text, strict=False))
        return str(ipaddress.IPv4Address(text))
    except ValueError:
        return None


def ip_list(raw: str, fault: RdsFault) -> list[str]:
    """A comma-separated whitelist; an entry twice is refused, as RDS does."""
    entries: list[str] = []
    for text in raw.split(","):
        entry = _entry(text.strip())
        if entry is None:
            raise fault
        if entry in entries:
            raise RdsFault(
                "InvalidSecurityIPList.Duplicate",
                "Specified security IP list is not valid: Duplicate IP address in the list.",
            )
        entries.append(entry)
    if len(entries) > IP_LIMIT:
        raise fault
    return entries
