"""How one cloud names what the engine records: each dialect hands down its own profile."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from tidewater.domain.scope import Scope


class Record(StrEnum):
    """The engine's records that carry a cloud-made id or ARN."""

    GROUP = "group"
    ACTIVITY = "activity"
    LAUNCH_CONFIGURATION = "launch_configuration"
    SCALING_CONFIGURATION = "scaling_configuration"
    SCALING_RULE = "scaling_rule"
    INSTANCE_REFRESH = "instance_refresh"
    LIFECYCLE_ACTION = "lifecycle_action"  # the token that names one hook's wait on an instance
    LIFECYCLE_HOOK = "lifecycle_hook"  # ESS names its hooks by an id of their own


NewId = Callable[[], str]
NewArn = Callable[[Scope, str, str], str]  # (scope, id, name) -> ARN


@dataclass(frozen=True, slots=True)
class Profile:
    """Ids, ARNs and the group tag as one cloud spells them; the engine only stores them."""

    group_tag: str  # the machine tag that names an instance's group
    group_key: Literal["name", "id"]  # what requests and that tag call a group by
    ids: Mapping[Record, NewId]
    arns: Mapping[Record, NewArn]

    def new_id(self, record: Record) -> str:
        return self.ids[record]()

    def names(self, record: Record) -> bool:
        """Whether this cloud gives such records an id of its own."""
        return record in self.ids

    def arn(self, record: Record, scope: Scope, record_id: str, name: str) -> str:
        return self.arns[record](scope, record_id, name)

    def key_of(self, group_id: str, name: str) -> str:
        """What requests call a group by."""
        return name if self.group_key == "name" else group_id

    def group_tag_value(self, group_id: str, name: str) -> str:
        return self.key_of(group_id, name)
