"""A small catalogue of real ECS instance types, so unknown types fail as they do on ECS.

Shapes (vCPUs, GiB) are the published ones; network figures follow each family's published
per-size steps closely enough for scripts that read them, not for capacity planning.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class EcsType:
    id: str  # ecs.g6.large
    cpus: int
    memory_gib: float
    level: str  # InstanceFamilyLevel: EntryLevel | EnterpriseLevel | CreditEntryLevel
    category: str  # InstanceCategory as DescribeInstanceTypes words it
    processor: str
    base_ghz: float
    turbo_ghz: float
    enis: int
    ips_per_eni: int
    bandwidth_kbps: int
    pps: int
    baseline_credit: int | None = None  # burstable types only: credits earned per hour
    initial_credit: int | None = None

    @property
    def family(self) -> str:
        """ecs.g6.large belongs to ecs.g6, ecs.t5-lc1m1.small to ecs.t5."""
        return family_of(self.id)

    @property
    def memory_mib(self) -> int:
        return int(self.memory_gib * 1024)

    @property
    def burstable(self) -> bool:
        return self.level == "CreditEntryLevel"


def family_of(instance_type: str) -> str:
    prefix, _, _ = instance_type.rpartition(".")
    head, dot, tail = prefix.partition(".")
    if not dot:
        return prefix
    return f"{head}.{tail.split('-', 1)[0]}"


CASCADE_LAKE = "Intel Xeon(Cascade Lake) Platinum 8269CY"
ICE_LAKE = "Intel Xeon(Ice Lake) Platinum 8369B"
SKYLAKE = "Intel Xeon(Skylake) Platinum 8163"
BROADWELL = "Intel Xeon E5-2682v4 (Broadwell)"

# size: (vCPUs, ENIs, IPs per ENI, bandwidth kbit/s, packets per second)
_SIZES: dict[str, tuple[int, int, int, int, int]] = {
    "large": (2, 2, 6, 1_024_000, 300_000),
    "xlarge": (4, 3, 10, 1_536_000, 500_000),
    "2xlarge": (8, 4, 10, 2_560_000, 800_000),
    "4xlarge": (16, 8, 20, 5_120_000, 1_000_000),
}


def _enterprise(
    family: str,
    memory_per_cpu: int,
    sizes: tuple[str, ...],
    category: str,
    processor: str,
    base: float,
    turbo: float,
) -> tuple[EcsType, ...]:
    """One enterprise family: every size keeps the family's memory-to-vCPU ratio."""
    out = []
    for size in sizes:
        cpus, enis, ips, bandwidth, pps = _SIZES[size]
        out.append(
            EcsType(
                f"ecs.{family}.{size}",
                cpus,
                float(cpus * memory_per_cpu),
                "EnterpriseLevel",
                category,
                processor,
                base,
                turbo,
                enis,
                ips,
                bandwidth,
                pps,
            )
        )
    return tuple(out)


def _small(
    type_id: str,
    cpus: int,
    gib: float,
    level: str,
    category: str,
    processor: str,
    ghz: float,
    credits: tuple[int, int] | None = None,
) -> EcsType:
    """Entry-level and burstable types: one or two ENIs and a modest network."""
    return EcsType(
        type_id,
        cpus,
        gib,
        level,
        category,
        processor,
        ghz,
        ghz,
        2 if cpus > 1 else 1,
        2 if cpus > 1 else 1,
        cpus * 102_400 if credits else cpus * 512_000,
        cpus * 50_000 if credits else cpus * 100_000,
        credits[0] if credits else None,
        credits[1] if credits else None,
    )


TYPES: tuple[EcsType, ...] = (
    _small("ecs.t5-lc1m1.small", 1, 1.0, "CreditEntryLevel", "Shared", SKYLAKE, 2.5, (6, 30)),
    _small("ecs.t5-lc1m2.small", 1, 2.0, "CreditEntryLevel", "Shared", SKYLAKE, 2.5, (6, 30)),
    _small("ecs.t5-c1m1.large", 2, 2.0, "CreditEntryLevel", "Shared", SKYLAKE, 2.5, (18, 60)),
    _small("ecs.t6-c1m1.large", 2, 2.0, "CreditEntryLevel", "Shared", CASCADE_LAKE, 2.5, (12, 60)),
    _small("ecs.t6-c1m2.large", 2, 4.0, "CreditEntryLevel", "Shared", CASCADE_LAKE, 2.5, (12, 60)),
    _small("ecs.t6-c1m4.large", 2, 8.0, "CreditEntryLevel", "Shared", CASCADE_LAKE, 2.5, (12, 60)),
    _small("ecs.n4.small", 1, 2.0, "EntryLevel", "Shared", BROADWELL, 2.5),
    _small("ecs.n4.large", 2, 4.0, "EntryLevel", "Shared", BROADWELL, 2.5),
    _small("ecs.s6-c1m1.small", 1, 1.0, "EntryLevel", "Shared", CASCADE_LAKE, 2.5),
    _small("ecs.s6-c1m2.large", 2, 4.0, "EntryLevel", "Shared", CASCADE_LAKE, 2.5),
    _small("ecs.u1-c1m1.large", 2, 2.0, "EnterpriseLevel", "General-purpose", CASCADE_LAKE, 2.5),
    _small("ecs.u1-c1m2.large", 2, 4.0, "EnterpriseLevel", "General-purpose", CASCADE_LAKE, 2.5),
    _small("ecs.u1-c1m4.large", 2, 8.0, "EnterpriseLevel", "General-purpose", CASCADE_LAKE, 2.5),
    _small("ecs.u1-c1m2.xlarge", 4, 8.0, "EnterpriseLevel", "General-purpose", CASCADE_LAKE, 2.5),
    *_enterprise("g5", 4, ("large", "xlarge"), "General-purpose", SKYLAKE, 2.5, 2.7),
    *_enterprise(
        "g6",
        4,
        ("large", "xlarge", "2xlarge", "4xlarge"),
        "General-purpose",
        CASCADE_LAKE,
        2.5,
        3.2,
    ),
    *_enterprise("g7", 4, ("large", "xlarge", "2xlarge"), "General-purpose", ICE_LAKE, 2.7, 3.5),
    *_enterprise(
        "c6", 2, ("large", "xlarge", "2xlarge"), "Compute-optimized", CASCADE_LAKE, 2.5, 3.2
    ),
    *_enterprise("c7", 2, ("large", "xlarge", "2xlarge"), "Compute-optimized", ICE_LAKE, 2.7, 3.5),
    *_enterprise(
        "r6", 8, ("large", "xlarge", "2xlarge"), "Memory-optimized", CASCADE_LAKE, 2.5, 3.2
    ),
    *_enterprise("r7", 8, ("large", "xlarge"), "Memory-optimized", ICE_LAKE, 2.7, 3.5),
)

CATALOGUE: dict[str, EcsType] = {t.id: t for t in TYPES}


def ecs_type(instance_type: str) -> EcsType | None:
    return CATALOGUE.get(instance_type)
