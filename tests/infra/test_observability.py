"""Alarms (each notifying the alarm topic) and the dashboard."""

from pathlib import Path
from typing import Any

import pytest

from infra.app import build_app, stack_of
from infra.config import ALARM_EMAIL_CONTEXT_KEY, SYNC_TYPES, Queue, Table
from infra.outputs import table_output_key
from tests.infra.registry import TEST_REGISTRY
from tests.infra.template_tools import Synthesized, ref, referenced, walk

pytestmark = pytest.mark.infra


def _alarms_on(synthesized: Synthesized, namespace: str, metric: str) -> dict[str, set[str]]:
    """Alarm id -> resources its metric's dimensions reference, for alarms on one metric (plain or in math)."""
    found: dict[str, set[str]] = {}
    for lid, alarm in synthesized.of_type("AWS::CloudWatch::Alarm").items():
        props = alarm["Properties"]
        stats = [props] + [m["MetricStat"]["Metric"] for m in props.get("Metrics", []) if "MetricStat" in m]
        for stat in stats:
            if stat.get("Namespace") == namespace and stat.get("MetricName") == metric:
                found.setdefault(lid, set()).update(referenced(stat.get("Dimensions", [])))
    return found


def _notifies_topic(synthesized: Synthesized, alarm_id: str) -> bool:
    topic = synthesized.output_ref("AlarmTopicArn")
    return [ref(a) for a in synthesized.props(alarm_id).get("AlarmActions", [])] == [topic]


@pytest.mark.parametrize("metric", ["Errors", "Throttles"])
def test_each_function_has_errors_and_throttles_alarms_notifying_the_topic(sample: Synthesized, metric: str) -> None:
    alarms = _alarms_on(sample, "AWS/Lambda", metric)
    for entry in TEST_REGISTRY:
        matching = [lid for lid, refs in alarms.items() if sample.function_of(entry.name) in refs]
        assert len(matching) == 1, entry.name
        assert _notifies_topic(sample, matching[0])
        assert sample.props(matching[0])["Threshold"] == 0


def _dlqs(synthesized: Synthesized) -> set[str]:
    queues = synthesized.of_type("AWS::SQS::Queue")
    return {lid for lid, queue in queues.items() if "RedrivePolicy" not in queue["Properties"]}


def test_every_dead_letter_queue_has_an_alarm_notifying_the_topic(synthesized: Synthesized) -> None:
    alarms = _alarms_on(synthesized, "AWS/SQS", "ApproximateNumberOfMessagesVisible")
    for dlq in _dlqs(synthesized):
        matching = [lid for lid, refs in alarms.items() if dlq in refs]
        assert len(matching) == 1, dlq
        assert _notifies_topic(synthesized, matching[0])


def test_the_dead_letter_queues_are_those_of_the_sync_types_schedules_rules_notifications_inventory_shipments(
    sample: Synthesized, production: Synthesized
) -> None:
    inventory = len(Queue) + 1  # one per pipeline queue, and the InventoryChanged rule's
    shipments = 3 + 1 + 1  # one per shipments queue, the rules' and the at-risk schedule's
    rotation = 1 + 1  # the client secret rotation queue's and its daily check's schedule
    # the listings notifications queue's, its partner bus rule's and its subscription schedule's (the sample's context)
    listings = 1 + 1 + 1
    # sample: one per sync type, two scheduler DLQs (alpha, gamma), the notifications DLQ
    assert len(_dlqs(sample)) == len(TEST_REGISTRY) + 2 + 1 + inventory + shipments + rotation + listings
    # production: every sync type is scheduled; the on-connect rules' DLQs; the notifications DLQ
    on_connect = sum(entry.runs_on_connect for entry in SYNC_TYPES)
    assert len(_dlqs(production)) == 2 * len(SYNC_TYPES) + on_connect + 1 + inventory + shipments + rotation


@pytest.mark.parametrize("table", list(Table), ids=str)
def test_each_table_has_a_throttle_alarm(production: Synthesized, table: Table) -> None:
    table_id = production.output_ref(table_output_key(table))
    matching = {
        lid
        for metric in ("ReadThrottleEvents", "WriteThrottleEvents")
        for lid, refs in _alarms_on(production, "AWS/DynamoDB", metric).items()
        if table_id in refs
    }
    assert len(matching) == 1
    assert _notifies_topic(production, matching.pop())


def test_the_alarm_topic_is_encrypted_and_ssl_only(production: Synthesized) -> None:
    topic = production.output_ref("AlarmTopicArn")
    assert ref(production.props(topic)["KmsMasterKeyId"]) == production.output_ref("KmsKeyArn")
    statements = [
        s
        for policy in production.of_type("AWS::SNS::TopicPolicy").values()
        if topic in referenced(policy["Properties"]["Topics"])
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
    ]
    assert any(
        s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} for s in statements
    )
    assert not production.of_type("AWS::SNS::Subscription")


def test_an_alarm_email_in_the_context_subscribes_to_the_topic(tmp_path: Path) -> None:
    app = build_app(SYNC_TYPES, outdir=str(tmp_path), context={ALARM_EMAIL_CONTEXT_KEY: "ops@example.com"})
    template: dict[str, Any] = app.synth().get_stack_by_name(stack_of(app).stack_name).template
    (subscription,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::SNS::Subscription"]
    assert subscription["Properties"]["Protocol"] == "email"
    assert subscription["Properties"]["Endpoint"] == "ops@example.com"


def test_one_dashboard_without_sync_rows_for_an_empty_registry(production: Synthesized) -> None:
    body = production.dashboard_body()
    if not SYNC_TYPES:
        assert "AWS/Lambda" not in body and "SyncRuns" not in body
    assert "AWS/DynamoDB" in body and "AWS/ApiGateway" in body and "AWS/Events" in body


def test_the_dashboard_shows_each_sync_types_runs_failures_and_queues(sample: Synthesized) -> None:
    body = sample.dashboard_body()
    for entry in TEST_REGISTRY:
        for metric in ("SyncRuns", "SyncFailures"):
            assert f'\\"{metric}\\",\\"sync_type\\",\\"{entry.name}\\"' in body
    mentioned = {r for node in walk(sample.json["Resources"]) if isinstance(node, dict) for r in referenced(node)}
    assert {sample.function_of(e.name) for e in TEST_REGISTRY} <= mentioned
    assert "ApproximateNumberOfMessagesVisible" in body
