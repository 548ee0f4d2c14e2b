"""ESS's refusals of malformed requests, in the documented texts (see the package docstring)."""

from __future__ import annotations

from tidewater.dialects.aliyun.errors import AliyunError


def missing_parameter(name: str) -> AliyunError:
    """400 MissingParameter in the documented form (quoted name)."""
    return AliyunError(
        "MissingParameter",
        f'The input parameter "{name}" that is mandatory for processing this request is not '
        "supplied.",
        400,
    )


def invalid_parameter(name: str) -> AliyunError:
    """400 InvalidParameter in ESS's quoted form (CreateScalingGroup ScalingPolicy row)."""
    return AliyunError(
        "InvalidParameter", f'The specified value of parameter "{name}" is not valid.', 400
    )


def conflict(action: str, first: str, second: str) -> AliyunError:
    """400 InvalidParameter.Conflict; ModifyScalingGroup's documented text spells confilict."""
    word = "confilict" if action == "ModifyScalingGroup" else "conflict"
    return AliyunError(
        "InvalidParameter.Conflict",
        f"The value of parameter {first} and parameter {second} are {word}.",
        400,
    )


def unknown_action() -> AliyunError:
    return AliyunError(
        "InvalidAction.NotFound",
        "Specified api is not found, please check your url and method.",
        404,
    )


def no_such_version() -> AliyunError:
    return AliyunError("NoSuchVersion", "The specified version does not exist.", 400)
