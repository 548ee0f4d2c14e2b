"""What every simulated action checks before it runs: input no store can keep is refused."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from tidewater.domain.scope import Scope
from tidewater.domain.text import unstorable

_Service = TypeVar("_Service")
_Params = TypeVar("_Params")
_Result = TypeVar("_Result")
_Method = Callable[[_Service, Scope, _Params], _Result]


def guarded(
    check: Callable[[Any], None],
) -> Callable[[_Method[_Service, _Params, _Result]], _Method[_Service, _Params, _Result]]:
    """A decorator marking a service's actions: `check` sees the whole input first."""

    def decorate(
        method: _Method[_Service, _Params, _Result],
    ) -> _Method[_Service, _Params, _Result]:
        @functools.wraps(method)
        def checked(self: _Service, scope: Scope, params: _Params) -> _Result:
            check(params)
            return method(self, scope, params)

        return checked

    return decorate


def refuse_nul(value: Any, fault: Callable[[], Exception]) -> None:
    """PostgreSQL text cannot hold NUL, so no parsed AWS input carrying one may reach a query."""
    if isinstance(value, str):
        if "\x00" in value:
            raise fault()
    elif isinstance(value, Mapping):
        for item in value.values():
            refuse_nul(item, fault)
    elif isinstance(value, list | tuple):
        for item in value:
            refuse_nul(item, fault)


def refuse_unstorable(params: Mapping[str, str], fault: Callable[[str], Exception]) -> None:
    """RPC parameters with NUL or lone surrogates are refused, naming the first such one."""
    bad = unstorable(params)
    if bad is not None:
        raise fault(bad)
