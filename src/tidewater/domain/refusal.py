"""Why the engine said no, in neutral words that each dialect renders in its own cloud's text."""

from __future__ import annotations

from typing import Any


class Refusal(Exception):
    """A request the rules forbid; carries a reason key and the facts a dialect needs to word it."""

    def __init__(self, reason: str, **facts: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.facts = facts

    def __repr__(self) -> str:
        return f"Refusal({self.reason!r}, {self.facts!r})"


class Contention(Refusal):
    """Another change held what this one needed for longer than the bounded wait; retry."""
