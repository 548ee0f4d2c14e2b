"""The two ESS API versions the service speaks."""

from __future__ import annotations

from typing import Final

V2014: Final = "2014-08-28"
V2022: Final = "2022-02-22"
VERSIONS: Final = (V2014, V2022)
