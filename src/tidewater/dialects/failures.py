"""How an activity that failed or was given up reads: the engine stores neutral facts
(`facts["failure"]`: a reason and what the words need), the dialects word them here.

Rows stored before the facts existed keep their `status_message`, which wins. Both clouds show
EC2's launch texts today; a cloud with its own words would get a table of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

LAUNCH_FAILED = "Launching EC2 instance failed."
TEMPLATE_MISSING = (
    "The specified launch template does not exist or its version could not be found. "
    + LAUNCH_FAILED
)

WORDS: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "group.deleting": lambda f: "The group is being deleted.",
    "capacity.unchanged": lambda f: "The group could not change its capacity.",
    # inferred: ESS rejects a scaling activity a suspended process holds back; no text known
    "process.suspended": lambda f: f"The {f['process']} process of the scaling group is suspended.",
    "launch_configuration.not_found": lambda f: (
        f"Launch configuration {f['name']} not found. {LAUNCH_FAILED}"
    ),
    "template.not_found": lambda f: TEMPLATE_MISSING,
    "template.version_not_found": lambda f: TEMPLATE_MISSING,
    "image.not_found": lambda f: (
        f"The image id '[{f['image_id']}]' does not exist. {LAUNCH_FAILED}"
    ),
    # EC2's own text, as AWS shows it in a failed launch activity's status message
    "instances.limit": lambda f: (
        f"You have requested more instances ({f['requested']}) than your current instance "
        f"limit of {f['limit']} allows for the specified instance type. Please visit "
        "http://aws.amazon.com/contact-us/ec2-request to request an adjustment to this limit. "
        + LAUNCH_FAILED
    ),
    "instance.not_running": lambda f: f"Instance failed to reach running state. {LAUNCH_FAILED}",
    "instances.none_removed": lambda f: "No instance was removed.",
    # AWS's text for a launch completed with ABANDON; after a timeout the tail is chosen
    "hook.abandoned": lambda f: (
        "Instance failed to complete user's Lifecycle Action: Lifecycle Action with token "
        f"{f['token']} was abandoned: "
        + (
            "Lifecycle Action Timed Out with ABANDON Result"
            if f.get("timed_out")
            else "Lifecycle Action Completed with ABANDON Result"
        )
    ),
}


def status_message(stored: str | None, facts: Mapping[str, Any] | None) -> str | None:
    """The activity's status message: the text stored by an earlier version, else its failure's."""
    failure = (facts or {}).get("failure")
    if stored or not failure:
        return stored
    word = WORDS.get(failure["reason"])
    # any other refusal of a launch source reads as its reason
    return word(failure) if word else f"{failure['reason']}. {LAUNCH_FAILED}"
