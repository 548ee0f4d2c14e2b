"""Errors the Alibaba Cloud dialect raises in Alibaba's own words."""

from __future__ import annotations


class AliyunError(Exception):
    """An Alibaba Cloud error code, message and HTTP status, rendered by the wire envelope."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status
