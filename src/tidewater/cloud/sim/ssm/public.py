"""AWS's public parameters that name images, resolved to the simulated catalogue's images.

Read-only and the same in every region, as on AWS. Only names whose image (and architecture) the
catalogue holds are served: Amazon Linux 2023 in both architectures, the others in x86_64.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from tidewater.cloud.sim.images import CATALOGUE
from tidewater.domain.scope import Cloud

_IMAGE_NAMES: Final[Mapping[str, str]] = {
    # documented in the EC2 User Guide ("Reference AMIs with Systems Manager parameters")
    "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64": "al2023-ami-2023.",
    "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-x86_64": "al2023-ami-2023.",
    "/aws/service/ami-amazon-linux-latest/al2023-ami-minimal-kernel-default-x86_64": (
        "al2023-ami-2023."
    ),
    "/aws/service/ami-amazon-linux-latest/amzn2-ami-hvm-x86_64-gp2": "amzn2-ami-hvm-",
    "/aws/service/ami-amazon-linux-latest/amzn2-ami-kernel-5.10-hvm-x86_64-gp2": "amzn2-ami-hvm-",
    "/aws/service/canonical/ubuntu/server/22.04/stable/current/amd64/hvm/ebs-gp2/ami-id": (
        "ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64"
    ),
    "/aws/service/debian/release/12/latest/amd64": "debian-12-amd64-",
    "/aws/service/ami-windows-latest/Windows_Server-2022-English-Full-Base": (
        "Windows_Server-2022-English-Full-Base"
    ),
    "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64": "al2023-ami-2023.",
    "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-arm64": "al2023-ami-2023.",
    "/aws/service/ami-amazon-linux-latest/al2023-ami-minimal-kernel-default-arm64": (
        "al2023-ami-2023."
    ),
}


def _resolve() -> dict[str, str]:
    images = sorted(CATALOGUE[Cloud.AWS].values(), key=lambda image: image.creation_date)
    found: dict[str, str] = {}
    for name, prefix in _IMAGE_NAMES.items():
        matching = [
            image
            for image in images
            if image.name.startswith(prefix) and image.architecture == _architecture(name)
        ]
        if matching:
            found[name] = matching[-1].id  # the newest: what "latest" means
    return found


def _architecture(name: str) -> str:
    """The architecture a parameter's name ends with; x86_64 where it names none."""
    return "arm64" if name.endswith("-arm64") else "x86_64"


PUBLIC: Final[Mapping[str, str]] = _resolve()
CREATED: Final[Mapping[str, str]] = {
    name: CATALOGUE[Cloud.AWS][image].creation_date for name, image in PUBLIC.items()
}
