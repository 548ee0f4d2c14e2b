"""Proves the model-driven codec is byte-compatible with botocore's own serializer and parsers."""

from __future__ import annotations

import re
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest
from botocore.model import OperationModel, Shape
from botocore.parsers import create_parser
from botocore.serialize import create_serializer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import SHARED
from tidewater.dialects.aws.protocol import (
    EXTRA_MINIMUMS,
    ParamError,
    Protocol,
    _compile_pattern,
)

SERVICES = ("autoscaling", "elb", "elbv2", "ec2")
VECTORS = SHARED / "reference" / "vectors" / "aws-xml"
XML_STRING = r"[\u0020-\uD7FF\uE000-\uFFFD\uD800\uDC00-\uDBFF\uDFFF\r\n\t]*"
INT_BOUNDS = {"integer": (-(2**31), 2**31 - 1), "long": (-(2**63), 2**63 - 1)}


def fuzz(examples: int) -> settings:
    """No example database: the suite must not leave files behind."""
    return settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


# Hand-picked values for every non-trivial pattern in the four models (checked below).
PATTERN_SAMPLES = {
    r"[a-zA-Z0-9\.\*\-]+": "m5.*",
    r"[\u0009\u000A\u000D\u0020-\u007e]+": "abc def",
    r"[A-Za-z0-9\-_\/]+": "abc/def_1",
    r"^ami-[a-z0-9]{1,17}$": "ami-0abc123",
    r"[a-zA-Z0-9\(\)\.\-/_]+": "abc(1).x",
    r"^[a-zA-Z0-9.]+$": "abc.1",
    r"^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$": "héllo wörld_1:/=+-@",
    r"^(ipv4pool-coip-)[a-zA-Z0-9]+$": "ipv4pool-coip-abc1",
    r"^(2|4|5)\d\d$": "404",
    r"^(ipam-pool-)[a-zA-Z0-9]+$": "ipam-pool-abc1",
    r"^[a-zA-Z0-9._]+$": "abc_1.x",
    r"^(HTTPS?|#\{protocol\})$": "HTTPS",
    r"^([a-zA-Z0-9]+-)*[a-zA-Z0-9]+$": "abc-def",
    r"[0-9]{12}": "123456789012",
    r"\d{12}": "123456789012",
    r"[a-z]{2}-[a-z]+-[1-9]+": "us-east-1",
    r"[a-zA-Z0-9][a-zA-Z0-9_\-]{0,63}": "abc_1-x",
    r"fcapassoc-[a-f0-9]{17}": "fcapassoc-0123456789abcdef0",
    r"fcap-[a-f0-9]{17}": "fcap-0123456789abcdef0",
    r"^([0-9]{1,3}.){3}[0-9]{1,3}$": "10.0.0.1",
    r"^arn:aws([a-z-]+)?:outposts:[a-z\d-]+:\d{12}:outpost/op-[a-f0-9]{17}$": (
        "arn:aws:outposts:us-east-1:123456789012:outpost/op-0123456789abcdef0"
    ),
    r"^arn:aws([a-z-]+)?:ec2:[a-z\d-]+:\d{12}:placement-group/^.{1,255}$": (
        "arn:aws:ec2:us-east-1:123456789012:placement-group/pg"
    ),
    r"^(?=.{20,2048}$)arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[a-zA-Z0-9/_+=.@-]+": (
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:abc"
    ),
    XML_STRING: "v",
}
SKIPPED_PATTERNS = {r"^arn:aws([a-z-]+)?:ec2:[a-z\d-]+:\d{12}:placement-group/^.{1,255}$"}


@cache
def proto(service: str) -> Protocol:
    """One codec per service, as the server holds them."""
    return Protocol(service)


def op_model(service: str, action: str) -> OperationModel:
    return proto(service)._model.operation_model(action)


def all_ops() -> list[tuple[str, str]]:
    return [(s, op) for s in SERVICES for op in proto(s)._model.operation_names]


def jlen(s: str) -> int:
    return len(s.encode("utf-16-le")) // 2


def wire(service: str, action: str, params: dict[str, Any]) -> dict[str, str]:
    """Encode params exactly as boto3 does, then form-decode them as the server will."""
    om = op_model(service, action)
    ser = create_serializer(om.metadata["protocol"], include_validation=False)
    body = ser.serialize_to_request(params, om)["body"]
    pairs = parse_qsl(urlencode(body), keep_blank_values=True)
    out = dict(pairs)
    out.pop("Action")
    out.pop("Version")
    return out


def botocore_parse(service: str, action: str, body: bytes, status: int = 200) -> dict[str, Any]:
    om = op_model(service, action)
    parser = create_parser(om.metadata["protocol"])
    return dict(parser.parse({"body": body, "headers": {}, "status_code": status}, om.output_shape))


def without_metadata(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if k != "ResponseMetadata"}


# --------------------------------------------------------------------------------------------
# Deterministic full examples: every member of every reachable shape, valid per the model.


def sample_string(shape: Shape) -> str:
    meta = shape.metadata
    if meta.get("enum"):
        return str(meta["enum"][-1])
    lo, hi = meta.get("min", 0), meta.get("max", 10**6)
    pattern = meta.get("pattern")
    value = PATTERN_SAMPLES[pattern] if pattern else "v \u00e9\U0001f600&<x>"
    if pattern == XML_STRING or not pattern:
        value = value if lo <= jlen(value) <= hi else "v" * max(lo, 1)
    assert lo <= jlen(value) <= hi, (shape.name, value)
    return value


def example(shape: Shape, depth: int = 0, seen: set[str] | None = None) -> Any:
    """A valid, fully populated value whose wire form is non-empty."""
    if seen is not None:
        seen.add(shape.name)
    t = shape.type_name
    meta = shape.metadata
    if t == "structure":
        return {n: example(ms, depth + 1, seen) for n, ms in shape.members.items()}
    if t == "list":
        n = max(meta.get("min", 0), 1 if depth > 4 else 2)
        n = min(n, meta.get("max", n))
        return [example(shape.member, depth + 1, seen) for _ in range(n)]
    if t == "map":
        return {
            example(shape.key, depth + 1, seen): example(shape.value, depth + 1, seen),
        }
    if t in ("string", "character"):
        return sample_string(shape)
    if t in ("integer", "long"):
        return int(meta.get("min", meta.get("max", 7)))
    if t in ("float", "double"):
        return float(meta.get("min", 2.5))
    if t == "boolean":
        return True
    if t == "timestamp":
        return datetime(2030, 1, 2, 3, 4, 5, 123000, tzinfo=UTC)
    if t == "blob":
        return b"\x00blob\xff"
    raise AssertionError(t)


def reachable(shape: Shape | None, acc: set[str]) -> None:
    if shape is None or shape.name in acc:
        return
    acc.add(shape.name)
    if shape.type_name == "structure":
        for ms in shape.members.values():
            reachable(ms, acc)
    elif shape.type_name == "list":
        reachable(shape.member, acc)
    elif shape.type_name == "map":
        reachable(shape.key, acc)
        reachable(shape.value, acc)


# --------------------------------------------------------------------------------------------
# Hypothesis strategies generated from the model


XML_ALPHABET = st.characters(
    blacklist_categories=("Cs",),
    blacklist_characters="".join(chr(c) for c in range(0x20) if c not in (9, 10, 13))
    + "\ufffe\uffff",
)
PCLASS_ALPHABET = st.one_of(
    st.characters(whitelist_categories=("L", "Z", "N")), st.sampled_from("_.:/=+-@")
)


CLASS_PATTERN = re.compile(r"\^?(\[[^\]]+\])([*+])\$?")


def string_strategy(shape: Shape, for_output: bool) -> st.SearchStrategy[str]:
    meta = shape.metadata
    if for_output:
        # Outputs carry whatever the domain stored, including characters XML cannot hold.
        return st.text(
            alphabet=st.one_of(
                st.characters(), st.sampled_from("\x00\x01\r\n\t&<>\"'\ud800\udfff\ufffe]]>")
            ),
            max_size=12,
        )
    if meta.get("enum"):
        return st.sampled_from(list(meta["enum"]))
    lo, hi = meta.get("min", 0), meta.get("max")
    pattern = meta.get("pattern")
    cap = min(hi, lo + 12) if hi is not None else lo + 12
    # Narrow length windows use the BMP only, where Java's length equals Python's.
    narrow = hi is not None and hi - lo < 4
    any_char = st.characters(blacklist_categories=("Cs",), max_codepoint=0xFFFF if narrow else None)
    cls = CLASS_PATTERN.fullmatch(pattern or "")
    if not pattern or pattern in SKIPPED_PATTERNS:
        base = st.text(alphabet=any_char, min_size=lo, max_size=cap)
    elif pattern == XML_STRING:
        alphabet = XML_ALPHABET.filter(lambda c: not narrow or ord(c) <= 0xFFFF)
        base = st.text(alphabet=alphabet, min_size=lo, max_size=cap)
    elif "\\p{" in pattern:
        base = st.text(alphabet=PCLASS_ALPHABET, min_size=max(lo, 1), max_size=max(cap, 1))
    elif cls is not None:
        one = st.from_regex(re.compile(cls.group(1), re.ASCII), fullmatch=True)
        base = st.text(alphabet=one, min_size=max(lo, cls.group(2) == "+"), max_size=max(cap, 1))
    else:
        base = st.from_regex(re.compile(pattern, re.ASCII), fullmatch=True)
    return base.filter(lambda s: lo <= jlen(s) <= (hi if hi is not None else 10**9))


_strategies: dict[tuple[str, str, int, bool], st.SearchStrategy[Any] | None] = {}


def strategy(
    shape: Shape, depth: int, for_output: bool, service: str
) -> st.SearchStrategy[Any] | None:
    """Values valid for the model; None when no value of the shape can reach the wire.

    Shape names repeat across services with different constraints, so the cache keys both.
    """
    key = (service, shape.name, depth, for_output)
    if key in _strategies:
        return _strategies[key]
    ec2 = service == "ec2"
    t = shape.type_name
    meta = shape.metadata
    s: st.SearchStrategy[Any] | None
    if t == "structure":
        members = shape.members
        required = set(shape.required_members) if not for_output else set()
        subs = {n: strategy(ms, depth + 1, for_output, service) for n, ms in members.items()}
        req = {n: subs[n] for n in members if n in required}
        deep = depth >= (3 if for_output else 4)
        opt = {} if deep else {n: v for n, v in subs.items() if n not in required and v is not None}
        if any(v is None for v in req.values()):
            s = None
        elif for_output or depth == 0 or req:
            s = st.fixed_dictionaries(req, optional=opt)  # type: ignore[arg-type]
        else:
            # A nested structure with nothing set never reaches the wire: force one member.
            pick = opt or {n: v for n, v in list(subs.items())[:3] if v is not None}
            if not pick:
                s = None
            else:
                s = st.one_of(
                    [
                        st.fixed_dictionaries(
                            {n: v}, optional={m: w for m, w in opt.items() if m != n}
                        )
                        for n, v in list(pick.items())[:4]
                    ]
                )
    elif t == "list":
        lo, hi = meta.get("min", 0), meta.get("max", 3)
        if not for_output and ec2:
            lo = max(lo, 1)  # the ec2 serializer drops empty lists entirely
        item = strategy(shape.member, depth + 1, for_output, service)
        if item is None:
            s = None if lo else st.just([])
        else:
            s = st.lists(item, min_size=lo, max_size=max(lo, min(hi, 3 if depth < 3 else 1)))
    elif t == "map":
        k = strategy(shape.key, depth + 1, for_output, service)
        v = strategy(shape.value, depth + 1, for_output, service)
        if k is None or v is None:
            s = None
        else:
            # The query serializer drops empty maps, so inputs carry at least one entry.
            s = st.dictionaries(k, v, min_size=0 if for_output else 1, max_size=2)
    elif t in ("string", "character"):
        s = string_strategy(shape, for_output)
    elif t in ("integer", "long"):
        tlo, thi = INT_BOUNDS[t]
        if not for_output:  # inputs obey the constraints the service adds to the model
            tlo = max(tlo, EXTRA_MINIMUMS.get((service, shape.name), tlo))
        s = st.integers(max(meta.get("min", tlo), tlo), min(meta.get("max", thi), thi))
    elif t in ("float", "double"):
        s = st.floats(meta.get("min"), meta.get("max"), allow_nan=False)
    elif t == "boolean":
        s = st.booleans()
    elif t == "timestamp":
        s = st.datetimes(datetime(1900, 1, 1), datetime(2200, 1, 1)).map(
            lambda d: d.replace(
                microsecond=d.microsecond // 1000 * 1000 if for_output else d.microsecond,
                tzinfo=UTC,
            )
        )
    elif t == "blob":
        s = st.binary(max_size=16)
    else:
        raise AssertionError(t)
    _strategies[key] = s
    return s


_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def expected_output(shape: Shape, value: Any) -> Any:
    """What botocore must read back: invalid XML characters dropped, nothing else changed."""
    t = shape.type_name
    if t == "structure":
        return {
            n: expected_output(shape.members[n], v)
            for n, v in value.items()
            if v is not None and n in shape.members
        }
    if t == "list":
        return [expected_output(shape.member, v) for v in value]
    if t == "map":
        return {
            expected_output(shape.key, k): expected_output(shape.value, v) for k, v in value.items()
        }
    if t in ("string", "character"):
        return _XML_INVALID.sub("", value)
    return value


# --------------------------------------------------------------------------------------------
# (0) the model, the patterns and the interface


def test_protocol_identity() -> None:
    assert (proto("autoscaling").protocol, proto("autoscaling").api_version) == (
        "query",
        "2011-01-01",
    )
    assert proto("elb").api_version == "2012-06-01"
    assert proto("elbv2").api_version == "2015-12-01"
    assert (proto("ec2").protocol, proto("ec2").api_version) == ("ec2", "2016-11-15")
    assert proto("autoscaling").xml_namespace == "http://autoscaling.amazonaws.com/doc/2011-01-01/"
    assert proto("ec2").xml_namespace == "http://ec2.amazonaws.com/doc/2016-11-15/"
    assert Protocol("autoscaling", "2011-01-01").has("DetachInstances")
    assert proto("autoscaling").has("DetachInstances")
    assert not proto("autoscaling").has("RunInstances")
    assert proto("ec2").has("RunInstances")
    with pytest.raises(ValueError):
        Protocol("sqs")


def test_every_model_pattern_has_a_sample_and_translates() -> None:
    seen = set()
    for service in SERVICES:
        for shape_name in proto(service)._model.shape_names:
            pattern = proto(service)._model.shape_for(shape_name).metadata.get("pattern")
            if pattern:
                seen.add(pattern)
    assert seen <= set(PATTERN_SAMPLES), seen - set(PATTERN_SAMPLES)
    for pattern in seen:
        check = _compile_pattern(pattern)
        if pattern in SKIPPED_PATTERNS:
            assert check is None
            continue
        assert check is not None, pattern
        assert check(PATTERN_SAMPLES[pattern]), pattern


def test_xml_string_pattern_means_valid_xml_characters() -> None:
    check = _compile_pattern(XML_STRING)
    assert check is not None
    assert check("") and check("tab\tnl\ncr\r ok é \U0001f600 \ud7ff \ue000 \ufffd")
    for bad in ("\x00", "a\x01", "\x1f", "\ufffe", "\uffff", "lone \ud800", "\udc00"):
        assert not check(bad), repr(bad)
    pclass = _compile_pattern(r"^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$")
    assert pclass is not None and pclass("a b_1") and not pclass("a!b") and not pclass("x\ty")


# --------------------------------------------------------------------------------------------
# (1) requests: botocore's serializer -> our parse


def test_detach_instances_wire_sample() -> None:
    body = (
        "InstanceIds.member.1=i-93633f9b&InstanceIds.member.2=i-0123456789abcdef0"
        "&AutoScalingGroupName=my+asg%2F%C3%BC%26%3D%2B&ShouldDecrementDesiredCapacity=true"
        "&Action=DetachInstances&Version=2011-01-01&X-Amz-Date=20261122T015528Z"
    )
    parsed = proto("autoscaling").parse("DetachInstances", dict(parse_qsl(body)))
    assert parsed == {
        "InstanceIds": ["i-93633f9b", "i-0123456789abcdef0"],
        "AutoScalingGroupName": "my asg/ü&=+",
        "ShouldDecrementDesiredCapacity": True,
    }


def test_empty_list_and_nested_lists() -> None:
    p = proto("autoscaling")
    got = p.parse(
        "DescribeAutoScalingGroups",
        {
            "AutoScalingGroupNames": "",
            "Filters.member.1.Name": "tag:env",
            "Filters.member.1.Values.member.2": "dev",
            "Filters.member.1.Values.member.1": "prod",
            "MaxRecords": "10",
            "Unknown.member.1": "x",
            "Filters.member.1.Bogus": "x",
        },
    )
    assert got == {
        "AutoScalingGroupNames": [],
        "Filters": [{"Name": "tag:env", "Values": ["prod", "dev"]}],
        "MaxRecords": 10,
    }
    # Holes keep index order; member.0, non-numeric and leading-zero indices are ignored.
    got = p.parse(
        "DetachInstances",
        {
            "AutoScalingGroupName": "g",
            "ShouldDecrementDesiredCapacity": "false",
            "InstanceIds.member.7": "i-7",
            "InstanceIds.member.3": "i-3",
            "InstanceIds.member.0": "i-0",
            "InstanceIds.member.x": "i-x",
            "InstanceIds.member.01": "i-01",
        },
    )
    assert got["InstanceIds"] == ["i-3", "i-7"]


def test_types_timestamps_and_locationname_lists() -> None:
    p = proto("autoscaling")
    got = p.parse(
        "PutScheduledUpdateGroupAction",
        {
            "AutoScalingGroupName": "g",
            "ScheduledActionName": "s",
            "StartTime": "2030-01-02T03:04:05Z",
            "EndTime": "2030-01-02T05:04:05.5+02:00",
            "MinSize": "1",
            "MaxSize": "2",
        },
    )
    assert got["StartTime"] == datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert got["EndTime"] == datetime(2030, 1, 2, 3, 4, 5, 500000, tzinfo=UTC)
    assert got["EndTime"].tzinfo is not None and (got["MinSize"], got["MaxSize"]) == (1, 2)
    # sizes are counts: the service refuses negatives, which the published model allows
    with pytest.raises(ParamError) as caught:
        p.parse(
            "PutScheduledUpdateGroupAction",
            {
                **dict.fromkeys(("AutoScalingGroupName", "ScheduledActionName"), "g"),
                "MinSize": "-1",
            },
        )
    assert caught.value.message == (
        "1 validation error detected: Value '-1' at 'minSize' failed to satisfy constraint: "
        "Member must have value greater than or equal to 0"
    )
    # A list whose member has a locationName ('item') and a member with one ('Reference').
    params = {
        "LaunchTemplate": {
            "Overrides": [
                {
                    "InstanceRequirements": {
                        "VCpuCount": {"Min": 1},
                        "MemoryMiB": {"Min": 1},
                        "BaselinePerformanceFactors": {
                            "Cpu": {"References": [{"InstanceFamily": "c5"}]}
                        },
                    }
                }
            ]
        }
    }
    flat = wire("autoscaling", "CreateAutoScalingGroup", {"MixedInstancesPolicy": params})
    assert any(".Reference.item.1.InstanceFamily" in k for k in flat)
    flat.update(AutoScalingGroupName="g", MinSize="0", MaxSize="1")
    got = p.parse("CreateAutoScalingGroup", flat)
    assert got["MixedInstancesPolicy"] == params


def test_ec2_wire_names() -> None:
    p = proto("ec2")
    params = {
        "ImageId": "ami-1",
        "MinCount": 1,
        "MaxCount": 2,
        "SecurityGroupIds": ["sg-1", "sg-2"],
        "NetworkInterfaces": [
            {"DeviceIndex": 0, "Ipv6Addresses": [{"Ipv6Address": "::1"}]},
        ],
        "TagSpecifications": [
            {"ResourceType": "instance", "Tags": [{"Key": "k", "Value": "v"}]},
        ],
        "UserData": "ZWNobw==",
    }
    flat = wire("ec2", "RunInstances", params)
    assert flat["SecurityGroupId.1"] == "sg-2" or flat["SecurityGroupId.2"] == "sg-2"
    assert "NetworkInterface.1.Ipv6Addresses.1.Ipv6Address" in flat  # queryName wins
    assert "TagSpecification.1.Tag.1.Key" in flat
    assert p.parse("RunInstances", flat) == params


def test_deterministic_request_round_trip_every_operation() -> None:
    """Every input shape of every operation of all four models, fully populated."""
    count = 0
    for service, action in all_ops():
        shape = op_model(service, action).input_shape
        params = example(shape) if shape is not None else {}
        got = proto(service).parse(action, wire(service, action, params))
        assert got == params, (service, action)
        count += 1
    assert count == 68 + 29 + 51 + 830


def test_every_served_shape_is_exercised() -> None:
    for service in SERVICES:
        model = proto(service)._model
        want: set[str] = set()
        seen: set[str] = set()
        for action in model.operation_names:
            om = model.operation_model(action)
            for shape in (om.input_shape, om.output_shape):
                reachable(shape, want)
                if shape is not None:
                    example(shape, seen=seen)
        assert want == seen, (service, want - seen)


@fuzz(400)
@given(data=st.data())
def test_hypothesis_request_round_trip(data: st.DataObject) -> None:
    service, action = data.draw(st.sampled_from(all_ops()))
    shape = op_model(service, action).input_shape
    if shape is None:
        return
    strat = strategy(shape, 0, False, service)
    assert strat is not None
    params = data.draw(strat)
    assert proto(service).parse(action, wire(service, action, params)) == params


@fuzz(300)
@given(data=st.data())
def test_hypothesis_autoscaling_requests(data: st.DataObject) -> None:
    action = data.draw(st.sampled_from(proto("autoscaling")._model.operation_names))
    shape = op_model("autoscaling", action).input_shape
    if shape is None:
        return
    strat = strategy(shape, 0, False, "autoscaling")
    assert strat is not None
    params = data.draw(strat)
    assert proto("autoscaling").parse(action, wire("autoscaling", action, params)) == params


# --------------------------------------------------------------------------------------------
# (2) responses: our serialize -> botocore's parser


def round_trip_output(service: str, action: str, result: Any) -> dict[str, Any]:
    body = proto(service).serialize(action, result, "req-1")
    ET.fromstring(body)  # well formed
    parsed = botocore_parse(service, action, body)
    assert parsed["ResponseMetadata"]["RequestId"] == "req-1"
    return without_metadata(parsed)


def test_deterministic_response_round_trip_every_operation() -> None:
    for service, action in all_ops():
        shape = op_model(service, action).output_shape
        if shape is None:
            assert round_trip_output(service, action, None) == {}
            continue
        result = example(shape)
        assert round_trip_output(service, action, result) == result, (service, action)
        assert round_trip_output(service, action, {}) == {}


@fuzz(300)
@given(data=st.data())
def test_hypothesis_response_round_trip(data: st.DataObject) -> None:
    service, action = data.draw(st.sampled_from(all_ops()))
    shape = op_model(service, action).output_shape
    if shape is None:
        return
    strat = strategy(shape, 0, True, service)
    assert strat is not None
    result = data.draw(strat)
    assert round_trip_output(service, action, result) == expected_output(shape, result)


@fuzz(200)
@given(
    text=st.text(
        alphabet=st.one_of(st.characters(), st.sampled_from("\x00\x0b\r\ud800\udfff\ufffe&<>")),
        max_size=40,
    ),
)
def test_arbitrary_strings_stay_well_formed(text: str) -> None:
    result = {
        "Activity": {"ActivityId": text, "Cause": text, "Details": text, "Progress": 5},
        "Activities": [{"Description": text}],
    }
    got = round_trip_output("autoscaling", "TerminateInstanceInAutoScalingGroup", result)
    clean = _XML_INVALID.sub("", text)
    assert got["Activity"]["Cause"] == clean
    assert got["Activities"] == [{"Description": clean}]
    body = proto("ec2").error(text, text, text)
    err = botocore_parse("ec2", "RunInstances", body, 400)
    assert (err["Error"]["Message"] or "") == clean
    assert (err["Error"]["Code"] or "") == clean
    assert (err["ResponseMetadata"].get("RequestId") or "") == clean


def test_result_wrapper_trap() -> None:
    p = proto("autoscaling")
    body = p.serialize("SetInstanceProtection", None, "r")
    assert b"<SetInstanceProtectionResult/>" in body
    assert without_metadata(botocore_parse("autoscaling", "SetInstanceProtection", body)) == {}
    body = p.serialize("SetInstanceProtection", {}, "r")
    assert b"<SetInstanceProtectionResult/>" in body
    for action in ("AttachInstances", "SetDesiredCapacity", "CreateAutoScalingGroup"):
        body = p.serialize(action, None, "r")
        assert b"Result" not in body, action
        assert botocore_parse("autoscaling", action, body)["ResponseMetadata"]["RequestId"] == "r"
    body = p.serialize("DescribeAutoScalingInstances", None, "r")
    assert b"<DescribeAutoScalingInstancesResult/>" in body
    assert (
        without_metadata(botocore_parse("autoscaling", "DescribeAutoScalingInstances", body)) == {}
    )
    bad = VECTORS / "BAD_DescribeAutoScalingInstancesResponse_missing_Result_raises_KeyError.xml"
    with pytest.raises(KeyError):
        botocore_parse("autoscaling", "DescribeAutoScalingInstances", bad.read_bytes())


def test_terminate_instance_activity_is_a_structure() -> None:
    activity = {
        "ActivityId": "a-1",
        "AutoScalingGroupName": "g",
        "Cause": "At 2015 ...",
        "StartTime": datetime(2015, 4, 12, 15, 2, 16, 179000, tzinfo=UTC),
        "StatusCode": "InProgress",
        "Progress": 0,
    }
    body = proto("autoscaling").serialize(
        "TerminateInstanceInAutoScalingGroup", {"Activity": activity}, "r"
    )
    assert b"<TerminateInstanceInAutoScalingGroupResult><Activity><ActivityId>" in body
    assert b"<member>" not in body
    assert b"<StartTime>2015-04-12T15:02:16.179Z</StartTime>" in body
    got = botocore_parse("autoscaling", "TerminateInstanceInAutoScalingGroup", body)
    assert got["Activity"] == activity


def test_serializer_formats() -> None:
    p = proto("autoscaling")
    group = {
        "AutoScalingGroupName": "a&b<c>\"d'",
        "MinSize": 1,
        "MaxSize": 5,
        "DesiredCapacity": 2,
        "DefaultCooldown": 300,
        "AvailabilityZones": ["us-east-1a"],
        "LoadBalancerNames": [],
        "HealthCheckType": "EC2",
        "CreatedTime": datetime(2015, 4, 12, 17, 0, tzinfo=UTC) + timedelta(hours=-2),
        "NewInstancesProtectedFromScaleIn": False,
        "Unknown": "ignored",
        "VPCZoneIdentifier": None,
    }
    body = p.serialize("DescribeAutoScalingGroups", {"AutoScalingGroups": [group]}, "r")
    text = body.decode()
    assert "<AutoScalingGroupName>a&amp;b&lt;c&gt;\"d'</AutoScalingGroupName>" in text
    assert "<CreatedTime>2015-04-12T15:00:00.000Z</CreatedTime>" in text
    assert "<LoadBalancerNames></LoadBalancerNames>" in text
    assert "<NewInstancesProtectedFromScaleIn>false</NewInstancesProtectedFromScaleIn>" in text
    assert "Unknown" not in text and "VPCZoneIdentifier" not in text
    assert "<AvailabilityZones><member>us-east-1a</member></AvailabilityZones>" in text
    ec2 = proto("ec2").serialize(
        "DescribeInstances",
        {"Reservations": [{"ReservationId": "r-1", "Instances": [{"InstanceId": "i-1"}]}]},
        "rid",
    )
    assert ec2.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<DescribeInstancesResponse ')
    assert b'xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>rid</requestId>' in ec2
    assert b"<reservationSet><item><reservationId>r-1</reservationId>" in ec2
    assert b"<instancesSet><item><instanceId>i-1</instanceId></item></instancesSet>" in ec2


def element_paths(node: ET.Element, prefix: str = "") -> Iterator[str]:
    tag = node.tag.split("}")[-1]
    here = f"{prefix}/{tag}"
    yield here
    for child in node:
        yield from element_paths(child, here)


@pytest.mark.parametrize(
    "path", sorted(p for p in VECTORS.glob("*Response.xml") if not p.name.startswith("BAD_"))
)
def test_sample_vectors_round_trip(path: Path) -> None:
    """Parse each sample, re-serialize it ourselves: same data, same element shape."""
    action = path.name.removesuffix("Response.xml")
    sample = path.read_bytes()
    parsed = without_metadata(botocore_parse("autoscaling", action, sample))
    ours = proto("autoscaling").serialize(action, parsed, "rid")
    assert without_metadata(botocore_parse("autoscaling", action, ours)) == parsed
    mine = sorted(p for p in element_paths(ET.fromstring(ours)))
    theirs = sorted(p for p in element_paths(ET.fromstring(sample)))
    assert mine == theirs


# --------------------------------------------------------------------------------------------
# (3) error bodies


@pytest.mark.parametrize("path", sorted(VECTORS.glob("ErrorResponse_*.xml")))
def test_error_vectors(path: Path) -> None:
    status = int(path.stem.rsplit("_", 1)[1])
    want = botocore_parse("autoscaling", "DetachInstances", path.read_bytes(), status)
    e = want["Error"]
    rid = want["ResponseMetadata"]["RequestId"]
    ours = proto("autoscaling").error(e["Code"], e["Message"], rid, sender=e["Type"] == "Sender")
    got = botocore_parse("autoscaling", "DetachInstances", ours, status)
    assert got["Error"] == e
    assert got["ResponseMetadata"]["RequestId"] == rid


def test_error_envelopes() -> None:
    for service in ("autoscaling", "elb", "elbv2"):
        body = proto(service).error("ValidationError", "bad & <worse>", "r-1")
        assert body.startswith(f'<ErrorResponse xmlns="{proto(service).xml_namespace}">'.encode())
        got = botocore_parse(service, proto(service)._model.operation_names[0], body, 400)
        assert got["Error"] == {
            "Type": "Sender",
            "Code": "ValidationError",
            "Message": "bad & <worse>",
        }
        assert got["ResponseMetadata"]["RequestId"] == "r-1"
    body = proto("autoscaling").error("InternalFailure", "x", "r", sender=False)
    assert b"<Type>Receiver</Type>" in body
    body = proto("ec2").error(
        "InvalidInstanceID.NotFound", "The instance ID 'i-1' does not exist", "r"
    )
    assert body == (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error>'
        b"<Code>InvalidInstanceID.NotFound</Code>"
        b"<Message>The instance ID 'i-1' does not exist</Message></Error></Errors>"
        b"<RequestID>r</RequestID></Response>"
    )
    got = botocore_parse("ec2", "DescribeInstances", body, 400)
    assert got["Error"] == {
        "Code": "InvalidInstanceID.NotFound",
        "Message": "The instance ID 'i-1' does not exist",
    }
    assert got["ResponseMetadata"]["RequestId"] == "r"


# --------------------------------------------------------------------------------------------
# (4) exact Coral / EC2 messages


def rejects(service: str, action: str, params: dict[str, str]) -> ParamError:
    with pytest.raises(ParamError) as info:
        proto(service).parse(action, params)
    assert info.value.status == 400
    return info.value


def test_missing_group_name() -> None:
    e = rejects("autoscaling", "DetachInstances", {"ShouldDecrementDesiredCapacity": "true"})
    assert e.code == "ValidationError"
    assert e.message == (
        "1 validation error detected: Value null at 'autoScalingGroupName' failed to satisfy "
        "constraint: Member must not be null"
    )


def test_group_name_too_long() -> None:
    name = "g" * 256
    e = rejects(
        "autoscaling",
        "DetachInstances",
        {"AutoScalingGroupName": name, "ShouldDecrementDesiredCapacity": "true"},
    )
    assert e.message == (
        f"1 validation error detected: Value '{name}' at 'autoScalingGroupName' failed to "
        "satisfy constraint: Member must have length less than or equal to 255"
    )
    ok = {"AutoScalingGroupName": "g" * 255, "ShouldDecrementDesiredCapacity": "true"}
    assert proto("autoscaling").parse("DetachInstances", ok)["AutoScalingGroupName"] == "g" * 255
    e = rejects("autoscaling", "DetachInstances", {**ok, "AutoScalingGroupName": ""})
    assert e.message.endswith("Member must have length greater than or equal to 1")


def test_list_with_a_max() -> None:
    names = [f"lb-{i}" for i in range(1, 26)]
    params = {f"LoadBalancerNames.member.{i}": n for i, n in enumerate(names, 1)}
    e = rejects("elb", "DescribeTags", params)
    assert e.message == (
        f"1 validation error detected: Value '[{', '.join(names)}]' at 'loadBalancerNames' "
        "failed to satisfy constraint: Member must have length less than or equal to 20"
    )
    ids = {f"InstanceIds.member.{i}": f"i-{i}" for i in range(1, 102)}
    e = rejects(
        "autoscaling",
        "TerminateInstanceInAutoScalingGroup",
        {**ids, "ShouldDecrementDesiredCapacity": "false"},
    )
    assert e.message.endswith(
        "at 'instanceIds' failed to satisfy constraint: "
        "Member must have length less than or equal to 100"
    )
    # DetachInstances has no modelled count limit: 25 ids pass the codec (the service enforces 20).
    ids25 = {f"InstanceIds.member.{i}": f"i-{i}" for i in range(1, 26)}
    got = proto("autoscaling").parse(
        "DetachInstances",
        {**ids25, "AutoScalingGroupName": "g", "ShouldDecrementDesiredCapacity": "true"},
    )
    assert len(got["InstanceIds"]) == 25


def test_nested_member_path() -> None:
    params = {f"Tags.member.{i}.Key": "k" for i in range(1, 6)} | {
        "Tags.member.6.Key": "k" * 129,
        "Tags.member.6.ResourceId": "g",
    }
    e = rejects("autoscaling", "CreateOrUpdateTags", params)
    assert e.message == (
        f"1 validation error detected: Value '{'k' * 129}' at 'tags.6.member.key' failed to "
        "satisfy constraint: Member must have length less than or equal to 128"
    )
    e = rejects("autoscaling", "CreateOrUpdateTags", {"Tags.member.1.Value": "v"})
    assert e.message == (
        "1 validation error detected: Value null at 'tags.1.member.key' failed to satisfy "
        "constraint: Member must not be null"
    )
    e = rejects(
        "autoscaling",
        "DetachInstances",
        {
            "AutoScalingGroupName": "g",
            "ShouldDecrementDesiredCapacity": "true",
            "InstanceIds.member.1": "i-12345678901234567890",
        },
    )
    assert "at 'instanceIds.1.member' failed to satisfy constraint: " in e.message


def test_bad_integer() -> None:
    e = rejects(
        "autoscaling", "SetDesiredCapacity", {"AutoScalingGroupName": "g", "DesiredCapacity": "abc"}
    )
    assert e.message == (
        "1 validation error detected: Value 'abc' at 'desiredCapacity' failed to satisfy "
        "constraint: Member must be an integer"
    )
    for bad in ("", " 1", "1.0", "0x10", "2147483648", "١", "1_000", "9" * 5000):
        rejects(
            "autoscaling",
            "SetDesiredCapacity",
            {"AutoScalingGroupName": "g", "DesiredCapacity": bad},
        )


def test_bad_boolean() -> None:
    e = rejects(
        "autoscaling",
        "DetachInstances",
        {"AutoScalingGroupName": "g", "ShouldDecrementDesiredCapacity": "maybe"},
    )
    assert e.message == (
        "1 validation error detected: Value 'maybe' at 'shouldDecrementDesiredCapacity' failed "
        "to satisfy constraint: Member must be a boolean (true or false)"
    )


def test_bad_timestamp_and_enum_and_range() -> None:
    for bad in ("yesterday", "2030-13-01T00:00:00Z", "2030-01-01T25:00:00Z", "99999999999999"):
        e = rejects(
            "autoscaling",
            "PutScheduledUpdateGroupAction",
            {"AutoScalingGroupName": "g", "ScheduledActionName": "s", "StartTime": bad},
        )
        assert (
            "at 'startTime' failed to satisfy constraint: Member must be an ISO 8601" in e.message
        )
    e = rejects(
        "autoscaling",
        "DescribeScalingActivities",
        {"Filters.member.1.Name": "x", "MaxRecords": "1e3"},
    )
    assert e.message.startswith("1 validation error detected: Value '1e3' at 'maxRecords'")
    e = rejects(
        "autoscaling",
        "PutWarmPool",
        {"AutoScalingGroupName": "g", "MinSize": "-1", "MaxGroupPreparedCapacity": "-2"},
    )
    assert e.message == (
        "2 validation errors detected: Value '-2' at 'maxGroupPreparedCapacity' failed to "
        "satisfy constraint: Member must have value greater than or equal to -1; Value '-1' at "
        "'minSize' failed to satisfy constraint: Member must have value greater than or equal to 0"
    )
    e = rejects(
        "autoscaling", "DescribeAutoScalingInstances", {"MaxRecords": "a", "NextToken": "\x00"}
    )
    assert e.message.startswith("2 validation errors detected: ")
    e = rejects("elbv2", "CreateTargetGroup", {"Name": "tg", "Protocol": "FTP"})
    enum = op_model("elbv2", "CreateTargetGroup").input_shape.members["Protocol"].enum
    assert e.message == (
        "1 validation error detected: Value 'FTP' at 'protocol' failed to satisfy constraint: "
        f"Member must satisfy enum value set: [{', '.join(enum)}]"
    )


def test_two_violations_at_once() -> None:
    e = rejects(
        "autoscaling",
        "DetachInstances",
        {"AutoScalingGroupName": "g" * 256, "ShouldDecrementDesiredCapacity": "maybe"},
    )
    assert e.message == (
        f"2 validation errors detected: Value '{'g' * 256}' at 'autoScalingGroupName' failed to "
        "satisfy constraint: Member must have length less than or equal to 255; Value 'maybe' at "
        "'shouldDecrementDesiredCapacity' failed to satisfy constraint: Member must be a boolean "
        "(true or false)"
    )
    e = rejects("autoscaling", "DetachInstances", {})
    assert e.message == (
        "2 validation errors detected: Value null at 'autoScalingGroupName' failed to satisfy "
        "constraint: Member must not be null; Value null at 'shouldDecrementDesiredCapacity' "
        "failed to satisfy constraint: Member must not be null"
    )


def test_ec2_errors_report_the_first() -> None:
    e = rejects("ec2", "TerminateInstances", {})
    assert (e.code, e.message) == (
        "MissingParameter",
        "The request must contain the parameter InstanceId",
    )
    e = rejects("ec2", "DescribeInstances", {"MaxResults": "abc"})
    assert (e.code, e.message) == ("InvalidParameterValue", "Invalid value 'abc' for MaxResults.")
    # Several problems: the first in model member order is the one reported.
    e = rejects("ec2", "DescribeInstances", {"MaxResults": "abc", "DryRun": "perhaps"})
    assert e.message == "Invalid value 'perhaps' for DryRun."
    e = rejects(
        "ec2", "RunInstances", {"MinCount": "1", "MaxCount": "1", "InstanceType": "t9.nope"}
    )
    assert (e.code, e.message) == (
        "InvalidParameterValue",
        "Invalid value 't9.nope' for InstanceType.",
    )
    e = rejects(
        "ec2",
        "DescribeInstances",
        {"Filter.1.Value.1": "x", "Filter.1.Name": "n", "MaxResults": "5", "DryRun": "x"},
    )
    assert e.message == "Invalid value 'x' for DryRun."


def test_unknown_action() -> None:
    e = rejects("autoscaling", "Nope", {})
    assert (e.code, e.message) == (
        "InvalidAction",
        "Could not find operation Nope for version 2011-01-01",
    )
    e = rejects("ec2", "Nope", {})
    assert (e.code, e.message) == (
        "InvalidAction",
        "The action Nope is not valid for this web service.",
    )
    with pytest.raises(KeyError):
        proto("autoscaling").serialize("Nope", None, "r")


# --------------------------------------------------------------------------------------------
# (5) fuzz: parse returns a dict or raises ParamError, never anything else


@cache
def wire_keys(service: str, action: str) -> tuple[str, ...]:
    shape = op_model(service, action).input_shape
    if shape is None:
        return ()
    return tuple(wire(service, action, example(shape)))


JUNK_VALUES = st.one_of(
    st.text(max_size=30),
    st.text(alphabet=st.characters(max_codepoint=0x1F), max_size=5),
    st.sampled_from(
        [
            "",
            "true",
            "FALSE",
            "maybe",
            "-0",
            "+7",
            "1e400",
            "-1e400",
            "NaN",
            "Infinity",
            "9" * 30,
            "9" * 5000,
            "2030-01-02T03:04:05Z",
            "0001-01-01T00:00:00-23:59",
            "9999-12-31T23:59:59+-1",
            "1e999999",
            "\ud800",
            "\x00",
            "ü" * 300,
            "=",
            ".",
        ]
    ),
    st.integers().map(str),
    st.floats().map(str),
)


def mutate_key(key: str, draw: Callable[[st.SearchStrategy[Any]], Any]) -> str:
    def index(m: re.Match[str]) -> str:
        return str(draw(st.sampled_from([0, 1, 2, 3, 5, 10**9, 10**12, -1])))

    return re.sub(r"(?<=\.)\d+(?=\.|$)", index, key) if draw(st.booleans()) else key


@fuzz(500)
@given(data=st.data())
def test_fuzz_parse_never_crashes(data: st.DataObject) -> None:
    service, action = data.draw(st.sampled_from(all_ops()))
    keys = list(wire_keys(service, action))
    chosen = data.draw(st.lists(st.sampled_from(keys), max_size=12)) if keys else []
    params: dict[str, str] = {}
    for key in chosen:
        params[mutate_key(key, data.draw)] = data.draw(JUNK_VALUES)
    junk_token = st.one_of(
        st.sampled_from(["member", "entry", "item", "key", "value", "1", "0", "", "01"]),
        st.text(max_size=6),
        st.sampled_from(keys or ["X"]).map(lambda k: k.split(".")[0]),
    )
    for _ in range(data.draw(st.integers(0, 4))):
        key = ".".join(data.draw(st.lists(junk_token, min_size=1, max_size=5)))
        params[key] = data.draw(JUNK_VALUES)
    try:
        got = proto(service).parse(action, params)
    except ParamError as e:
        assert e.code in ("ValidationError", "MissingParameter", "InvalidParameterValue")
        assert isinstance(e.message, str) and e.status == 400
    else:
        assert isinstance(got, dict)


@fuzz(200)
@given(data=st.data())
def test_fuzz_autoscaling_parse_never_crashes(data: st.DataObject) -> None:
    action = data.draw(st.sampled_from(proto("autoscaling")._model.operation_names))
    keys = list(wire_keys("autoscaling", action)) or ["X"]
    params = {
        mutate_key(k, data.draw): data.draw(JUNK_VALUES)
        for k in data.draw(st.lists(st.sampled_from(keys), max_size=20))
    }
    try:
        assert isinstance(proto("autoscaling").parse(action, params), dict)
    except ParamError as e:
        assert e.code == "ValidationError"
        assert re.match(r"\d+ validation errors? detected: Value ", e.message)


# --------------------------------------------------------------------------------------------
# Speed: tables are compiled once, the hot path is cheap.


def describe_groups_result(n: int) -> dict[str, Any]:
    when = datetime(2015, 4, 12, 15, 0, tzinfo=UTC)
    groups = []
    for g in range(n):
        groups.append(
            {
                "AutoScalingGroupName": f"asg-{g}",
                "AutoScalingGroupARN": f"arn:aws:autoscaling:us-east-1:123456789012:"
                f"autoScalingGroup:uuid:autoScalingGroupName/asg-{g}",
                "LaunchTemplate": {"LaunchTemplateId": "lt-1", "Version": "$Default"},
                "MinSize": 1,
                "MaxSize": 5,
                "DesiredCapacity": 2,
                "DefaultCooldown": 300,
                "AvailabilityZones": ["us-east-1a", "us-east-1b"],
                "LoadBalancerNames": [],
                "TargetGroupARNs": ["arn:aws:elasticloadbalancing:tg/1"],
                "HealthCheckType": "EC2",
                "HealthCheckGracePeriod": 300,
                "Instances": [
                    {
                        "InstanceId": f"i-{g:08x}{i}",
                        "InstanceType": "t3.micro",
                        "AvailabilityZone": "us-east-1a",
                        "LifecycleState": "InService",
                        "HealthStatus": "Healthy",
                        "ProtectedFromScaleIn": False,
                    }
                    for i in range(2)
                ],
                "CreatedTime": when,
                "SuspendedProcesses": [],
                "VPCZoneIdentifier": "subnet-1,subnet-2",
                "EnabledMetrics": [],
                "Tags": [
                    {
                        "ResourceId": f"asg-{g}",
                        "ResourceType": "auto-scaling-group",
                        "Key": "env",
                        "Value": "dev",
                        "PropagateAtLaunch": True,
                    }
                ],
                "TerminationPolicies": ["Default"],
                "NewInstancesProtectedFromScaleIn": False,
            }
        )
    return {"AutoScalingGroups": groups}


def per_call_us(fn: Callable[[], Any], n: int) -> float:
    fn()
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - start) / n * 1e6


def test_speed() -> None:
    p = proto("autoscaling")
    result = describe_groups_result(50)
    serialize_us = per_call_us(lambda: p.serialize("DescribeAutoScalingGroups", result, "r"), 50)
    params = {
        "InstanceIds.member.1": "i-93633f9b",
        "InstanceIds.member.2": "i-0123456789abcdef0",
        "AutoScalingGroupName": "my-asg",
        "ShouldDecrementDesiredCapacity": "true",
    }
    parse_us = per_call_us(lambda: p.parse("DetachInstances", params), 2000)
    print(f"serialize 50 groups: {serialize_us:.0f} us; parse DetachInstances: {parse_us:.1f} us")
    assert serialize_us / 50 < 1000  # well under a millisecond per group
    assert parse_us < 1000
    parsed = botocore_parse(
        "autoscaling",
        "DescribeAutoScalingGroups",
        p.serialize("DescribeAutoScalingGroups", result, "r"),
    )
    assert without_metadata(parsed) == result


def test_the_sample_bodies_are_all_here() -> None:
    """Parametrized tests over an empty folder would pass vacuously; make a missing one fail."""
    assert len(list(VECTORS.glob("*.xml"))) == 16, f"expected the sample bodies under {VECTORS}"
