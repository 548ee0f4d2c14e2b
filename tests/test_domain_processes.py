"""The process tables: what a suspended process holds back, per cloud, as data."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tidewater.domain.group import Group
from tidewater.domain.processes import AWS, BY_CLOUD, ESS, Gate, Processes
from tidewater.domain.refusal import Refusal
from tidewater.domain.scope import Cloud

TABLES = st.sampled_from([AWS, ESS])


@given(table=TABLES, data=st.data())
def test_a_gate_is_held_exactly_while_one_of_its_processes_is_suspended(
    table: Processes, data: st.DataObject
) -> None:
    before = data.draw(st.lists(st.sampled_from(table.names), unique=True))
    after = data.draw(st.lists(st.sampled_from(table.names), unique=True))
    for gate in Gate:
        names = table.gates.get(gate, frozenset())
        assert table.blocks(gate, before) == any(p in names for p in before)
        assert table.resumed(gate, before, after) == (
            table.blocks(gate, before) and not table.blocks(gate, after)
        )
        held = table.holding(gate, before)
        assert (held is not None) == table.blocks(gate, before)
        assert held is None or held in names


def test_every_row_names_only_its_clouds_processes() -> None:
    for table in BY_CLOUD.values():
        for names in table.gates.values():
            assert names and names <= set(table.names)
        assert set(table.listed) <= set(table.names)


def test_the_clouds_differ_where_their_docs_do() -> None:
    # AWS: HealthCheck only stops the marking; a user's own report is still replaced.
    assert not AWS.blocks(Gate.REPLACE_UNHEALTHY, ["HealthCheck"])
    assert AWS.blocks(Gate.MARK_UNHEALTHY, ["HealthCheck"])
    # ESS: a suspended health check removes no one, and nor does a suspended scale-in.
    assert ESS.blocks(Gate.REPLACE_UNHEALTHY, ["HealthCheck"])
    assert ESS.blocks(Gate.REPLACE_UNHEALTHY, ["ScaleIn"])
    # AWS: with Terminate suspended AZRebalance still launches (and the extra stays).
    assert not AWS.blocks(Gate.REBALANCE, ["Terminate"])
    assert AWS.blocks(Gate.SCALE_IN, ["Terminate"])
    # AWS's deprecated process is accepted and stops nothing.
    assert all(not AWS.blocks(g, ["RemoveFromLoadBalancerLowPriority"]) for g in Gate)
    assert "RemoveFromLoadBalancerLowPriority" not in AWS.listed
    # the rows later features consult: alarms, scheduled actions, instance refresh
    assert AWS.blocks(Gate.ALARM, ["AlarmNotification"])
    assert AWS.blocks(Gate.SCHEDULE, ["ScheduledActions"])
    assert ESS.blocks(Gate.SCHEDULE, ["ScheduledAction"])
    assert all(AWS.blocks(Gate.REFRESH, [p]) for p in ("InstanceRefresh", "Launch", "Terminate"))
    assert BY_CLOUD[Cloud.ALIYUN] is ESS


def test_a_request_held_back_is_refused_naming_the_process() -> None:
    group = Group("g1", "web", 0, 3, 1, suspended=frozenset({"ScaleOut"}), processes=ESS)
    group.require(Gate.SCALE_IN)
    with pytest.raises(Refusal) as refused:
        group.require(Gate.ATTACH)
    assert refused.value.reason == "process.suspended"
    assert refused.value.facts == {"group": "web", "process": "ScaleOut"}
