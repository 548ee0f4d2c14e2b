"""A small built-in image catalogue, so unknown images fail as they do on the real clouds, and
the images an operator seeds beside it (`tidewater serve --images FILE`)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from tidewater.domain.scope import Cloud, Scope


@dataclass(frozen=True, slots=True)
class Image:
    id: str
    name: str
    description: str
    platform: str  # "Linux/UNIX" or "Windows"
    architecture: str
    owner: str
    creation_date: str
    public: bool = True
    regions: frozenset[str] = frozenset()  # where it is seen; empty: every region
    root_device_name: str = "/dev/xvda"
    virtualization_type: str = "hvm"
    block_devices: tuple[Mapping[str, Any], ...] = ()  # empty: one root volume
    tags: tuple[tuple[str, str], ...] = ()
    state: str = "available"  # or pending, deregistered: an account's own images

    def seen_in(self, region: str) -> bool:
        return not self.regions or region in self.regions


AWS_IMAGES: tuple[Image, ...] = (
    Image(
        "ami-0c02fb55956c7d316",
        "amzn2-ami-hvm-2.0.20220606.1-x86_64-gp2",
        "Amazon Linux 2 AMI 2.0.20220606.1 x86_64 HVM gp2",
        "Linux/UNIX",
        "x86_64",
        "137112412989",
        "2022-06-09T18:57:19.000Z",
    ),
    Image(
        "ami-0230bd60aa48260c6",
        "al2023-ami-2023.2.20231113.0-kernel-6.1-x86_64",
        "Amazon Linux 2023 AMI 2023.2.20231113.0 x86_64 HVM kernel-6.1",
        "Linux/UNIX",
        "x86_64",
        "137112412989",
        "2023-11-13T19:26:42.000Z",
    ),
    Image(
        "ami-0f403e3180720dd7e",
        "al2023-ami-2023.2.20231113.0-kernel-6.1-arm64",
        "Amazon Linux 2023 AMI 2023.2.20231113.0 arm64 HVM kernel-6.1",
        "Linux/UNIX",
        "arm64",
        "137112412989",
        "2023-11-13T19:26:40.000Z",
    ),
    Image(
        "ami-0fc5d935ebf8bc3bc",
        "ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-20230919",
        "Canonical, Ubuntu, 22.04 LTS, amd64 jammy image build on 2023-09-19",
        "Linux/UNIX",
        "x86_64",
        "099720109477",
        "2023-09-19T23:37:05.000Z",
    ),
    Image(
        "ami-0b0dcb5067f052a63",
        "debian-12-amd64-20231013-1532",
        "Debian 12 (20231013-1532)",
        "Linux/UNIX",
        "x86_64",
        "136693071363",
        "2023-10-13T15:33:41.000Z",
    ),
    Image(
        "ami-0be0e902919675894",
        "Windows_Server-2022-English-Full-Base-2023.10.11",
        "Microsoft Windows Server 2022 Full Locale English AMI provided by Amazon",
        "Windows",
        "x86_64",
        "801119661308",
        "2023-10-11T19:53:03.000Z",
    ),
)

ALIYUN_IMAGES: tuple[Image, ...] = (
    Image(
        "aliyun_3_x64_20G_alibase_20230727.vhd",
        "aliyun_3_x64_20G_alibase_20230727.vhd",
        "Alibaba Cloud Linux 3.2104 LTS 64 bit",
        "Aliyun",
        "x86_64",
        "system",
        "2023-07-27T06:13:12Z",
    ),
    Image(
        "centos_7_9_x64_20G_alibase_20230718.vhd",
        "centos_7_9_x64_20G_alibase_20230718.vhd",
        "CentOS 7.9 64 bit",
        "CentOS",
        "x86_64",
        "system",
        "2023-07-18T06:13:12Z",
    ),
    Image(
        "ubuntu_22_04_x64_20G_alibase_20230907.vhd",
        "ubuntu_22_04_x64_20G_alibase_20230907.vhd",
        "Ubuntu 22.04 64 bit",
        "Ubuntu",
        "x86_64",
        "system",
        "2023-09-07T06:13:12Z",
    ),
    Image(
        "debian_12_2_x64_20G_alibase_20231012.vhd",
        "debian_12_2_x64_20G_alibase_20231012.vhd",
        "Debian 12.2 64 bit",
        "Debian",
        "x86_64",
        "system",
        "2023-10-12T06:13:12Z",
    ),
)

CATALOGUE: dict[Cloud, dict[str, Image]] = {
    Cloud.AWS: {image.id: image for image in AWS_IMAGES},
    Cloud.ALIYUN: {image.id: image for image in ALIYUN_IMAGES},
}


def image_exists(cloud: Cloud, image_id: str) -> bool:
    return image_id in CATALOGUE[cloud]


class ImageCatalogue:
    """The built-in images and an operator's seeded ones: fixed for the life of the process."""

    def __init__(self, seeded: Iterable[tuple[Cloud, Image]] = ()) -> None:
        self._images: dict[Cloud, dict[str, Image]] = {c: dict(i) for c, i in CATALOGUE.items()}
        for cloud, image in seeded:
            self._images[cloud][image.id] = image

    def find(self, scope: Scope, image_id: str) -> Image | None:
        image = self._images[scope.cloud].get(image_id)
        return image if image is not None and image.seen_in(scope.region) else None

    def listed(self, scope: Scope) -> list[Image]:
        return [i for i in self._images[scope.cloud].values() if i.seen_in(scope.region)]


def stored_image(row: Any, account: str, now: datetime) -> Image:
    """An account's own image from its row; pending until its time comes."""
    state = row.state
    if state == "available" and row.ready_at > now:
        state = "pending"
    return Image(
        id=row.id,
        name=row.name,
        description=row.description,
        platform=row.platform,
        architecture=row.architecture,
        owner=account,
        creation_date=row.created_at.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        public=False,
        root_device_name=row.root_device_name,
        virtualization_type=row.virtualization_type,
        block_devices=tuple(row.block_devices or ()),
        tags=tuple((t["Key"], t["Value"]) for t in row.tags or ()),
        state=state,
    )


SEED_CLOUDS = {"aws": Cloud.AWS, "aliyun": Cloud.ALIYUN}
SEED_DATE = "2024-01-01T00:00:00.000Z"  # when a seeded image without one was made


class SeedError(ValueError):
    """An image seed file the server cannot start with."""


def load_seed(path: Path, aws_account: str) -> list[tuple[Cloud, Image]]:
    """A JSON list of images: id and name required; the rest defaults to a public x86_64 Linux
    image of the configured AWS account (Alibaba: `system`) in every region."""
    try:
        entries = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise SeedError(f"cannot read images from {path}: {error}") from None
    if not isinstance(entries, list):
        raise SeedError(f"{path}: expected a JSON list of images")
    return [_seeded(entry, aws_account, path) for entry in entries]


def _seeded(entry: Any, aws_account: str, path: Path) -> tuple[Cloud, Image]:
    if not isinstance(entry, dict) or not entry.get("id") or not entry.get("name"):
        raise SeedError(f"{path}: every image needs an id and a name: {entry!r}")
    image_id = str(entry["id"])
    default_cloud = "aws" if image_id.startswith("ami-") else "aliyun"
    cloud = SEED_CLOUDS.get(str(entry.get("cloud", default_cloud)))
    if cloud is None:
        raise SeedError(f"{path}: cloud must be aws or aliyun: {entry!r}")
    regions = entry.get("regions") or ([entry["region"]] if entry.get("region") else [])
    platform = str(entry.get("platform", "Linux/UNIX" if cloud is Cloud.AWS else "Linux"))
    if cloud is Cloud.AWS:  # EC2 knows two: Windows, and everything else
        platform = "Windows" if platform.lower() == "windows" else "Linux/UNIX"
    image = Image(
        id=image_id,
        name=str(entry["name"]),
        description=str(entry.get("description", entry["name"])),
        platform=platform,
        architecture=str(entry.get("architecture", "x86_64")),
        owner=str(entry.get("owner", aws_account if cloud is Cloud.AWS else "system")),
        creation_date=str(entry.get("creation_date", SEED_DATE)),
        public=bool(entry.get("public", True)),
        regions=frozenset(str(r) for r in regions),
    )
    return cloud, image
