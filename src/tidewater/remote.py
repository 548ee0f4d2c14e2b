"""A running Tidewater over its signed APIs, as the `tidewater` commands see it.

Never the database: every command is a signed request, so what it shows and refuses is what
any SDK would get. AWS through botocore (SigV4); ESS 2014-08-28 through a small RPC signer
(HMAC-SHA1, as aliyun-python-sdk-core signs). Rows come back in one shape per kind for both
clouds, so a table or JSON prints them the same way.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

AWS_DONE = frozenset({"Successful", "Failed", "Cancelled"})
ESS_DONE = frozenset({"Successful", "Warning", "Failed", "Rejected"})


class Refused(Exception):
    """The service's own refusal: its code and message, shown as they came."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Target:
    """Where the commands go and who they sign as."""

    endpoint: str
    region: str
    key: str
    secret: str


class Remote(Protocol):
    done: frozenset[str]

    def groups(self) -> list[dict[str, Any]]: ...

    def instances(self, group: str) -> list[dict[str, Any]]: ...

    def group(self, group: str) -> dict[str, Any]: ...

    def state(self, group: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """The group and its instances, in as few calls as the cloud allows."""
        ...

    def activities(
        self, group: str | None, ids: list[str] | None = None
    ) -> list[dict[str, Any]]: ...

    def take_out(
        self, group: str, ids: list[str], decrement: bool, policy: str | None = None
    ) -> list[str]: ...

    def set_desired(self, group: str, desired: int) -> None: ...

    def standby(
        self, group: str, ids: list[str], enter: bool, decrement: bool = False
    ) -> list[str]: ...

    def protect(self, group: str, ids: list[str], protected: bool) -> None: ...


class Aws:
    """EC2 Auto Scaling, with botocore's own client and signer."""

    done = AWS_DONE

    def __init__(self, target: Target, session: Any = None) -> None:
        """`session`: a botocore session to build the client from, shared by a caller that
        makes many (its loaded models make each next client cheap); a new one otherwise."""
        import botocore.session
        from botocore.config import Config

        self.client = (session or botocore.session.Session()).create_client(
            "autoscaling",
            endpoint_url=target.endpoint,
            region_name=target.region,
            aws_access_key_id=target.key,
            aws_secret_access_key=target.secret,
            config=Config(retries={"max_attempts": 1}),
        )

    def _call(self, operation: str, **params: Any) -> Any:
        from botocore.exceptions import ClientError, EndpointConnectionError

        try:
            return getattr(self.client, operation)(**params)
        except ClientError as error:
            found = error.response.get("Error", {})
            raise Refused(found.get("Code", "Error"), found.get("Message", "")) from None
        except EndpointConnectionError as error:
            raise ConnectionError(str(error)) from None

    def _pages(self, operation: str, key: str, **params: Any) -> Iterator[dict[str, Any]]:
        token = None
        while True:
            page = self._call(operation, **params, **({"NextToken": token} if token else {}))
            yield from page[key]
            token = page.get("NextToken")
            if not token:
                return

    def groups(self) -> list[dict[str, Any]]:
        return [
            self._row(g) for g in self._pages("describe_auto_scaling_groups", "AutoScalingGroups")
        ]

    def _described(self, group: str) -> dict[str, Any]:
        found = self._call("describe_auto_scaling_groups", AutoScalingGroupNames=[group])
        if not found["AutoScalingGroups"]:
            raise Refused("ValidationError", f"AutoScalingGroup name not found - {group}")
        return dict(found["AutoScalingGroups"][0])

    def group(self, group: str) -> dict[str, Any]:
        return self.state(group)[0]

    def state(self, group: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        g = self._described(group)
        groups = [arn.split(":")[-1].split("/")[1] for arn in g.get("TargetGroupARNs", [])]
        row = {**self._row(g), "balancers": [*g.get("LoadBalancerNames", []), *groups]}
        return row, [self._member(i) for i in g["Instances"]]

    @staticmethod
    def _row(g: dict[str, Any]) -> dict[str, Any]:
        return _group_row(
            g["AutoScalingGroupName"],
            g["AutoScalingGroupARN"],
            g["MinSize"],
            g["DesiredCapacity"],
            g["MaxSize"],
            _counted([i["LifecycleState"] for i in g["Instances"]]),
            g.get("Status", "InService"),
        )

    @staticmethod
    def _member(i: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": i["InstanceId"],
            "state": i["LifecycleState"],
            "health": i["HealthStatus"],
            "zone": i["AvailabilityZone"],
            "type": i.get("InstanceType", ""),
            "protected": i["ProtectedFromScaleIn"],
        }

    def instances(self, group: str) -> list[dict[str, Any]]:
        return [self._member(i) for i in self._described(group)["Instances"]]

    def activities(self, group: str | None, ids: list[str] | None = None) -> list[dict[str, Any]]:
        params: dict[str, Any] = {}
        if group is not None:
            params["AutoScalingGroupName"] = group
        if ids:
            params["ActivityIds"] = ids
        found = self._call("describe_scaling_activities", **params)["Activities"]
        return [
            _activity_row(
                a["ActivityId"],
                a["AutoScalingGroupName"],
                a["StatusCode"],
                a.get("Progress", 0),
                a.get("StartTime"),
                a.get("EndTime"),
                a.get("Description", ""),
                a.get("StatusMessage", ""),
                a.get("Cause", ""),
            )
            for a in found
        ]

    def take_out(
        self, group: str, ids: list[str], decrement: bool, policy: str | None = None
    ) -> list[str]:
        """AWS has no remove policy: a detached instance always keeps running."""
        answer = self._call(
            "detach_instances",
            AutoScalingGroupName=group,
            InstanceIds=ids,
            ShouldDecrementDesiredCapacity=decrement,
        )
        return [a["ActivityId"] for a in answer["Activities"]]

    def set_desired(self, group: str, desired: int) -> None:
        self._call("set_desired_capacity", AutoScalingGroupName=group, DesiredCapacity=desired)

    def standby(
        self, group: str, ids: list[str], enter: bool, decrement: bool = False
    ) -> list[str]:
        if enter:
            answer = self._call(
                "enter_standby",
                AutoScalingGroupName=group,
                InstanceIds=ids,
                ShouldDecrementDesiredCapacity=decrement,
            )
        else:
            answer = self._call("exit_standby", AutoScalingGroupName=group, InstanceIds=ids)
        return [a["ActivityId"] for a in answer["Activities"]]

    def protect(self, group: str, ids: list[str], protected: bool) -> None:
        self._call(
            "set_instance_protection",
            AutoScalingGroupName=group,
            InstanceIds=ids,
            ProtectedFromScaleIn=protected,
        )


class Ess:
    """Alibaba Cloud Auto Scaling, API 2014-08-28, signed as the legacy SDK signs."""

    done = ESS_DONE

    def __init__(self, target: Target) -> None:
        self.target = target

    def call(self, action: str, **params: Any) -> Any:
        query = {
            "Action": action,
            "Version": "2014-08-28",
            "Format": "JSON",
            "RegionId": self.target.region,
            "AccessKeyId": self.target.key,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureVersion": "1.0",
            "SignatureNonce": uuid.uuid4().hex,
            "Timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            **{k: str(v) for k, v in params.items()},
        }
        query["Signature"] = rpc_signature("GET", query, self.target.secret)
        address = self.target.endpoint.rstrip("/") + "/?" + urllib.parse.urlencode(query)
        try:
            with urllib.request.urlopen(address, timeout=60) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as error:
            body = json.loads(error.read() or b"{}")
            raise Refused(body.get("Code", str(error.code)), body.get("Message", "")) from None

    def _group_id(self, group: str) -> str:
        """A group named by id or by name, as a person would type either."""
        if group.startswith("asg-"):
            return group
        found = self.call("DescribeScalingGroups", ScalingGroupName=group)
        listed = found["ScalingGroups"]["ScalingGroup"]
        if not listed:
            raise Refused("InvalidScalingGroupId.NotFound", f"No scaling group named {group}.")
        return str(listed[0]["ScalingGroupId"])

    def _pages(self, action: str, key: str, item: str, **params: Any) -> Iterator[dict[str, Any]]:
        number = 1
        while True:
            page = self.call(action, PageNumber=number, PageSize=50, **params)
            rows = page[key][item]
            yield from rows
            if number * 50 >= page["TotalCount"] or not rows:
                return
            number += 1

    def group(self, group: str) -> dict[str, Any]:
        found = self.call("DescribeScalingGroups", ScalingGroupId=self._group_id(group))
        listed = found["ScalingGroups"]["ScalingGroup"]
        if not listed:
            raise Refused("InvalidScalingGroupId.NotFound", f"No scaling group {group}.")
        g = listed[0]
        return {
            **self._row(g),
            "balancers": [
                *_listed(g.get("LoadBalancerIds"), "LoadBalancerId"),
                *(f"{d} (whitelist)" for d in _listed(g.get("DBInstanceIds"), "DBInstanceId")),
            ],
        }

    def state(self, group: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        return self.group(group), self.instances(group)

    @staticmethod
    def _row(g: dict[str, Any]) -> dict[str, Any]:
        return _group_row(
            g["ScalingGroupName"],
            g["ScalingGroupId"],
            g["MinSize"],
            g.get("DesiredCapacity", g.get("TotalCapacity", 0)),
            g["MaxSize"],
            {
                "in_service": g.get("ActiveCapacity", 0),
                "pending": g.get("PendingCapacity", 0),
                "leaving": g.get("RemovingCapacity", 0),
                "standby": g.get("StandbyCapacity", 0),
            },
            g["LifecycleState"],
        )

    def groups(self) -> list[dict[str, Any]]:
        return [
            self._row(g)
            for g in self._pages("DescribeScalingGroups", "ScalingGroups", "ScalingGroup")
        ]

    def instances(self, group: str) -> list[dict[str, Any]]:
        found = self._pages(
            "DescribeScalingInstances",
            "ScalingInstances",
            "ScalingInstance",
            ScalingGroupId=self._group_id(group),
        )
        return [
            {
                "id": i["InstanceId"],
                "state": i["LifecycleState"],
                "health": i["HealthStatus"],
                "zone": i.get("ZoneId", ""),
                "type": i.get("InstanceType", ""),
                "protected": i["LifecycleState"] == "Protected",
            }
            for i in found
        ]

    def activities(self, group: str | None, ids: list[str] | None = None) -> list[dict[str, Any]]:
        params: dict[str, Any] = {}
        if group is not None:
            params["ScalingGroupId"] = self._group_id(group)
        for n, activity in enumerate(ids or [], start=1):
            params[f"ScalingActivityId.{n}"] = activity
        found = self.call("DescribeScalingActivities", PageSize=50, **params)
        return [
            _activity_row(
                a["ScalingActivityId"],
                a["ScalingGroupId"],
                a["StatusCode"],
                a.get("Progress", 0),
                a.get("StartTime"),
                a.get("EndTime"),
                a.get("Description", ""),
                a.get("StatusMessage", ""),
                a.get("Cause", ""),
            )
            for a in found["ScalingActivities"]["ScalingActivity"]
        ]

    def take_out(
        self, group: str, ids: list[str], decrement: bool, policy: str | None = None
    ) -> list[str]:
        params = {f"InstanceId.{n}": i for n, i in enumerate(ids, start=1)}
        if policy:
            params["RemovePolicy"] = policy
        answer = self.call(
            "RemoveInstances",
            ScalingGroupId=self._group_id(group),
            DecreaseDesiredCapacity=str(decrement).lower(),
            **params,
        )
        return [str(answer["ScalingActivityId"])]

    def set_desired(self, group: str, desired: int) -> None:
        self.call(
            "ModifyScalingGroup", ScalingGroupId=self._group_id(group), DesiredCapacity=desired
        )

    def standby(
        self, group: str, ids: list[str], enter: bool, decrement: bool = False
    ) -> list[str]:
        """ESS takes no decrement choice: standby always leaves the desired capacity as it is."""
        params = {f"InstanceId.{n}": i for n, i in enumerate(ids, start=1)}
        action = "EnterStandby" if enter else "ExitStandby"
        answer = self.call(action, ScalingGroupId=self._group_id(group), **params)
        return [str(answer["ScalingActivityId"])] if answer.get("ScalingActivityId") else []

    def protect(self, group: str, ids: list[str], protected: bool) -> None:
        params = {f"InstanceId.{n}": i for n, i in enumerate(ids, start=1)}
        self.call(
            "SetInstancesProtection",
            ScalingGroupId=self._group_id(group),
            ProtectedFromScaleIn=str(protected).lower(),
            **params,
        )


def rpc_signature(method: str, query: dict[str, str], secret: str) -> str:
    """Alibaba Cloud's RPC signature v1: HMAC-SHA1 over the sorted, percent-encoded query."""

    def pct(value: str) -> str:
        return urllib.parse.quote(value, safe="-_.~")

    canonical = "&".join(f"{pct(k)}={pct(v)}" for k, v in sorted(query.items()))
    to_sign = f"{method}&{pct('/')}&{pct(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def _listed(value: Any, item: str) -> list[str]:
    """A 2014-08-28 list as it comes, wrapped ({"LoadBalancerId": [...]}) or not."""
    if isinstance(value, dict):
        value = value.get(item, [])
    return [str(v) for v in value or ()]


def _counted(states: list[str]) -> dict[str, int]:
    """AWS's lifecycle states, counted as the group table shows them."""
    return {
        "in_service": states.count("InService"),
        "pending": sum(1 for s in states if s.startswith("Pending")),
        "leaving": sum(1 for s in states if s.startswith(("Terminating", "Detaching"))),
        "standby": sum(1 for s in states if "Standby" in s),
    }


def _group_row(
    name: str, ident: str, low: int, desired: int, high: int, counts: dict[str, int], status: str
) -> dict[str, Any]:
    return {
        "name": name,
        "id": ident,
        "min": low,
        "desired": desired,
        "max": high,
        **counts,
        "status": status,
    }


def _activity_row(
    ident: str,
    group: str,
    status: str,
    progress: int,
    started: Any,
    ended: Any,
    description: str,
    message: str,
    cause: str = "",
) -> dict[str, Any]:
    return {
        "id": ident,
        "group": group,
        "status": status,
        "progress": progress,
        "started": None if started is None else str(started),
        "ended": None if ended is None else str(ended),
        "description": description,
        "message": message,
        "cause": cause,
    }
