"""Queues and event sources: the retry path of every job (the cron template's bug is pinned here)."""

import pytest

from infra.config import DLQ_RETENTION_DAYS, MAX_RECEIVE_COUNT, Queue, SyncType
from infra.constructs import shipments
from infra.outputs import ListingsOutput, Output, pipeline_dlq_output_key, pipeline_queue_output_key
from tests.infra.registry import TEST_REGISTRY
from tests.infra.template_tools import INSECURE, Resource, Synthesized, ref, referenced

pytestmark = pytest.mark.infra


def _work_queues(sample: Synthesized) -> dict[str, Resource]:
    return {lid: r for lid, r in sample.of_type("AWS::SQS::Queue").items() if "RedrivePolicy" in r["Properties"]}


def _scheduler_dlqs(sample: Synthesized) -> set[str]:
    return set().union(
        *(
            referenced(s["Properties"]["Target"]["DeadLetterConfig"])
            for s in sample.of_type("AWS::Scheduler::Schedule").values()
        )
    )


def _rule_dlqs(synthesized: Synthesized) -> set[str]:
    return set().union(
        *(
            referenced(target.get("DeadLetterConfig", {}))
            for rule in synthesized.of_type("AWS::Events::Rule").values()
            for target in rule["Properties"]["Targets"]
        )
    )


def _sqs_managed(synthesized: Synthesized) -> set[str]:
    """The queues deliberately not on the stack key: Amazon's notifications queue and its DLQ, the inventory pipeline's,
    the shipments' and the listings notifications' queues and their DLQs (EventBridge targets, or sent to by the CLI),
    the rules' DLQs."""
    notifications = {synthesized.output_ref(Output.NOTIFICATIONS_QUEUE_URL)}
    notifications.add(synthesized.output_ref(Output.NOTIFICATIONS_DLQ_URL))
    inventory = {synthesized.output_ref(pipeline_queue_output_key(q)) for q in Queue}
    inventory |= {synthesized.output_ref(pipeline_dlq_output_key(q)) for q in Queue}
    shipments = {synthesized.output_ref(key) for key in Output if key.startswith("Shipments")}
    rotation = _rotation_queues(synthesized)
    outputs = synthesized.json["Outputs"]
    listings = {synthesized.output_ref(k) for k in (ListingsOutput.QUEUE_URL, ListingsOutput.DLQ_URL) if k in outputs}
    return notifications | inventory | shipments | rotation | listings | _rule_dlqs(synthesized)


def _rotation_queues(synthesized: Synthesized) -> set[str]:
    """The client secret rotation's queue (Amazon sends to it) and its DLQ."""
    return {
        synthesized.output_ref(Output.SECRET_ROTATION_QUEUE_ARN),
        synthesized.output_ref(Output.SECRET_ROTATION_DLQ_URL),
    }


def test_every_queue_is_encrypted_and_refuses_plain_http(synthesized: Synthesized) -> None:
    key = synthesized.output_ref("KmsKeyArn")
    queues = synthesized.of_type("AWS::SQS::Queue")
    assert queues
    ssl_only: set[str] = set()
    for policy in synthesized.of_type("AWS::SQS::QueuePolicy").values():
        statements = policy["Properties"]["PolicyDocument"]["Statement"]
        if any(s["Effect"] == "Deny" and s.get("Condition") == INSECURE for s in statements):
            ssl_only |= referenced(policy["Properties"]["Queues"])
    sqs_managed = _sqs_managed(synthesized)
    for lid, queue in queues.items():
        props = queue["Properties"]
        if lid in sqs_managed:
            assert props.get("SqsManagedSseEnabled") is True and "KmsMasterKeyId" not in props, lid
        else:
            assert ref(props["KmsMasterKeyId"]) == key, lid
        assert lid in ssl_only, lid


def test_every_queue_is_a_work_queue_with_a_dlq_or_itself_a_dlq(synthesized: Synthesized) -> None:
    work = _work_queues(synthesized)
    work_dlqs = set().union(*(referenced(q["Properties"]["RedrivePolicy"]) for q in work.values()))
    other_dlqs = _scheduler_dlqs(synthesized) | _rule_dlqs(synthesized)
    assert set(synthesized.of_type("AWS::SQS::Queue")) == set(work) | work_dlqs | other_dlqs
    for queue in work.values():
        assert queue["Properties"]["RedrivePolicy"]["maxReceiveCount"] == MAX_RECEIVE_COUNT
    # The rotation queue's messages hold a client secret in clear: its DLQ keeps them 4 days, not 14.
    rotation_dlq = synthesized.output_ref(Output.SECRET_ROTATION_DLQ_URL)
    assert synthesized.props(rotation_dlq)["MessageRetentionPeriod"] == 4 * 86400
    for dlq in (work_dlqs | other_dlqs) - {rotation_dlq}:
        assert synthesized.props(dlq)["MessageRetentionPeriod"] == DLQ_RETENTION_DAYS * 86400


def test_the_sample_has_a_work_queue_per_sync_type_the_notifications_inventory_shipments_and_listings_queues(
    sample: Synthesized,
) -> None:
    # + 1: the notifications queue; + 1: the client secret rotation queue; + 1: the sample's context names a listings
    # event source: its notifications queue is built (production's has none).
    assert len(_work_queues(sample)) == len(TEST_REGISTRY) + 1 + len(Queue) + len(shipments.QUEUES) + 1 + 1
    # alpha's and gamma's, the shipments at-risk sweep's, the daily secret rotation check's and the listings
    # subscription sweep's
    assert len(_scheduler_dlqs(sample)) == 5
    # No sample sync type runs on connect: the rules are the inventory pipeline's, the shipments' and the listings
    # notifications' (one DLQ each).
    assert len(_rule_dlqs(sample)) == 3


def test_visibility_timeout_is_at_least_six_times_the_consumer_timeout(synthesized: Synthesized) -> None:
    mappings = synthesized.of_type("AWS::Lambda::EventSourceMapping")
    # one per sync type, the notifications consumer's and one per inventory queue
    assert len(mappings) == len(_work_queues(synthesized))
    for mapping in mappings.values():
        queue = synthesized.props(str(ref(mapping["Properties"]["EventSourceArn"])))
        function = synthesized.props(str(ref(mapping["Properties"]["FunctionName"])))
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
