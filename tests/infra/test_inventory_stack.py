"""The inventory pipeline in the production stack: its queues and DLQs, the InventoryChanged rule, the four functions
(event sources, environment, least privilege), the `inventory` sync type, the notifications hand-over, alarms,
dashboard and outputs."""

import json
from typing import Any

import pytest

from infra.access import Access, table_actions
from infra.config import (
    DLQ_RETENTION_DAYS,
    EVENT_TARGET_RETRY_ATTEMPTS,
    INVENTORY,
    INVENTORY_FEED_BATCH_SIZE,
    INVENTORY_FEED_BATCHING_WINDOW_SECONDS,
    MAX_RECEIVE_COUNT,
    METRICS_NAMESPACE,
    SYNC_TYPES,
    Queue,
    Table,
    queue_env_key,
)
from infra.constructs.inventory import LANES, lane_name
from infra.environment import LOCAL_ONLY, RUNTIME_ENV
from infra.outputs import (
    Output,
    inventory_function_output_key,
    pipeline_dlq_output_key,
    pipeline_queue_output_key,
    queue_output_key,
    table_output_key,
)
from infra.spec import Consumes, FunctionSpec
from shared.env import Env
from shared.settings import InventorySettings, InventorySyncSettings, NotificationsSettings, env_keys
from tests.infra.template_tools import (
    EVENTS,
    INSECURE,
    Synthesized,
    alarms,
    notifies_topic,
    queue_statements,
    ref,
    referenced,
)

pytestmark = pytest.mark.infra
BY_NAME = {lane_name(lane): lane for lane in LANES}


def _source(lane: FunctionSpec) -> Consumes:
    assert lane.consumes is not None
    return lane.consumes


def _consumed(lane: FunctionSpec) -> Queue:
    return Queue(_source(lane).queue)


def _queue(production: Synthesized, queue: Queue) -> str:
    return production.output_ref(pipeline_queue_output_key(queue))


def _dlq(production: Synthesized, queue: Queue) -> str:
    return production.output_ref(pipeline_dlq_output_key(queue))


def _function(production: Synthesized, name: str) -> str:
    return production.output_ref(inventory_function_output_key(name))


def _rule(production: Synthesized) -> tuple[str, dict[str, Any]]:
    ((lid, rule),) = [
        (lid, rule)
        for lid, rule in production.of_type("AWS::Events::Rule").items()
        if rule["Properties"]["EventPattern"].get("detail-type") == ["InventoryChanged"]
    ]
    return lid, rule["Properties"]


def _mapping(production: Synthesized, function: str) -> dict[str, Any]:
    (mapping,) = [
        m["Properties"]
        for m in production.of_type("AWS::Lambda::EventSourceMapping").values()
        if ref(m["Properties"]["FunctionName"]) == function
    ]
    return mapping


# Queues and DLQs


@pytest.mark.parametrize("lane", LANES, ids=lambda lane: _consumed(lane).value)
def test_each_queue_is_standard_sse_sqs_tls_only_with_its_own_dlq(production: Synthesized, lane: FunctionSpec) -> None:
    queue_id, dlq_id = _queue(production, _consumed(lane)), _dlq(production, _consumed(lane))
    queue, dlq = production.props(queue_id), production.props(dlq_id)
    assert "FifoQueue" not in queue
    assert ref(queue["RedrivePolicy"]["deadLetterTargetArn"]) == dlq_id
    assert queue["RedrivePolicy"]["maxReceiveCount"] == MAX_RECEIVE_COUNT
    assert dlq["MessageRetentionPeriod"] == DLQ_RETENTION_DAYS * 86400 == 14 * 86400
    for props in (queue, dlq):
        assert props["SqsManagedSseEnabled"] is True and "KmsMasterKeyId" not in props
    for queue_or_dlq in (queue_id, dlq_id):
        statements = queue_statements(production, queue_or_dlq)
        assert any(s["Effect"] == "Deny" and s["Condition"] == INSECURE for s in statements), queue_or_dlq


@pytest.mark.parametrize("lane", LANES, ids=lambda lane: _consumed(lane).value)
def test_visibility_is_six_times_the_consumers_timeout_plus_its_window(
    production: Synthesized, lane: FunctionSpec
) -> None:
    queue = production.props(_queue(production, _consumed(lane)))
    timeout = production.props(_function(production, lane_name(lane)))["Timeout"]
    assert queue["VisibilityTimeout"] == 6 * timeout + _source(lane).batching_window_seconds


# The InventoryChanged rule


def test_the_rule_sends_every_inventory_changed_event_whole_to_the_input_queue(production: Synthesized) -> None:
    _, rule = _rule(production)
    assert ref(rule["EventBusName"]) == production.output_ref(Output.EVENT_BUS_NAME)
    assert rule["EventPattern"] == {"detail-type": ["InventoryChanged"]}
    (target,) = rule["Targets"]
    assert ref(target["Arn"]) == _queue(production, Queue.INVENTORY_INPUT)
    assert not {"Input", "InputPath", "InputTransformer"} & set(target)
    assert target["RetryPolicy"] == {
        "MaximumRetryAttempts": EVENT_TARGET_RETRY_ATTEMPTS,
        "MaximumEventAgeInSeconds": 3600,
    }
    (dlq,) = referenced(target["DeadLetterConfig"])
    assert production.props(dlq)["SqsManagedSseEnabled"] is True
    assert production.props(dlq)["MessageRetentionPeriod"] == DLQ_RETENTION_DAYS * 86400


def test_eventbridge_may_send_to_the_input_queue_and_the_rule_dlq_for_this_rule_only(production: Synthesized) -> None:
    rule_id, rule = _rule(production)
    (dlq,) = referenced(rule["Targets"][0]["DeadLetterConfig"])
    for queue in (_queue(production, Queue.INVENTORY_INPUT), dlq):
        allowed = [s for s in queue_statements(production, queue) if s["Effect"] == "Allow"]
        assert [(s["Principal"], s["Action"]) for s in allowed] == [(EVENTS, "sqs:SendMessage")], queue
        assert allowed[0]["Condition"] == {"ArnEquals": {"aws:SourceArn": {"Fn::GetAtt": [rule_id, "Arn"]}}}
    # No other inventory queue is open to EventBridge.
    for queue in (Queue.INVENTORY_CHANGES, Queue.INVENTORY_FASTLANE, Queue.INVENTORY_RESULTS):
        assert not [s for s in queue_statements(production, _queue(production, queue)) if s["Effect"] == "Allow"]


# The four functions


@pytest.mark.parametrize("lane", LANES, ids=lane_name)
def test_each_function_consumes_its_queue_reporting_item_failures(production: Synthesized, lane: FunctionSpec) -> None:
    function = _function(production, lane_name(lane))
    props = production.props(function)
    assert (props["Handler"], props["Timeout"], props["MemorySize"]) == (
        f"functions.inventory_{lane_name(lane)}.lambda_handler",
        lane.timeout_seconds,
        lane.memory_mb,
    )
    mapping = _mapping(production, function)
    assert ref(mapping["EventSourceArn"]) == _queue(production, _consumed(lane))
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["BatchSize"] == _source(lane).batch_size


def test_the_event_sources_of_the_four_functions() -> None:
    shapes = {lane_name(lane): (lane.timeout_seconds, lane.memory_mb, _source(lane).batch_size) for lane in LANES}
    assert shapes == {
        "input": (300, 1024, 10),
        "feeds": (900, 2048, 10_000),
        "fastlane": (120, 512, 10),
        "results": (900, 2048, 1),
    }


def test_changes_accumulate_into_big_feeds_two_at_a_time(production: Synthesized) -> None:
    mapping = _mapping(production, _function(production, "feeds"))
    assert ref(mapping["EventSourceArn"]) == _queue(production, Queue.INVENTORY_CHANGES)
    assert (mapping["BatchSize"], mapping["MaximumBatchingWindowInSeconds"]) == (10_000, 20)
    assert (INVENTORY_FEED_BATCH_SIZE, INVENTORY_FEED_BATCHING_WINDOW_SECONDS) == (10_000, 20)
    assert mapping["ScalingConfig"] == {"MaximumConcurrency": 2}
    for name in ("input", "fastlane", "results"):
        assert "MaximumBatchingWindowInSeconds" not in _mapping(production, _function(production, name)), name


@pytest.mark.parametrize("lane", LANES, ids=lane_name)
def test_each_function_gets_every_variable_of_its_settings(production: Synthesized, lane: FunctionSpec) -> None:
    environment = production.environment(_function(production, lane_name(lane)))
    assert set(environment) == (env_keys(InventorySettings) - LOCAL_ONLY) | set(RUNTIME_ENV)
    assert environment[Env.SERVICE_NAME] == f"sellersync-inventory-{lane_name(lane)}"
    assert environment[Env.INVENTORY_FEED_POLL_SECONDS] == "300"
    for queue in (Queue.INVENTORY_CHANGES, Queue.INVENTORY_FASTLANE, Queue.INVENTORY_RESULTS):
        assert ref(environment[queue_env_key(queue)]) == _queue(production, queue)
    for queue in Queue:
        assert ref(environment[f"{queue.name}_DLQ_URL"]) == _dlq(production, queue)
    for table in (Table.CONNECTIONS, Table.INVENTORY, Table.FEEDS, Table.RATE_LIMITS):
        assert ref(environment[f"{table.name}_TABLE"]) == production.output_ref(table_output_key(table))
    assert ref(environment[Env.LWA_SECRET_ARN]) == production.output_ref(Output.LWA_SECRET_ARN)
    if Env.NOTIFICATIONS_QUEUE_ARN in env_keys(InventorySettings):
        # The destination FEED_PROCESSING_FINISHED is delivered to: named to Amazon, never sent to.
        notifications = production.output_ref(Output.NOTIFICATIONS_QUEUE_ARN)
        assert environment[Env.NOTIFICATIONS_QUEUE_ARN] == {"Fn::GetAtt": [notifications, "Arn"]}
        role = production.role_of(_function(production, lane_name(lane)))
        assert not production.actions_on(role, notifications)


# What each function may do (every name is in its environment; only what it uses is granted); those that call Amazon
# record what they send in the audit table

TABLES = {
    "input": {Table.CONNECTIONS, Table.INVENTORY},  # and the listings table, read only (the SKU map): below
    "feeds": {Table.CONNECTIONS, Table.INVENTORY, Table.RATE_LIMITS, Table.FEEDS, Table.AUDIT},
    "fastlane": {Table.CONNECTIONS, Table.INVENTORY, Table.RATE_LIMITS, Table.FEEDS, Table.AUDIT},
    "results": {Table.CONNECTIONS, Table.INVENTORY, Table.RATE_LIMITS, Table.FEEDS, Table.AUDIT},
}
SENDS_TO = {
    "input": {"InventoryChangesQueueUrl", "InventoryFastlaneQueueUrl", "InventoryInputDlqUrl"},
    "feeds": {"InventoryChangesQueueUrl", "InventoryResultsQueueUrl", "InventoryChangesDlqUrl"},
    "fastlane": {"InventoryChangesQueueUrl", "InventoryFastlaneDlqUrl"},
    "results": {
        "InventoryChangesQueueUrl",
        "InventoryFastlaneQueueUrl",
        "InventoryResultsQueueUrl",
        "InventoryResultsDlqUrl",
    },
}
PUBLISHES = {"input": True, "feeds": False, "fastlane": True, "results": True}


@pytest.mark.parametrize("name", sorted(TABLES))
def test_each_function_reads_and_writes_only_its_tables(production: Synthesized, name: str) -> None:
    role = production.role_of(_function(production, name))
    for table in Table:
        actions = production.actions_on(role, production.output_ref(table_output_key(table)))
        if name == "input" and table is Table.LISTINGS:
            assert actions == set(table_actions(table, Access.READ)), table
        elif table in TABLES[name]:
            assert actions == set(table_actions(table, Access.READ_WRITE)), table
        else:
            assert not actions, table


@pytest.mark.parametrize("name", sorted(SENDS_TO))
def test_each_function_sends_only_where_the_pipeline_goes(production: Synthesized, name: str) -> None:
    role = production.role_of(_function(production, name))
    inventory_queues = {key for key in Output if key.startswith("Inventory") and key.endswith("Url")}
    sends = {
        key for key in inventory_queues if "sqs:SendMessage" in production.actions_on(role, production.output_ref(key))
    }
    assert sends == SENDS_TO[name]
    _, rule = _rule(production)
    (rule_dlq,) = referenced(rule["Targets"][0]["DeadLetterConfig"])
    assert "sqs:SendMessage" not in production.actions_on(role, rule_dlq)
    for entry in SYNC_TYPES:
        assert "sqs:SendMessage" not in production.actions_on(role, production.output_ref(queue_output_key(entry)))


@pytest.mark.parametrize("name", sorted(PUBLISHES))
def test_only_the_functions_that_call_amazon_read_the_secret_and_decrypt_tokens(
    production: Synthesized, name: str
) -> None:
    role = production.role_of(_function(production, name))
    secret = production.actions_on(role, production.output_ref(Output.LWA_SECRET_ARN))
    assert ("secretsmanager:GetSecretValue" in secret) is (name != "input") is BY_NAME[name].reads_lwa_secret
    assert not production.actions_on(role, production.output_ref(Output.INVITE_KEY_SECRET_ARN))
    if name != "input":
        assert "kms:Decrypt" in production.actions_on(role, production.output_ref(Output.KMS_KEY_ARN))
    bus = production.actions_on(role, production.output_ref(Output.EVENT_BUS_NAME))
    assert bus == ({"events:PutEvents"} if PUBLISHES[name] else set())


def test_the_input_function_has_no_secret_and_the_feeds_function_can_hand_feeds_to_results(
    production: Synthesized,
) -> None:
    input_role = production.role_of(_function(production, "input"))
    assert not production.actions_on(input_role, production.output_ref(Output.LWA_SECRET_ARN))
    feeds_role = production.role_of(_function(production, "feeds"))
    assert "sqs:SendMessage" in production.actions_on(feeds_role, _queue(production, Queue.INVENTORY_RESULTS))


# The `inventory` sync type (daily reconciliation)


def test_the_registry_entry_of_inventory() -> None:
    assert INVENTORY in SYNC_TYPES and INVENTORY.name == "inventory"
    assert (INVENTORY.handler, INVENTORY.default_schedule, INVENTORY.settings) == (
        "functions.sync_inventory.lambda_handler",
        "cron(30 2 * * ? *)",
        InventorySyncSettings,
    )
    assert INVENTORY.tables == {
        Table.CONNECTIONS: Access.READ_WRITE,
        Table.INVENTORY: Access.READ_WRITE,
        Table.LISTINGS: Access.READ,  # the stored catalog (shared/inventory/seed.py)
    }
    assert (INVENTORY.timeout_seconds, INVENTORY.memory_mb) == (900, 1024)
    assert not INVENTORY.reads_lwa_secret and INVENTORY.publishes_events and INVENTORY.runs_on_connect
    assert INVENTORY.sends_to == (Queue.INVENTORY_CHANGES, Queue.INVENTORY_FASTLANE)


def test_the_sync_function_knows_the_pipeline_queues_and_sends_to_changes_and_fast_lane(
    production: Synthesized,
) -> None:
    function = production.function_of("inventory")
    environment = production.environment(function)
    assert set(environment) == (env_keys(InventorySyncSettings) - LOCAL_ONLY) | set(RUNTIME_ENV)
    assert ref(environment[Env.INVENTORY_TABLE]) == production.output_ref(table_output_key(Table.INVENTORY))
    assert ref(environment[Env.LISTINGS_TABLE]) == production.output_ref(table_output_key(Table.LISTINGS))
    role = production.role_of(function)
    for queue in Queue:
        assert ref(environment.get(queue_env_key(queue))) in (None, _queue(production, queue))
        sends = "sqs:SendMessage" in production.actions_on(role, _queue(production, queue))
        assert sends is (queue in INVENTORY.sends_to), queue
    assert not production.actions_on(role, production.output_ref(Output.LWA_SECRET_ARN))
    schedule = production.schedule_of(function)
    # cdk.json sets it, to the registry's default
    assert schedule["ScheduleExpression"] == "cron(30 2 * * ? *)"
    assert json.loads(schedule["Target"]["Input"]) == {"sync_type": "inventory", "action": "dispatch"}


# The notifications consumer hands FEED_PROCESSING_FINISHED over to the results queue


def test_the_notifications_consumer_may_send_to_the_results_queue(production: Synthesized) -> None:
    function = production.output_ref(Output.NOTIFICATIONS_FUNCTION_NAME)
    environment = production.environment(function)
    assert set(environment) == (env_keys(NotificationsSettings) - LOCAL_ONLY) | set(RUNTIME_ENV)
    results = _queue(production, Queue.INVENTORY_RESULTS)
    assert ref(environment[Env.INVENTORY_RESULTS_QUEUE_URL]) == results
    role = production.role_of(function)
    assert "sqs:SendMessage" in production.actions_on(role, results)
    for queue in (Queue.INVENTORY_INPUT, Queue.INVENTORY_CHANGES, Queue.INVENTORY_FASTLANE):
        assert not production.actions_on(role, _queue(production, queue)), queue


# Alarms, dashboard, outputs


def test_every_inventory_dlq_and_the_rule_dlq_alarm_on_a_visible_message(production: Synthesized) -> None:
    visible = alarms(production, "AWS/SQS", "ApproximateNumberOfMessagesVisible")
    _, rule = _rule(production)
    (rule_dlq,) = referenced(rule["Targets"][0]["DeadLetterConfig"])
    for dlq in [_dlq(production, queue) for queue in Queue] + [rule_dlq]:
        (alarm,) = [p for p in visible.values() if dlq in referenced(p["Dimensions"])]
        assert (alarm["ComparisonOperator"], alarm["Threshold"]) == ("GreaterThanThreshold", 0), dlq
        assert notifies_topic(production, alarm)


def test_a_change_waiting_half_an_hour_for_a_feed_alarms(production: Synthesized) -> None:
    changes = _queue(production, Queue.INVENTORY_CHANGES)
    (age,) = [
        p
        for p in alarms(production, "AWS/SQS", "ApproximateAgeOfOldestMessage").values()
        if changes in referenced(p["Dimensions"])
    ]
    assert (age["Statistic"], age["ComparisonOperator"], age["Threshold"]) == ("Maximum", "GreaterThanThreshold", 1800)
    assert notifies_topic(production, age)


def test_a_failed_feed_alarms(production: Synthesized) -> None:
    (failed,) = alarms(production, METRICS_NAMESPACE, "InventoryFeedsFailed").values()
    assert failed["Dimensions"] == [{"Name": "sync_type", "Value": "inventory"}]
    assert (failed["Statistic"], failed["ComparisonOperator"], failed["Threshold"]) == (
        "Sum",
        "GreaterThanThreshold",
        0,
    )
    assert notifies_topic(production, failed)


@pytest.mark.parametrize("metric", ["Errors", "Throttles"])
def test_each_inventory_function_alarms_on_errors_and_throttles(production: Synthesized, metric: str) -> None:
    on_metric = alarms(production, "AWS/Lambda", metric)
    for lane in LANES:
        function = _function(production, lane_name(lane))
        (alarm,) = [p for p in on_metric.values() if function in referenced(p["Dimensions"])]
        assert notifies_topic(production, alarm)


def test_the_dashboard_shows_the_inventory_pipeline(production: Synthesized) -> None:
    body = production.dashboard_body()
    for metric in (
        "InventoryRecordsReceived",
        "InventoryRecordsInvalid",
        "InventoryRecordsStale",
        "InventoryTiesResolved",
        "InventoryChangesQueued",
        "InventoryFeedsSubmitted",
        "InventoryFeedsFailed",
        "InventoryMessagesAccepted",
        "InventoryMessagesRejected",
        "InventoryStockOutPatches",
        "InventoryStockOutRepairs",
        "InventoryAcceptLatencySeconds",
    ):
        assert f'\\"{metric}\\",\\"sync_type\\",\\"inventory\\"' in body, metric
    assert '\\"stat\\":\\"p50\\"' in body and '\\"stat\\":\\"p99\\"' in body
    for queue in Queue:
        assert _queue(production, queue) in body


def test_the_inventory_outputs_point_at_their_queues_and_functions(production: Synthesized) -> None:
    outputs = production.json["Outputs"]
    for queue in Queue:
        queue_id = _queue(production, queue)
        assert outputs[pipeline_queue_output_key(queue)]["Value"] == {"Ref": queue_id}
        assert ref(production.props(queue_id)["RedrivePolicy"]["deadLetterTargetArn"]) == _dlq(production, queue)
    assert [pipeline_queue_output_key(q) for q in Queue] == [
        "InventoryInputQueueUrl",
        "InventoryChangesQueueUrl",
        "InventoryFastlaneQueueUrl",
        "InventoryResultsQueueUrl",
    ]
    for lane in LANES:
        function = _function(production, lane_name(lane))
        assert production.props(function)["Handler"] == lane.handler
    assert {inventory_function_output_key(lane_name(lane)) for lane in LANES} == {
        "InventoryInputFunctionName",
        "InventoryFeedsFunctionName",
        "InventoryFastlaneFunctionName",
        "InventoryResultsFunctionName",
    }
