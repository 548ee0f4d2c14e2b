"""The shape every AWS product handler has, so the server can dispatch to any of them alike."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from typing import Protocol as TypingProtocol

from tidewater.domain.scope import Scope

Handler = Callable[[Scope, dict[str, Any]], Mapping[str, Any] | None]


class AwsService(TypingProtocol):
    """One AWS product: its signing name, its wire model and a handler per action."""

    # read-only members, so a service may hold a plain dict of its handlers
    @property
    def signing_name(self) -> str: ...

    @property
    def handlers(self) -> Mapping[str, Handler]: ...
