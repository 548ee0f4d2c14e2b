"""How each kind of traffic target holds an instance: data per kind, not branches in the steps."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Holding:
    """What a kind of target does with weights, and with an instance that rests (standby)."""

    weighted: bool = False  # backends carry a weight: the launch source's, else the target's
    # An instance entering standby stays a backend at this weight (None: it leaves the target);
    # leaving standby, it gets back the launch source's weight, else the target's, else `weight`.
    resting_weight: int | None = None
    weight: int = 50


PLAIN = Holding()
# ESS standby keeps an SLB backend at weight 0; balancers and whitelists not listed are plain.
HOLDINGS = {"slb": Holding(weighted=True, resting_weight=0)}


def holding(kind: str) -> Holding:
    return HOLDINGS.get(kind, PLAIN)
