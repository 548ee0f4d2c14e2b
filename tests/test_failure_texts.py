"""Failed activities store neutral facts; each cloud's StatusMessage reads as it always has."""

from __future__ import annotations

from typing import Any

import pytest

from tidewater.dialects.failures import status_message

LAUNCH_FAILED = "Launching EC2 instance failed."


@pytest.mark.parametrize(
    ("failure", "text"),
    [
        ({"reason": "group.deleting"}, "The group is being deleted."),
        ({"reason": "capacity.unchanged"}, "The group could not change its capacity."),
        (
            {"reason": "launch_configuration.not_found", "name": "lc-1"},
            f"Launch configuration lc-1 not found. {LAUNCH_FAILED}",
        ),
        (
            {"reason": "template.not_found", "template_id": None, "name": "t"},
            "The specified launch template does not exist or its version could not be found. "
            + LAUNCH_FAILED,
        ),
        (
            {"reason": "template.version_not_found", "template_id": "lt-1", "version": "7"},
            "The specified launch template does not exist or its version could not be found. "
            + LAUNCH_FAILED,
        ),
        (
            {"reason": "image.not_found", "image_id": "ami-12345678"},
            f"The image id '[ami-12345678]' does not exist. {LAUNCH_FAILED}",
        ),
        (
            {"reason": "instances.limit", "requested": 6, "limit": 5},
            "You have requested more instances (6) than your current instance limit of 5 allows "
            "for the specified instance type. Please visit http://aws.amazon.com/contact-us/"
            f"ec2-request to request an adjustment to this limit. {LAUNCH_FAILED}",
        ),
        (
            {"reason": "instance.not_running"},
            f"Instance failed to reach running state. {LAUNCH_FAILED}",
        ),
        (
            {"reason": "scaling_configuration.not_found", "id": "asc-1"},
            f"scaling_configuration.not_found. {LAUNCH_FAILED}",
        ),
    ],
)
def test_a_failure_reads_as_the_text_stored_before_it(failure: dict[str, Any], text: str) -> None:
    assert status_message(None, {"trigger": "capacity", "failure": failure}) == text


def test_a_row_stored_with_its_text_keeps_it() -> None:
    assert status_message("Launch configuration x not found.", {}) == (
        "Launch configuration x not found."
    )
    assert status_message(None, {"trigger": "capacity"}) is None
    assert status_message(None, None) is None
