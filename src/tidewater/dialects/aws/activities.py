"""AWS's Description and Cause sentences, rendered from the facts an activity stores."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from tidewater.dialects.failures import status_message

DESCRIPTIONS = {
    "launch": "Launching a new EC2 instance",
    "terminate": "Terminating EC2 instance",
    "detach": "Detaching EC2 instance",
    "attach": "Attaching an existing EC2 instance",
    "enter_standby": "Moving EC2 instance to Standby",
    "exit_standby": "Moving EC2 instance out of Standby",
}


# How an activity that moves an instance with a warm pool is described (facts["warm"]);
# inferred: the user guide's examples show "into warm pool", the rest follow its pattern
WARM_DESCRIPTIONS = {
    "into": "Launching a new EC2 instance into warm pool",
    "from": "Launching a new EC2 instance from warm pool",
    "back": "Returning EC2 instance to warm pool",
    "drop": "Terminating EC2 instance from warm pool",
}


def stamp(iso: str | None) -> str:
    if not iso:
        return ""
    return datetime.fromisoformat(iso).strftime("%Y-%m-%dT%H:%M:%SZ")


def change_sentence(change: dict[str, Any] | None) -> str:
    """The user request that moved the desired capacity, quoted before the launches it caused."""
    if not change:
        return ""
    at, before, after = stamp(change.get("at")), change.get("from"), change.get("to")
    kind = change.get("kind")
    if kind == "create":
        what = "a user request created an AutoScalingGroup"
    elif kind == "set_desired":
        what = "a user request explicitly set group desired capacity"
    elif kind == "policy" and change.get("alarm"):
        what = (
            f"a monitor alarm {change['alarm']} in state ALARM triggered policy "
            f"{change.get('policy')}"
        )
    elif kind == "policy":
        what = f"a user request executed policy {change.get('policy')}"
    elif kind == "scheduled":
        what = (
            "a scheduled action update of AutoScalingGroup constraints to min: "
            f"{change.get('min')}, max: {change.get('max')}, desired: {after}"
        )
    else:
        what = "a user request update of AutoScalingGroup constraints"
    return f"At {at} {what} changing the desired capacity from {before} to {after}.  "


def _by_user(verb: str, row: Any, facts: dict[str, Any], direction: str = "shrinking") -> str:
    text = (
        f"At {stamp(facts.get('at'))} instance {row['instance_id']} was {verb} in response to a "
        "user request"
    )
    if direction == "increasing" or facts.get("decrement"):
        return text + f", {direction} the capacity from {facts['from']} to {facts['to']}."
    return text + "."


def cause(row: Any) -> str:
    facts: dict[str, Any] = row["facts"] or {}
    at = stamp(facts.get("at"))
    kind, trigger = row["kind"], facts.get("trigger")
    if kind == "detach":
        return _by_user("detached", row, facts)
    if kind == "enter_standby":
        return _by_user("moved to standby", row, facts)
    if kind == "exit_standby":
        return _by_user("moved out of standby", row, facts, "increasing")
    if kind == "attach":
        return _by_user("attached", row, facts, "increasing")
    if trigger == "warm_pool":  # inferred wording: no capture of these causes exists
        if kind == "launch":
            return (
                f"At {at} an instance was launched into the warm pool in response to a "
                f"difference between its desired and actual size, increasing it from "
                f"{facts.get('from')} to {facts.get('to')}."
            )
        return (
            f"At {at} an instance was taken out of the warm pool in response to a difference "
            f"between its desired and actual size, shrinking it from {facts.get('from')} to "
            f"{facts.get('to')}.  At {at} instance {row['instance_id']} was selected for "
            "termination."
        )
    if trigger == "refresh":  # inferred wording (docs/facts/instance-refresh.md)
        if kind == "launch":
            return f"At {at} an instance was launched in response to an instance refresh."
        return (
            f"At {at} an instance was taken out of service in response to an instance refresh.  "
            f"At {at} instance {row['instance_id']} was selected for termination."
        )
    if kind == "launch":
        if trigger == "rebalance":
            return (
                f"At {at} an instance was launched in order to rebalance instances across "
                "Availability Zones."
            )
        return (
            change_sentence(facts.get("change")) + f"At {at} an instance was started in "
            "response to a difference between desired and actual capacity, increasing the "
            f"capacity from {facts.get('from')} to {facts.get('to')}."
        )
    if trigger == "user":
        return _by_user("taken out of service", row, facts)
    if trigger == "unhealthy":
        return (
            f"At {at} an instance was taken out of service in response to an EC2 health check "
            "indicating it has been terminated or stopped."
        )
    if trigger == "delete":
        return (
            f"At {at} an instance was taken out of service in response to a user request to "
            f"delete the AutoScalingGroup.  At {at} instance {row['instance_id']} was selected "
            "for termination."
        )
    return (
        change_sentence(facts.get("change")) + f"At {at} an instance was taken out of service "
        "in response to a difference between desired and actual capacity, shrinking the "
        f"capacity from {facts.get('from')} to {facts.get('to')}.  At {at} instance "
        f"{row['instance_id']} was selected for termination."
    )


def render(row: Any) -> dict[str, Any]:
    """Accepts a stored row or the dict a command just inserted."""
    if not isinstance(row, Mapping):
        row = row._mapping
    facts = row["facts"] or {}
    description = WARM_DESCRIPTIONS.get(facts.get("warm", ""), DESCRIPTIONS[row["kind"]])
    message = status_message(row["status_message"], row["facts"])
    if row["instance_id"]:
        description += f": {row['instance_id']}"
        if row["status"] == "Cancelled" and message:  # e.g. a launch its hook abandoned
            description += f".  Status Reason: {message}"
    elif row["kind"] == "launch" and row["status"] == "Failed" and message:
        # as AWS shows a launch that never made an instance (e.g. over the instance limit)
        description += f".  Status Reason: {message}"
    details: dict[str, str] = {}
    if row["subnet_id"]:
        details["Subnet ID"] = row["subnet_id"]
    if row["zone"]:
        details["Availability Zone"] = row["zone"]
    return {
        "ActivityId": row["id"],
        "AutoScalingGroupName": row["group_name"],
        "AutoScalingGroupARN": row["group_arn"],
        "Description": description,
        "Cause": cause(row),
        "StartTime": row["started_at"],
        "EndTime": row["ended_at"],
        "StatusCode": row["status"],
        "StatusMessage": message,
        "Progress": row["progress"],
        "Details": json.dumps(details, separators=(",", ":")),
        "AutoScalingGroupState": "Deleted" if row["group_deleted"] else "InService",
    }
