"""Order import in the production stack: the `orders` sync type, the rule that runs it for a new or re-authorized
connection, Amazon's notifications queue and its consumer, their least privilege, alarms, dashboard and outputs."""

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from infra.access import Access, table_actions
from infra.config import (
    AMAZON_NOTIFICATIONS_ACCOUNT,
    EVENT_TARGET_RETRY_ATTEMPTS,
    MAX_RECEIVE_COUNT,
    METRICS_NAMESPACE,
    ORDERS,
    SYNC_TYPES,
    Table,
)
from infra.constructs import notifications
from infra.environment import LOCAL_ONLY, RUNTIME_ENV
from infra.outputs import Output, queue_output_key, table_output_key
from shared.env import Env
from shared.models.connection import Connection
from shared.oauth.authorization import StoredAuthorization
from shared.oauth.flow import Connected
from shared.runtime.oauth import connection_event
from shared.settings import NotificationsSettings, OrdersSyncSettings, env_keys
from shared.spapi.marketplaces import Region
from tests.infra.template_tools import (
    EVENTS,
    INSECURE,
    WRITES,
    Synthesized,
    alarms,
    as_list,
    notifies_topic,
    queue_statements,
    ref,
    referenced,
)

pytestmark = pytest.mark.infra


def _key_statements(production: Synthesized) -> list[dict[str, Any]]:
    key = production.props(production.output_ref(Output.KMS_KEY_ARN))
    return list(key["KeyPolicy"]["Statement"])


def _rule(production: Synthesized) -> tuple[str, dict[str, Any]]:
    """The orders on-connect rule (the one rule that targets the orders work queue)."""
    orders_queue = production.output_ref(queue_output_key(ORDERS))
    ((lid, rule),) = [
        (lid, rule)
        for lid, rule in production.of_type("AWS::Events::Rule").items()
        if orders_queue in referenced(rule["Properties"]["Targets"])
    ]
    return lid, rule["Properties"]


# The orders sync type


def test_the_registry_entry_of_orders() -> None:
    assert ORDERS in SYNC_TYPES and ORDERS.name == "orders"
    assert (ORDERS.handler, ORDERS.default_schedule, ORDERS.settings) == (
        "functions.sync_orders.lambda_handler",
        "rate(15 minutes)",
        OrdersSyncSettings,
    )
    # the listings table read only: the SKU map names each event line's merchant SKU
    assert ORDERS.tables == dict.fromkeys((Table.CONNECTIONS, Table.ORDERS, Table.RATE_LIMITS), Access.READ_WRITE) | {
        Table.LISTINGS: Access.READ
    }
    assert (ORDERS.timeout_seconds, ORDERS.memory_mb, ORDERS.batch_size, ORDERS.max_concurrency) == (900, 512, 1, 10)
    assert ORDERS.reads_lwa_secret and ORDERS.publishes_events and ORDERS.runs_on_connect


def test_the_orders_function_gets_its_settings_and_the_notifications_queue_arn(production: Synthesized) -> None:
    function = production.function_of("orders")
    environment = production.environment(function)
    assert set(environment) == (env_keys(OrdersSyncSettings) - LOCAL_ONLY) | set(RUNTIME_ENV)
    assert environment[Env.NOTIFICATIONS_QUEUE_ARN] == {
        "Fn::GetAtt": [production.output_ref(Output.NOTIFICATIONS_QUEUE_ARN), "Arn"]
    }
    for table in ORDERS.tables:
        assert ref(environment[f"{table.name}_TABLE"]) == production.output_ref(table_output_key(table))
    props = production.props(function)
    assert (props["Timeout"], props["MemorySize"]) == (900, 512)


def test_the_orders_function_only_names_the_notifications_queue(production: Synthesized) -> None:
    role = production.role_of(production.function_of("orders"))
    assert production.actions_on(role, production.output_ref(Output.NOTIFICATIONS_QUEUE_URL)) == set()
    for table in (Table.CONNECTIONS, Table.ORDERS, Table.RATE_LIMITS):
        actions = production.actions_on(role, production.output_ref(table_output_key(table)))
        assert actions == set(table_actions(table, Access.READ_WRITE)), table


def test_the_orders_schedule_comes_from_cdk_json(production: Synthesized) -> None:
    function = production.function_of("orders")
    schedule = production.schedule_of(function)
    assert schedule["ScheduleExpression"] == "rate(15 minutes)"
    assert json.loads(schedule["Target"]["Input"]) == {"sync_type": "orders", "action": "dispatch"}


# The rule that enqueues a job for a new or re-authorized connection


def test_the_rule_matches_the_event_the_oauth_flow_publishes(production: Synthesized) -> None:
    _, rule = _rule(production)
    assert ref(rule["EventBusName"]) == production.output_ref(Output.EVENT_BUS_NAME)
    assert rule["EventPattern"] == {"source": ["sellersync.connections"], "detail-type": ["ConnectionAuthorized"]}
    now = datetime(2026, 5, 1, tzinfo=UTC)
    connection = Connection(
        selling_partner_id="A1B2C3",
        region=Region.EU,
        name="Shop",
        marketplace_ids=(),
        authorized_at=now,
        created_at=now,
        updated_at=now,
    )
    event = connection_event(Connected(StoredAuthorization(connection, reauthorized=False), "invite"), "bus")
    assert [event["Source"]] == rule["EventPattern"]["source"]
    assert [event["DetailType"]] == rule["EventPattern"]["detail-type"]
    assert json.loads(event["Detail"])["connection_id"] == "eu-a1b2c3"


def test_the_rule_sends_a_sync_job_to_the_orders_work_queue_with_retries_and_a_dlq(production: Synthesized) -> None:
    _, rule = _rule(production)
    (target,) = rule["Targets"]
    assert ref(target["Arn"]) == production.output_ref(queue_output_key(ORDERS))
    assert target["InputTransformer"] == {
        "InputPathsMap": {"detail-connection_id": "$.detail.connection_id", "time": "$.time"},
        "InputTemplate": '{"sync_type":"orders","connection_id":<detail-connection_id>,"requested_at":<time>,'
        '"trigger":"connected"}',
    }
    assert target["RetryPolicy"] == {
        "MaximumRetryAttempts": EVENT_TARGET_RETRY_ATTEMPTS,
        "MaximumEventAgeInSeconds": 3600,
    }
    (dlq,) = referenced(target["DeadLetterConfig"])
    # Delivery failures must land in the DLQ even if the stack key refused EventBridge: it uses SSE-SQS.
    assert production.props(dlq)["SqsManagedSseEnabled"] is True
    assert "KmsMasterKeyId" not in production.props(dlq)


def test_eventbridge_may_send_to_the_work_queue_and_the_dlq_for_this_rule_only(production: Synthesized) -> None:
    rule_id, rule = _rule(production)
    (dlq,) = referenced(rule["Targets"][0]["DeadLetterConfig"])
    for queue in (production.output_ref(queue_output_key(ORDERS)), dlq):
        allowed = [s for s in queue_statements(production, queue) if s["Effect"] == "Allow"]
        assert [(s["Principal"], s["Action"]) for s in allowed] == [(EVENTS, "sqs:SendMessage")], queue
        assert allowed[0]["Condition"] == {"ArnEquals": {"aws:SourceArn": {"Fn::GetAtt": [rule_id, "Arn"]}}}


def test_eventbridge_may_use_the_stack_key_for_this_rule_only(production: Synthesized) -> None:
    _, rule = _rule(production)
    # One statement per on-connect rule; this is the orders rule's.
    (statement,) = [s for s in _key_statements(production) if s.get("Sid") == "AllowEventsToEnqueueOrdersJobs"]
    assert statement["Principal"] == EVENTS
    assert sorted(as_list(statement["Action"])) == ["kms:Decrypt", "kms:GenerateDataKey"]
    conditions = statement["Condition"]
    assert conditions["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    # The rule's ARN, built from the bus name and the rule's fixed name (referencing the rule would be a cycle).
    source_arn = json.dumps(conditions["ArnEquals"]["aws:SourceArn"])
    assert production.output_ref(Output.EVENT_BUS_NAME) in source_arn
    assert source_arn.endswith(f'"/{rule["Name"]}"]]}}') and ":rule/" in source_arn


# Amazon's notifications queue and its consumer


def test_the_notifications_queue_is_standard_sse_sqs_with_a_dlq(production: Synthesized) -> None:
    queue = production.props(production.output_ref(Output.NOTIFICATIONS_QUEUE_URL))
    dlq_id = production.output_ref(Output.NOTIFICATIONS_DLQ_URL)
    assert "FifoQueue" not in queue
    assert queue["SqsManagedSseEnabled"] is True and "KmsMasterKeyId" not in queue
    assert ref(queue["RedrivePolicy"]["deadLetterTargetArn"]) == dlq_id
    assert queue["RedrivePolicy"]["maxReceiveCount"] == MAX_RECEIVE_COUNT
    assert queue["VisibilityTimeout"] >= 6 * notifications.TIMEOUT_SECONDS
    assert production.props(dlq_id)["SqsManagedSseEnabled"] is True
    assert production.output_ref(Output.NOTIFICATIONS_QUEUE_ARN) == production.output_ref(
        Output.NOTIFICATIONS_QUEUE_URL
    )


def test_only_amazons_publisher_may_send_and_only_over_tls(production: Synthesized) -> None:
    queue = production.output_ref(Output.NOTIFICATIONS_QUEUE_URL)
    statements = queue_statements(production, queue)
    (allowed,) = [s for s in statements if s["Effect"] == "Allow"]
    assert sorted(as_list(allowed["Action"])) == ["sqs:GetQueueAttributes", "sqs:SendMessage"]
    assert AMAZON_NOTIFICATIONS_ACCOUNT == "437568002678"
    assert json.dumps(allowed["Principal"]).endswith(f':iam::{AMAZON_NOTIFICATIONS_ACCOUNT}:root"]]}}}}')
    assert ref(allowed["Resource"]) == queue and "Condition" not in allowed
    assert any(s["Effect"] == "Deny" and s["Condition"] == INSECURE for s in statements)


def _consumer(production: Synthesized) -> str:
    return production.output_ref(Output.NOTIFICATIONS_FUNCTION_NAME)


def test_the_consumer_function_and_its_environment(production: Synthesized) -> None:
    function = _consumer(production)
    props = production.props(function)
    assert (props["Handler"], props["Timeout"], props["MemorySize"]) == (
        "functions.notifications.lambda_handler",
        120,
        512,
    )
    environment = production.environment(function)
    assert set(environment) == (env_keys(NotificationsSettings) - LOCAL_ONLY) | set(RUNTIME_ENV)
    assert ref(environment[Env.NOTIFICATIONS_DLQ_URL]) == production.output_ref(Output.NOTIFICATIONS_DLQ_URL)
    assert ref(environment[Env.KMS_KEY_ARN]) == production.output_ref(Output.KMS_KEY_ARN)
    assert ref(environment[Env.LWA_SECRET_ARN]) == production.output_ref(Output.LWA_SECRET_ARN)
    assert ref(environment[Env.EVENT_BUS_NAME]) == production.output_ref(Output.EVENT_BUS_NAME)
    for table in (Table.CONNECTIONS, Table.ORDERS, Table.RATE_LIMITS):
        assert ref(environment[f"{table.name}_TABLE"]) == production.output_ref(table_output_key(table))


def test_the_consumer_takes_batches_of_ten_reporting_item_failures(production: Synthesized) -> None:
    (mapping,) = [
        m["Properties"]
        for m in production.of_type("AWS::Lambda::EventSourceMapping").values()
        if ref(m["Properties"]["FunctionName"]) == _consumer(production)
    ]
    assert ref(mapping["EventSourceArn"]) == production.output_ref(Output.NOTIFICATIONS_QUEUE_URL)
    assert mapping["BatchSize"] == 10
    assert mapping["ScalingConfig"] == {"MaximumConcurrency": 5}
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_the_consumer_reads_connections_but_cannot_write_them(production: Synthesized) -> None:
    role = production.role_of(_consumer(production))
    expected = {
        Table.CONNECTIONS: Access.READ,
        Table.ORDERS: Access.READ_WRITE,
        Table.RATE_LIMITS: Access.READ_WRITE,
        Table.LISTINGS: Access.READ,  # the SKU map, for the order events' merchant SKUs
    }
    for table in Table:
        actions = production.actions_on(role, production.output_ref(table_output_key(table)))
        if table not in expected:
            assert not actions, table
        elif expected[table] is Access.READ:
            assert actions == set(table_actions(table, Access.READ)) and not actions & WRITES, table
        else:
            assert actions == set(table_actions(table, Access.READ_WRITE)), table


def test_the_consumer_decrypts_tokens_reads_the_secret_publishes_and_dead_letters(production: Synthesized) -> None:
    role = production.role_of(_consumer(production))
    assert "kms:Decrypt" in production.actions_on(role, production.output_ref(Output.KMS_KEY_ARN))
    assert "secretsmanager:GetSecretValue" in production.actions_on(role, production.output_ref(Output.LWA_SECRET_ARN))
    assert not production.actions_on(role, production.output_ref(Output.INVITE_KEY_SECRET_ARN))
    assert production.actions_on(role, production.output_ref(Output.EVENT_BUS_NAME)) == {"events:PutEvents"}
    assert "sqs:SendMessage" in production.actions_on(role, production.output_ref(Output.NOTIFICATIONS_DLQ_URL))
    # It consumes its queue, never sends to it, and sends to no work queue.
    consumed = production.actions_on(role, production.output_ref(Output.NOTIFICATIONS_QUEUE_URL))
    assert {"sqs:ReceiveMessage", "sqs:DeleteMessage"} <= consumed and "sqs:SendMessage" not in consumed
    for entry in SYNC_TYPES:
        assert not production.actions_on(role, production.output_ref(queue_output_key(entry)))


# Alarms and dashboard


def test_the_notifications_alarms(production: Synthesized) -> None:
    dlq = production.output_ref(Output.NOTIFICATIONS_DLQ_URL)
    queue = production.output_ref(Output.NOTIFICATIONS_QUEUE_URL)
    visible = alarms(production, "AWS/SQS", "ApproximateNumberOfMessagesVisible")
    (dlq_alarm,) = [p for p in visible.values() if dlq in referenced(p["Dimensions"])]
    assert (dlq_alarm["ComparisonOperator"], dlq_alarm["Threshold"]) == ("GreaterThanThreshold", 0)
    (age,) = [
        p
        for p in alarms(production, "AWS/SQS", "ApproximateAgeOfOldestMessage").values()
        if queue in referenced(p["Dimensions"])
    ]
    assert (age["Statistic"], age["ComparisonOperator"], age["Threshold"]) == ("Maximum", "GreaterThanThreshold", 300)
    (errors,) = [
        p for p in alarms(production, "AWS/Lambda", "Errors").values() if _consumer(production) in referenced(p)
    ]
    assert errors["Threshold"] == 0
    assert all(notifies_topic(production, p) for p in (dlq_alarm, age, errors))


def test_the_on_connect_dlq_has_an_alarm(production: Synthesized) -> None:
    _, rule = _rule(production)
    (dlq,) = referenced(rule["Targets"][0]["DeadLetterConfig"])
    visible = alarms(production, "AWS/SQS", "ApproximateNumberOfMessagesVisible")
    (alarm,) = [p for p in visible.values() if dlq in referenced(p["Dimensions"])]
    assert notifies_topic(production, alarm)


def test_the_order_import_lag_alarm(production: Synthesized) -> None:
    (lag,) = alarms(production, METRICS_NAMESPACE, "OrderImportLagSeconds").values()
    assert lag["Dimensions"] == [{"Name": "sync_type", "Value": "orders"}]
    assert (lag["ExtendedStatistic"], lag["Period"]) == ("p50", 300)
    assert (lag["ComparisonOperator"], lag["Threshold"]) == ("GreaterThanThreshold", 900)
    assert (lag["EvaluationPeriods"], lag["DatapointsToAlarm"]) == (3, 3)
    assert notifies_topic(production, lag)


def test_the_dashboard_shows_order_import_and_notifications(production: Synthesized) -> None:
    body = production.dashboard_body()
    for metric in (
        "OrdersImported",
        "OrdersChanged",
        "OrderEventsPublished",
        "OrderImportLagSeconds",
        "NotificationsProcessed",
        "NotificationsDeadLettered",
    ):
        assert f'\\"{metric}\\",\\"sync_type\\",\\"orders\\"' in body, metric
    assert "ApproximateAgeOfOldestMessage" in body


def test_the_notifications_outputs(production: Synthesized) -> None:
    outputs = production.json["Outputs"]
    queue = production.output_ref(Output.NOTIFICATIONS_QUEUE_URL)
    assert outputs[Output.NOTIFICATIONS_QUEUE_URL]["Value"] == {"Ref": queue}
    assert outputs[Output.NOTIFICATIONS_QUEUE_ARN]["Value"] == {"Fn::GetAtt": [queue, "Arn"]}
    assert production.resources[production.output_ref(Output.NOTIFICATIONS_DLQ_URL)]["Type"] == "AWS::SQS::Queue"
    assert _consumer(production) != production.function_of("orders")
