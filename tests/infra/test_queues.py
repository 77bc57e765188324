"""Queues and event sources: the retry path of every job (the cron template's bug is pinned here)."""

import pytest

from infra.config import DLQ_RETENTION_DAYS, MAX_RECEIVE_COUNT, SyncType
from tests.infra.registry import TEST_REGISTRY
from tests.infra.template_tools import Resource, Synthesized, ref, referenced

pytestmark = pytest.mark.infra
INSECURE = {"Bool": {"aws:SecureTransport": "false"}}


def _work_queues(sample: Synthesized) -> dict[str, Resource]:
    return {lid: r for lid, r in sample.of_type("AWS::SQS::Queue").items() if "RedrivePolicy" in r["Properties"]}


def _scheduler_dlqs(sample: Synthesized) -> set[str]:
    return set().union(
        *(
            referenced(s["Properties"]["Target"]["DeadLetterConfig"])
            for s in sample.of_type("AWS::Scheduler::Schedule").values()
        )
    )


def test_every_queue_is_encrypted_with_the_stack_key_and_refuses_plain_http(sample: Synthesized) -> None:
    key = sample.output_ref("KmsKeyArn")
    queues = sample.of_type("AWS::SQS::Queue")
    assert queues
    ssl_only: set[str] = set()
    for policy in sample.of_type("AWS::SQS::QueuePolicy").values():
        statements = policy["Properties"]["PolicyDocument"]["Statement"]
        if any(s["Effect"] == "Deny" and s.get("Condition") == INSECURE for s in statements):
            ssl_only |= referenced(policy["Properties"]["Queues"])
    for lid, queue in queues.items():
        assert ref(queue["Properties"]["KmsMasterKeyId"]) == key, lid
        assert lid in ssl_only, lid


def test_every_queue_is_a_work_queue_with_a_dlq_or_itself_a_dlq(sample: Synthesized) -> None:
    work = _work_queues(sample)
    work_dlqs = set().union(*(referenced(q["Properties"]["RedrivePolicy"]) for q in work.values()))
    scheduler_dlqs = _scheduler_dlqs(sample)
    assert len(work) == len(TEST_REGISTRY)
    assert len(scheduler_dlqs) == 2
    assert set(sample.of_type("AWS::SQS::Queue")) == set(work) | work_dlqs | scheduler_dlqs
    for queue in work.values():
        assert queue["Properties"]["RedrivePolicy"]["maxReceiveCount"] == MAX_RECEIVE_COUNT
    for dlq in work_dlqs | scheduler_dlqs:
        assert sample.props(dlq)["MessageRetentionPeriod"] == DLQ_RETENTION_DAYS * 86400


def test_visibility_timeout_is_at_least_six_times_the_consumer_timeout(sample: Synthesized) -> None:
    mappings = sample.of_type("AWS::Lambda::EventSourceMapping")
    assert len(mappings) == len(TEST_REGISTRY)
    for mapping in mappings.values():
        queue = sample.props(str(ref(mapping["Properties"]["EventSourceArn"])))
        function = sample.props(str(ref(mapping["Properties"]["FunctionName"])))
        assert queue["VisibilityTimeout"] >= 6 * function["Timeout"]


def test_every_event_source_reports_batch_item_failures(synthesized: Synthesized) -> None:
    for mapping in synthesized.of_type("AWS::Lambda::EventSourceMapping").values():
        assert mapping["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


@pytest.mark.parametrize("entry", TEST_REGISTRY, ids=lambda e: e.name)
def test_each_function_consumes_its_own_queue_with_its_batch_size_and_concurrency(
    sample: Synthesized, entry: SyncType
) -> None:
    function = sample.function_of(entry.name)
    (mapping,) = [
        m["Properties"]
        for m in sample.of_type("AWS::Lambda::EventSourceMapping").values()
        if ref(m["Properties"]["FunctionName"]) == function
    ]
    assert ref(mapping["EventSourceArn"]) == ref(sample.environment(function)["SYNC_QUEUE_URL"])
    assert mapping["BatchSize"] == entry.batch_size
    assert mapping["ScalingConfig"]["MaximumConcurrency"] == entry.max_concurrency >= 2
