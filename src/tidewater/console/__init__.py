"""The web console: both clouds' scaling groups, live, through the same signed APIs any SDK uses."""

from tidewater.console.pages import Console

__all__ = ["Console"]
