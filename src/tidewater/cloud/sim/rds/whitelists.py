"""RDS's whitelist actions: list and change a DB instance's IP whitelist groups."""

from __future__ import annotations

from typing import Any

from tidewater.cloud.sim import network
from tidewater.cloud.sim.kit import rpc
from tidewater.cloud.sim.rds.faults import (
    RdsFault,
    incorrect_state,
    invalid,
    ip_list_format,
)
from tidewater.cloud.sim.rds.params import (
    ATTRIBUTES,
    GROUP_LIMIT,
    GROUP_NAME,
    IP_LIMIT,
    MODIFY_MODES,
    READ,
    Params,
    action,
    ip_list,
)
from tidewater.cloud.sim.rds.state import (
    DEFAULT_GROUP,
    RdsState,
    split,
)
from tidewater.domain.scope import Scope

Output = dict[str, Any]


class Whitelists(RdsState):
    """The IP whitelist groups of a DB instance."""

    @action
    def describe_db_instance_ip_array_list(self, scope: Scope, params: Params) -> Output:
        with self.db.read() as conn:
            row = self._existing(conn, scope, params)
            groups = self._groups(conn, row.id)
        return {
            "Items": {
                "DBInstanceIPArray": [
                    {
                        "DBInstanceIPArrayName": group.name,
                        "DBInstanceIPArrayAttribute": group.attribute,
                        "SecurityIPType": "IPv4",
                        "SecurityIPList": group.ips,
                    }
                    for group in groups.values()
                ]
            }
        }

    @action
    def modify_security_ips(self, scope: Scope, params: Params) -> Output:
        """Cover, Append to or Delete from one group (default `Default`, shown as `default`)."""
        raw = READ.required(params, "SecurityIps")
        name = (rpc.value(params, "DBInstanceIPArrayName") or DEFAULT_GROUP).lower()
        if not GROUP_NAME.fullmatch(name):
            raise invalid("DBInstanceIPArrayName")
        mode = READ.choice(params, "ModifyMode", "Cover", MODIFY_MODES)
        attribute = params.get("DBInstanceIPArrayAttribute")
        if attribute is not None and attribute not in ATTRIBUTES:
            raise RdsFault(
                "InvalidIPArrayAttribute.Format", "The format of the IP attribute is invalid."
            )
        READ.choice(params, "SecurityIPType", "IPv4", ("IPv4", "ipv4"))
        READ.choice(params, "WhitelistNetworkType", "MIX", ("Classic", "VPC", "MIX"))
        entries = ip_list(raw, ip_list_format())
        now = self.clock.now()
        with self.db.write() as conn:
            row = self._existing(conn, scope, params)
            if self.status_of(row, now) != "Running":
                raise incorrect_state()
            groups = self._groups(conn, row.id)
            current = split(groups[name].ips) if name in groups else []
            if mode == "Cover":
                result = entries
            elif mode == "Append":
                result = list(dict.fromkeys([*current, *entries]))
            else:
                result = [ip for ip in current if ip not in entries]
                if not result:
                    raise ip_list_format()  # Delete must leave one entry
            if name not in groups and len(groups) >= GROUP_LIMIT:
                raise RdsFault(
                    "InvalidSecurityIPListGroup.QuotaExceeded",
                    "Specified security IP list group is not valid: Exceeding the allowed amount "
                    "of group.",
                )
            others = sum(len(split(g.ips)) for n, g in groups.items() if n != name)
            if others + len(result) > IP_LIMIT:
                raise ip_list_format()
            self._store_group(conn, row.id, name, result, attribute)
        task = int(network.hex_id(row.id, name, str(now.timestamp()), length=8), 16)
        return {"TaskId": str(task % 10**9)}
