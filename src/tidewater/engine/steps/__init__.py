"""Activities advance one idempotent step at a time: a crash anywhere resumes, never repeats.

`paths.PATHS` is every path an activity walks; `STEPS` names the function each step runs.
"""

from __future__ import annotations

from tidewater.engine.steps.launch import boot, launch
from tidewater.engine.steps.leave import end, gone, halt, halted, release, rest
from tidewater.engine.steps.machinery import Step, close_parent, finish, move, record
from tidewater.engine.steps.paths import PATHS
from tidewater.engine.steps.traffic import deregister, drain, register
from tidewater.engine.steps.wait import wait
from tidewater.engine.steps.warm import wake, warmed, warming

STEPS: dict[str, Step] = {
    "launch": launch,
    "wait": wait,
    "boot": boot,
    "deregister": deregister,
    "drain": drain,
    "release": release,
    "terminate": end,
    "gone": gone,
    "rest": rest,
    "register": register,
    "halt": halt,
    "halted": halted,
    "warming": warming,
    "warmed": warmed,
    "wake": wake,
}

__all__ = ["PATHS", "STEPS", "Step", "close_parent", "finish", "move", "record"]
