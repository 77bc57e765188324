"""Nothing stops silently (issue 18, item 1): every DLQ alarm fires on its first message; per scheduled sync type a
stall alarm over three schedule intervals (missing data breaching) and a failing-connections alarm, both notifying the
alarm topic."""

from typing import Any

import pytest

from infra.config import SYNC_TYPES
from infra.schedule_context import configured_schedules
from shared.metrics import NAMESPACE
from shared.models.schedule import alarm_window, failing_period_seconds
from shared.sync.metrics import CONNECTIONS_FAILING, SYNC_DIMENSION, SYNC_HEARTBEATS
from tests.infra.registry import GAMMA_SCHEDULE, TEST_REGISTRY
from tests.infra.template_tools import Synthesized, alarms, notifies_topic, referenced

pytestmark = pytest.mark.infra


def _dlqs(synthesized: Synthesized) -> set[str]:
    queues = synthesized.of_type("AWS::SQS::Queue")
    return {lid for lid, queue in queues.items() if "RedrivePolicy" not in queue["Properties"]}


def test_every_dlq_alarm_fires_on_the_first_message(synthesized: Synthesized) -> None:
    visible = alarms(synthesized, "AWS/SQS", "ApproximateNumberOfMessagesVisible")
    dlqs = _dlqs(synthesized)
    assert dlqs
    for dlq in dlqs:
        (props,) = [p for p in visible.values() if dlq in referenced(p["Dimensions"])]
        # The largest count seen in any 5-minute period above 0, in one period: one message is enough, at once.
        assert (props["Statistic"], props["Threshold"], props["ComparisonOperator"]) == (
            "Maximum",
            0,
            "GreaterThanThreshold",
        ), dlq
        assert (props["EvaluationPeriods"], props["DatapointsToAlarm"], props["Period"]) == (1, 1, 300), dlq
        assert props["TreatMissingData"] == "notBreaching" and notifies_topic(synthesized, props)


def _by_sync_type(synthesized: Synthesized, metric: str) -> dict[str, dict[str, Any]]:
    found = {}
    for props in alarms(synthesized, NAMESPACE, metric).values():
        (dimension,) = props["Dimensions"]
        assert dimension["Name"] == SYNC_DIMENSION  # no connection dimension: the count of metrics stays bounded
        found[dimension["Value"]] = props
    return found


def _check(synthesized: Synthesized, schedules: dict[str, str | None]) -> None:
    stalled = _by_sync_type(synthesized, SYNC_HEARTBEATS)
    failing = _by_sync_type(synthesized, CONNECTIONS_FAILING)
    scheduled = {name for name, expression in schedules.items() if alarm_window(expression) is not None}
    assert set(stalled) == set(failing) == scheduled
    for name in scheduled:
        window = alarm_window(schedules[name])
        assert window is not None
        props = stalled[name]
        assert (props["Statistic"], props["Period"]) == ("Sum", window.period_seconds)
        assert (props["EvaluationPeriods"], props["DatapointsToAlarm"]) == (window.periods, window.periods)
        assert (props["ComparisonOperator"], props["Threshold"]) == ("LessThanThreshold", 1)
        assert props["TreatMissingData"] == "breaching" and notifies_topic(synthesized, props)
        props = failing[name]
        assert (props["Statistic"], props["Period"]) == ("Maximum", failing_period_seconds(schedules[name]))
        assert (props["ComparisonOperator"], props["Threshold"], props["EvaluationPeriods"]) == (
            "GreaterThanThreshold",
            0,
            1,
        )
        assert props["TreatMissingData"] == "ignore" and notifies_topic(synthesized, props)


def test_each_scheduled_sync_type_of_production_has_its_stall_and_failing_alarms(production: Synthesized) -> None:
    schedules = configured_schedules()
    assert {name for name, expression in schedules.items() if expression} == {e.name for e in SYNC_TYPES}
    _check(production, schedules)
    orders = _by_sync_type(production, SYNC_HEARTBEATS)["orders"]
    assert (orders["Period"], orders["EvaluationPeriods"]) == (900, 3)  # rate(15 minutes): 45 minutes
    catalog = _by_sync_type(production, SYNC_HEARTBEATS)["catalog"]
    assert (catalog["Period"], catalog["EvaluationPeriods"]) == (3_600, 3)  # rate(1 hour): 3 hours
    inventory = _by_sync_type(production, SYNC_HEARTBEATS)["inventory"]
    assert (inventory["Period"], inventory["EvaluationPeriods"]) == (86_400, 3)  # daily cron: 3 days


def test_the_sample_alarms_follow_the_context_schedule_and_skip_the_unscheduled(sample: Synthesized) -> None:
    schedules = {entry.name: entry.default_schedule for entry in TEST_REGISTRY} | {"gamma": GAMMA_SCHEDULE}
    _check(sample, schedules)
    assert "beta" not in _by_sync_type(sample, SYNC_HEARTBEATS)  # on demand only: nothing to stall
    assert _by_sync_type(sample, SYNC_HEARTBEATS)["gamma"]["Period"] == 86_400  # its cron, not its rate(1 hour)
