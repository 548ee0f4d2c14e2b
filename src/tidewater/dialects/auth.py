"""The one way a signature check says no, whichever cloud's scheme refused the request."""

from __future__ import annotations


class AuthFailure(Exception):
    """A refused signature, carrying what the cloud would answer so the front door renders it
    as-is in that cloud's envelope."""

    code: str
    status: int
    message: str

    def __init__(self, code: str, status: int, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.status = status
        self.message = message
