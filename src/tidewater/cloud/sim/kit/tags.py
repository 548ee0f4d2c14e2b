"""Tags: each cloud's rules for keys and values, and the machines' tags as the sim keeps them."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from sqlalchemy import Connection, select

from tidewater.cloud.sim.kit.faults import AliyunFault, AwsFault
from tidewater.store.tables import machine_tags

ALIYUN_TAG_LIMIT = 20  # Tag.N runs from 1 to 20
_ALIYUN_TAG = re.compile(r"Tag\.([0-9]{1,6})\.(Key|Value|key|value)")


def machine_tags_of(conn: Connection, ids: Sequence[str]) -> dict[str, dict[str, str]]:
    """Each machine's tags, keys in order, in one query."""
    tags: dict[str, dict[str, str]] = {}
    if not ids:
        return tags
    rows = conn.execute(
        select(machine_tags)
        .where(machine_tags.c.machine_id.in_(list(ids)))
        .order_by(machine_tags.c.machine_id, machine_tags.c.key)
    )
    for row in rows:
        tags.setdefault(row.machine_id, {})[row.key] = row.value
    return tags


# -- AWS: Tags lists of {Key, Value} -------------------------------------------------------------


def aws_tags(tags: Iterable[Mapping[str, object]]) -> dict[str, str]:
    """A Tags list as a dict, refused as EC2 refuses a key or value it cannot take."""
    result = {str(t.get("Key") or ""): str(t.get("Value") or "") for t in tags}
    for key, value in result.items():
        if not key:
            raise AwsFault("MissingParameter", "The request must contain the parameter Tag.Key")
        if key.lower().startswith("aws:"):
            raise AwsFault(
                "InvalidParameterValue",
                "Tag keys starting with 'aws:' are reserved for internal use",
            )
        if len(key) > 128:
            raise AwsFault(
                "InvalidParameterValue",
                f"Tag key exceeds the maximum length of 128 characters: {key}",
            )
        if len(value) > 256:
            raise AwsFault(
                "InvalidParameterValue",
                f"Tag value exceeds the maximum length of 256 characters: {value}",
            )
    return result


# -- Alibaba: Tag.N.Key / Tag.N.Value ------------------------------------------------------------


def aliyun_pairs(params: Mapping[str, str], *, lower_case: bool) -> list[tuple[str, str | None]]:
    """Tag.N.Key/Tag.N.Value, N from 1 to 20; describes also take the old Tag.N.key/value."""
    found: dict[int, dict[str, str]] = {}
    for key, value in params.items():
        match = _ALIYUN_TAG.fullmatch(key)
        if not match or (match.group(2).islower() and not lower_case):
            continue
        number = int(match.group(1))
        if not 1 <= number <= ALIYUN_TAG_LIMIT:
            raise AliyunFault(
                "InvalidTagCount", "The specified tags are beyond the permitted range."
            )
        item = found.setdefault(number, {})
        member = match.group(2).capitalize()
        if match.group(2)[0].isupper() or member not in item:
            item[member] = value
    pairs: list[tuple[str, str | None]] = []
    for number in sorted(found):
        item = found[number]
        tag_key = item.get("Key")
        if tag_key is None:
            raise AliyunFault(
                "InvalidTag.Mismatch", "The specified Tag.n.Key and Tag.n.Value are not match."
            )
        pairs.append((tag_key, item.get("Value")))
    return pairs


def aliyun_launch_tags(params: Mapping[str, str]) -> dict[str, str]:
    """Tags bound on creation: keys 1-128 characters, never acs:/aliyun, never a URL."""
    tags: dict[str, str] = {}
    for key, value in aliyun_pairs(params, lower_case=False):
        if (
            not key
            or len(key) > 128
            or key.startswith(("acs:", "aliyun"))
            or "http://" in key
            or "https://" in key
        ):
            raise AliyunFault("InvalidTagKey.Malformed", "The specified Tag.n.Key is not valid.")
        value = value or ""
        if (
            len(value) > 128
            or value.startswith("acs:")
            or "http://" in value
            or "https://" in value
        ):
            raise AliyunFault(
                "InvalidTagValue.Malformed", "The specified Tag.n.Value is not valid."
            )
        if key in tags:
            raise AliyunFault("Duplicate.TagKey", "The Tag.N.Key contain duplicate key.")
        tags[key] = value
    return tags
