"""The timestamp texts Alibaba products answer with (UTC, `Z`)."""

from __future__ import annotations

from datetime import datetime


def minute(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%MZ")


def second(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
