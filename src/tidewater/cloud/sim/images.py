"""A small built-in image catalogue, so unknown images fail as they do on the real clouds."""

from __future__ import annotations

from dataclasses import dataclass

from tidewater.domain.scope import Cloud


@dataclass(frozen=True, slots=True)
class Image:
    id: str
    name: str
    description: str
    platform: str  # "Linux/UNIX" or "Windows"
    architecture: str
    owner: str
    creation_date: str


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
