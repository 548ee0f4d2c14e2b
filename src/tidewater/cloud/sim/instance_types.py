"""A small catalogue of common EC2 instance types, so unknown types fail as they do on AWS."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class InstanceKind:
    name: str
    vcpus: int
    memory_mib: int
    threads_per_core: int
    manufacturer: str  # "Intel" or "AMD"
    clock_ghz: float | None
    network: str  # EC2's NetworkPerformance wording
    max_interfaces: int
    ipv4_per_interface: int
    hypervisor: str  # "xen" or "nitro"
    current: bool = True
    burstable: bool = False
    free_tier: bool = False

    @property
    def cores(self) -> int:
        """EC2 reports cores, not vCPUs, as what a CPU-options request may change."""
        return max(1, self.vcpus // self.threads_per_core)


# size, vCPUs, MiB, network interfaces, IPv4 addresses per interface
_Size = tuple[str, int, int, int, int]

_T_SIZES: tuple[_Size, ...] = (
    ("nano", 2, 512, 2, 2),
    ("micro", 2, 1024, 2, 2),
    ("small", 2, 2048, 3, 4),
    ("medium", 2, 4096, 3, 6),
    ("large", 2, 8192, 3, 12),
    ("xlarge", 4, 16384, 4, 15),
    ("2xlarge", 8, 32768, 4, 15),
)
_T2_SIZES: tuple[_Size, ...] = (
    ("nano", 1, 512, 2, 2),
    ("micro", 1, 1024, 2, 2),
    ("small", 1, 2048, 3, 4),
    ("medium", 2, 4096, 3, 6),
    ("large", 2, 8192, 3, 12),
    ("xlarge", 4, 16384, 3, 15),
    ("2xlarge", 8, 32768, 3, 15),
)
_GENERAL: tuple[_Size, ...] = (
    ("large", 2, 8192, 3, 10),
    ("xlarge", 4, 16384, 4, 15),
    ("2xlarge", 8, 32768, 4, 15),
    ("4xlarge", 16, 65536, 8, 30),
)
_COMPUTE: tuple[_Size, ...] = (
    ("large", 2, 4096, 3, 10),
    ("xlarge", 4, 8192, 4, 15),
    ("2xlarge", 8, 16384, 4, 15),
)
_MEMORY: tuple[_Size, ...] = (
    ("large", 2, 16384, 3, 10),
    ("xlarge", 4, 32768, 4, 15),
    ("2xlarge", 8, 65536, 4, 15),
)


def _family(
    family: str,
    sizes: tuple[_Size, ...],
    *,
    threads: int,
    maker: str,
    ghz: float,
    network: str,
    hypervisor: str = "nitro",
    burstable: bool = False,
) -> tuple[InstanceKind, ...]:
    """One family's sizes share everything but their shape, so they are written once."""
    return tuple(
        InstanceKind(
            name=f"{family}.{size}",
            vcpus=vcpus,
            memory_mib=mib,
            threads_per_core=threads,
            manufacturer=maker,
            clock_ghz=ghz,
            network=network,
            max_interfaces=enis,
            ipv4_per_interface=ips,
            hypervisor=hypervisor,
            burstable=burstable,
            free_tier=f"{family}.{size}" in ("t2.micro", "t3.micro"),
        )
        for size, vcpus, mib, enis, ips in sizes
    )


KINDS: tuple[InstanceKind, ...] = (
    InstanceKind("m1.small", 1, 1740, 1, "Intel", None, "Low", 2, 4, "xen", current=False),
    *_family(
        "t2",
        _T2_SIZES,
        threads=1,
        maker="Intel",
        ghz=3.3,
        network="Low to Moderate",
        hypervisor="xen",
        burstable=True,
    ),
    *_family(
        "t3", _T_SIZES, threads=2, maker="Intel", ghz=3.1, network="Up to 5 Gigabit", burstable=True
    ),
    *_family(
        "t3a",
        _T_SIZES[1:5],
        threads=2,
        maker="AMD",
        ghz=2.2,
        network="Up to 5 Gigabit",
        burstable=True,
    ),
    *_family("m5", _GENERAL, threads=2, maker="Intel", ghz=3.1, network="Up to 10 Gigabit"),
    *_family("m6i", _GENERAL[:3], threads=2, maker="Intel", ghz=3.5, network="Up to 12.5 Gigabit"),
    *_family("c5", _COMPUTE, threads=2, maker="Intel", ghz=3.4, network="Up to 10 Gigabit"),
    *_family("c6i", _COMPUTE[:2], threads=2, maker="Intel", ghz=3.5, network="Up to 12.5 Gigabit"),
    *_family("r5", _MEMORY, threads=2, maker="Intel", ghz=3.1, network="Up to 10 Gigabit"),
)

CATALOGUE: dict[str, InstanceKind] = {kind.name: kind for kind in KINDS}


def instance_kind(name: str) -> InstanceKind | None:
    return CATALOGUE.get(name)
