"""Launch sources as values: read back from the JSON rows store, compared by reference and age."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tidewater.domain.launch import (
    Blueprint,
    LaunchConfiguration,
    ScalingConfiguration,
    TemplateVersion,
    ref_of,
    source_of,
    version_ok,
)


@pytest.mark.parametrize(
    ("stored", "ref"),
    [
        ({"kind": "configuration", "name": "web"}, "lc:web"),
        ({"kind": "template", "id": "lt-1", "name": None, "version": "3"}, "lt:lt-1:3"),
        ({"kind": "template", "id": None, "name": "t", "version": "$Latest"}, "lt:t:$Latest"),
        ({"kind": "scaling_configuration", "id": "asc-1"}, "sc:asc-1"),
    ],
)
def test_a_stored_source_reads_back_as_the_value_that_stores_it(
    stored: dict[str, Any], ref: str
) -> None:
    source = source_of(stored)
    assert source is not None
    assert source.stored() == stored
    assert ref_of(source) == ref


def test_attached_instances_and_groups_without_a_source_have_none() -> None:
    assert source_of({}) is None
    assert source_of(None) is None
    assert ref_of(None) == ""


def test_a_template_versions_age_is_its_number_and_a_moving_version_has_none() -> None:
    assert TemplateVersion("lt-1", None, "12").age() == 12.0
    assert TemplateVersion("lt-1", None, "$Default").age() is None
    assert TemplateVersion("lt-1", None, None).age() is None


def test_sources_compare_by_what_they_name() -> None:
    assert source_of({"kind": "configuration", "name": "a"}) == LaunchConfiguration("a")
    assert ScalingConfiguration("asc-1") != ScalingConfiguration("asc-2")


def test_a_blueprint_is_stored_as_neutral_json_and_read_back() -> None:
    blueprint = Blueprint("img", "ecs.g6.large", "kp", ("sg-1", "sg-2"), 7)
    assert Blueprint.of(blueprint.stored()) == blueprint
    assert Blueprint.of({"image_id": "ami-1", "instance_type": "t3.micro"}) == Blueprint(
        "ami-1", "t3.micro"
    )


@given(st.one_of(st.none(), st.text(max_size=12), st.integers(0, 10**12).map(str)))
def test_a_version_is_readable_exactly_when_aws_reads_it(version: str | None) -> None:
    readable = version in (None, "$Default", "$Latest") or (
        version is not None and re.fullmatch(r"[0-9]+", version) is not None
    )
    assert version_ok(version) is readable
