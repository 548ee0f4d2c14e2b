"""The simulated products' front doors: each action straight to the sim, its fault re-worded.

EC2, ELB, ELBv2, ECS, SLB and RDS decide nothing at the edge: a sim fault becomes the cloud's
error with the same code, text and status, and a call that may have changed an instance or a
balancer under a scaling group wakes the engine so it looks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar

from tidewater.cloud.sim.kit.faults import SimFault
from tidewater.domain.scope import Scope

_Params = TypeVar("_Params")
_Result = TypeVar("_Result")


def front_door(
    operations: Mapping[str, Callable[[Scope, _Params], _Result]],
    fault: type[SimFault],
    error: Callable[[str, str, int], Exception],
    wake: Callable[[], None] | None = None,
    wakes_on: frozenset[str] = frozenset(),
) -> dict[str, Callable[[Scope, _Params], _Result]]:
    """One handler per action; those in `wakes_on` wake the engine after they succeed."""

    def handler(
        operation: Callable[[Scope, _Params], _Result], wakes: bool
    ) -> Callable[[Scope, _Params], _Result]:
        def handle(scope: Scope, params: _Params) -> _Result:
            try:
                result = operation(scope, params)
            except fault as refused:
                raise error(refused.code, refused.message, refused.status) from None
            if wakes and wake is not None:
                wake()
            return result

        return handle

    return {action: handler(op, action in wakes_on) for action, op in operations.items()}
