"""Where a group's instances come from: a launch source, and what it makes, in neutral words.

Group and member rows store a source as JSON (`stored()`); `source_of` reads it back once. The
dialects translate their wire names (ImageId, KeyPairName, SecurityGroupId, LoadBalancerWeight…)
into a `Blueprint` when a source is created; the engine reads only these.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Blueprint:
    """What a launch configuration or a scaling configuration launches."""

    image_id: str
    instance_type: str
    key_name: str | None = None
    security_groups: tuple[str, ...] = ()
    weight: int | None = None  # an SLB backend's weight for its instances (ESS)
    # what the machine itself carries ({"ebs_optimized": True, "monitoring": True}): shown
    # when its instance is described
    machine: Mapping[str, Any] = field(default_factory=dict)

    def stored(self) -> dict[str, Any]:
        return {
            "image_id": self.image_id,
            "instance_type": self.instance_type,
            "key_name": self.key_name,
            "security_groups": list(self.security_groups),
            "weight": self.weight,
            "machine": dict(self.machine),
        }

    @staticmethod
    def of(stored: dict[str, Any]) -> Blueprint:
        return Blueprint(
            image_id=stored["image_id"],
            instance_type=stored["instance_type"],
            key_name=stored.get("key_name"),
            security_groups=tuple(stored.get("security_groups") or ()),
            weight=stored.get("weight"),
            machine=stored.get("machine") or {},
        )


@dataclass(frozen=True, slots=True)
class LaunchConfiguration:
    """AWS's legacy source, by name; its age is its creation time."""

    name: str

    @property
    def ref(self) -> str:
        return f"lc:{self.name}"

    def stored(self) -> dict[str, Any]:
        return {"kind": "configuration", "name": self.name}


@dataclass(frozen=True, slots=True)
class TemplateVersion:
    """A launch template (by id or name) at a version; its age is the version number."""

    id: str | None
    name: str | None
    version: str | None

    @property
    def ref(self) -> str:
        return f"lt:{self.id or self.name}:{self.version}"

    def stored(self) -> dict[str, Any]:
        return {"kind": "template", "id": self.id, "name": self.name, "version": self.version}

    def age(self) -> float | None:
        """A numbered version's number; `$Latest`/`$Default` say nothing of age."""
        return float(self.version) if self.version and self.version.isdigit() else None


# A group's stored launch source may list instance types to launch instead of the source's
# own, most preferred first (AWS's mixed instances policy overrides, `prioritized`)
TYPES = "types"


# ...and how many capacity units an instance of each of those types counts for (WeightedCapacity)
WEIGHTS = "weights"


# ...and the template an override names for its type, launched instead of the group's
TYPE_SOURCES = "type_sources"


def preferred_type(stored: dict[str, Any] | None) -> str | None:
    """The instance type a group's launches take over its source's, if it names any."""
    types = (stored or {}).get(TYPES) or []
    return str(types[0]) if types else None


def launched_source(stored: dict[str, Any] | None) -> dict[str, Any] | None:
    """The source a group's launches use: its preferred type's own template, else its own."""
    preferred = preferred_type(stored)
    own = ((stored or {}).get(TYPE_SOURCES) or {}).get(preferred) if preferred else None
    return own or stored


def version_ok(version: str | None) -> bool:
    """A launch template version as AWS takes it: `$Default`, `$Latest`, a number, or none."""
    if version is None or version in ("$Default", "$Latest"):
        return True
    return version.isascii() and version.isdigit()  # "²" and "١" are digits to str.isdigit


@dataclass(frozen=True, slots=True)
class ScalingConfiguration:
    """One of an ESS group's sources, by id; its age is its creation order."""

    id: str

    @property
    def ref(self) -> str:
        return f"sc:{self.id}"

    def stored(self) -> dict[str, Any]:
        return {"kind": "scaling_configuration", "id": self.id}


LaunchSource = LaunchConfiguration | TemplateVersion | ScalingConfiguration


def source_of(stored: dict[str, Any] | None) -> LaunchSource | None:
    """The source a row stores; None for an attached instance or a group without one yet."""
    if not stored:
        return None
    kind = stored.get("kind")
    if kind == "configuration":
        return LaunchConfiguration(stored["name"])
    if kind == "template":
        return TemplateVersion(stored.get("id"), stored.get("name"), stored.get("version"))
    if kind == "scaling_configuration":
        return ScalingConfiguration(stored["id"])
    return None


def ref_of(source: LaunchSource | None) -> str:
    """A comparable reference: one per configuration, template version, scaling configuration."""
    return source.ref if source is not None else ""
