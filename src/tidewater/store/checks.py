"""What every check of a database at rest shares, so the engine and the cloud report alike."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, select

from tidewater.domain.activity import TERMINAL
from tidewater.store.tables import activities

TERMINAL_VALUES = [s.value for s in TERMINAL]


@dataclass(frozen=True, slots=True)
class Violation:
    rule: str
    subject: str
    detail: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.subject}: {self.detail}"


def settled(instance_id: ColumnElement[str]) -> ColumnElement[bool]:
    """No unfinished activity is moving this instance (one uncorrelated list, not a probe a row)."""
    moving = select(activities.c.instance_id).where(
        activities.c.instance_id.is_not(None), activities.c.status.not_in(TERMINAL_VALUES)
    )
    return instance_id.not_in(moving)
