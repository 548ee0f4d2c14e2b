"""The console's pure parts, held to properties: sessions, the capacity chart, the explorer's
form reading and names."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from tidewater.console import chart, explorer
from tidewater.console.session import Sessions

KEYS = {"AKID": ("secret-one", "111111111111"), "OTHER": ("secret-two", "222222222222")}


def sessions(now: list[float]) -> Sessions:
    return Sessions(KEYS.get, wall=lambda: now[0], lifetime=3600)


def test_a_session_lasts_its_lifetime_and_names_its_key() -> None:
    now = [1_000_000.0]
    issued = sessions(now).sign_in("AKID", "secret-one")
    assert issued is not None and issued.account == "111111111111"
    assert sessions(now).sign_in("AKID", "secret-two") is None
    assert sessions(now).sign_in("", "") is None
    now[0] += 3599
    assert sessions(now).visitor(issued.cookie) == issued
    now[0] += 2
    assert sessions(now).visitor(issued.cookie) is None


def test_a_retired_key_ends_its_sessions() -> None:
    keys = dict(KEYS)
    issued = Sessions(keys.get).sign_in("AKID", "secret-one")
    assert issued is not None
    del keys["AKID"]
    assert Sessions(keys.get).visitor(issued.cookie) is None


@given(st.text(max_size=120))
def test_no_made_up_cookie_is_a_session(cookie: str) -> None:
    assert sessions([0.0]).visitor(cookie) is None


@given(st.integers(min_value=0, max_value=200), st.characters(codec="ascii"))
def test_a_cookie_changed_anywhere_is_refused(where: int, replacement: str) -> None:
    now = [0.0]
    issued = sessions(now).sign_in("AKID", "secret-one")
    assert issued is not None
    cookie = issued.cookie
    at = where % len(cookie)
    changed = cookie[:at] + replacement + cookie[at + 1 :]
    if changed != cookie:
        assert sessions(now).visitor(changed) is None


def test_csrf_tokens_belong_to_one_session() -> None:
    now = [0.0]
    one = sessions(now).sign_in("AKID", "secret-one")
    other = sessions(now).sign_in("OTHER", "secret-two")
    assert one is not None and other is not None
    assert sessions(now).csrf_ok(one, Sessions.csrf(one))
    assert not sessions(now).csrf_ok(one, Sessions.csrf(other))
    assert not sessions(now).csrf_ok(one, None)
    assert not sessions(now).csrf_ok(one, "")


START = datetime(2026, 1, 1, tzinfo=UTC)
AWS_WORDS = (
    ("Launching a new EC2 instance: i-1", +1, True),
    ("Attaching an existing EC2 instance: i-1", +1, True),
    ("Moving EC2 instance out of Standby: i-1", +1, True),
    ("Terminating EC2 instance: i-1", -1, False),
    ("Detaching EC2 instance: i-1", -1, False),
    ("Moving EC2 instance to Standby: i-1", -1, False),
)


@st.composite
def histories(draw: st.DrawFn) -> list[dict[str, object]]:
    rows = []
    for n in range(draw(st.integers(min_value=0, max_value=12))):
        words, _, _ = draw(st.sampled_from(AWS_WORDS))
        began = START + timedelta(seconds=n * 10)
        rows.append(
            {
                "description": words,
                "cause": draw(
                    st.sampled_from(
                        ["", f"changing the desired capacity from {n} to {n + 1}.", "x"]
                    )
                ),
                "status": draw(st.sampled_from(["Successful", "InProgress", "Failed"])),
                "started": began.isoformat(),
                "ended": (began + timedelta(seconds=3)).isoformat(),
            }
        )
    return rows


@given(histories(), st.integers(0, 50), st.integers(0, 50))
def test_the_chart_ends_at_the_present_and_never_goes_back_in_time(
    history: list[dict[str, object]], desired: int, in_service: int
) -> None:
    now = START + timedelta(hours=1)
    drawn = chart.series(history, desired, in_service, now)
    for points in (drawn.desired, drawn.in_service):
        assert points[-1] == (now, desired if points is drawn.desired else in_service)
        times = [t for t, _ in points]
        assert times == sorted(times)
        assert all(v >= 0 for _, v in points)
    svg = chart.svg(drawn)
    assert svg.startswith("<svg") and svg.count("<polyline") == 2


def test_the_chart_reads_each_clouds_words() -> None:
    now = START + timedelta(minutes=5)
    history = [
        {
            "description": 'Add "2" ECS instances',
            "cause": 'changing the Total Capacity from "0" to "2".',
            "status": "Successful",
            "started": "2026-01-01T00:01Z",
            "ended": "2026-01-01T00:02Z",
        },
        {
            "description": 'Remove "1" ECS instance',
            "cause": "A user requests to remove instances from the scaling group.",
            "status": "Successful",
            "started": "2026-01-01T00:03Z",
            "ended": "2026-01-01T00:04Z",
        },
    ]
    drawn = chart.series(history, 1, 1, now)
    assert [v for _, v in drawn.in_service] == [0, 2, 1, 1]
    assert [v for _, v in drawn.desired] == [0, 2, 1]


FIELDS = [
    explorer.Field("Count", "integer"),
    explorer.Field("Ids", "list"),
    explorer.Field("On", "boolean"),
    explorer.Field("Doc", "json"),
    explorer.Field("Name", "string"),
    explorer.Field("Parameters", "pairs"),
]


@given(st.dictionaries(st.sampled_from([f.name for f in FIELDS]), st.text(max_size=40)))
def test_any_filled_form_reads_without_error(form: dict[str, str]) -> None:
    found = explorer.values(FIELDS, form)
    for name, value in found.items():
        if name == "Ids":
            assert isinstance(value, list) and all(v == v.strip() and v for v in value)
    assert explorer.flat(found) is not None


def test_form_values_take_their_types() -> None:
    form = {"Count": "3", "Ids": "i-1\n i-2 \n", "On": "true", "Doc": '{"a": 1}', "Name": " x "}
    assert explorer.values(FIELDS, form) == {
        "Count": 3,
        "Ids": ["i-1", "i-2"],
        "On": True,
        "Doc": {"a": 1},
        "Name": "x",
    }
    assert explorer.values(FIELDS, {"Count": "three"}) == {"Count": "three"}  # the service says no
    assert explorer.flat({"InstanceId": ["i-1", "i-2"], "On": False}) == {
        "InstanceId.1": "i-1",
        "InstanceId.2": "i-2",
        "On": "false",
    }


def test_names_as_the_generated_sdk_spells_them() -> None:
    assert explorer.snake("ScalingGroupId") == "scaling_group_id"
    assert explorer.snake("DBInstanceIds") == "db_instance_ids"
    assert explorer.snake("CreateScalingGroup") == "create_scaling_group"


def test_every_ess_action_has_a_form() -> None:
    api = explorer.ess_api(tuple(sorted(explorer.ESS_SPECS)))
    for action in api.actions:
        fields = explorer.ess_fields(api, action)
        assert all(f.name for f in fields)
    for service in explorer.AWS_PRODUCTS:
        for action in explorer.aws_actions(service)[:40]:
            explorer.aws_fields(service, action)
