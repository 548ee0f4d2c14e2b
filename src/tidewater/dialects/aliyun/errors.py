"""Errors the Alibaba Cloud dialect raises in Alibaba's own words."""

from __future__ import annotations


class AliyunError(Exception):
    """An Alibaba Cloud error code, message and HTTP status, rendered by the wire envelope."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status


# Alibaba's words when the service cannot take a request now; the gate answers a request it has
# no room for in the same words, for both clouds (server/limits.py).
UNAVAILABLE_CODE = "ServiceUnavailable"
UNAVAILABLE_TEXT = "The request has failed due to a temporary failure of the server."


def unavailable() -> AliyunError:
    return AliyunError(UNAVAILABLE_CODE, UNAVAILABLE_TEXT, 503)
