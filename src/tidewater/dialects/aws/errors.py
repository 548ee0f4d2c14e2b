"""Errors a dialect raises in its own cloud's words, beside the engine's neutral refusals."""

from __future__ import annotations


class AwsError(Exception):
    """An AWS error code and message decided at the edge (EC2 codes, protocol faults)."""

    def __init__(self, code: str, message: str, status: int = 400, *, sender: bool = True) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.sender = sender
