"""The function and queue specs: validation, the builder's refusals, and the logical ids a deployed stack keeps."""

from dataclasses import replace
from pathlib import Path
from typing import Any, cast

import pytest
from aws_cdk import App, CfnElement, Names, Stack
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.access import Access
from infra.config import SCHEDULES_CONTEXT_KEY, SYNC_TYPES, Queue, Table
from infra.constructs import catalog, inventory, notifications, shipments
from infra.constructs.resources import Queues, unique_id
from infra.spec import Consumes, FunctionSpec, QueueSpec
from shared.settings import SyncSettings
from tests.infra.template_tools import Synthesized

pytestmark = pytest.mark.infra


def spec(**overrides: Any) -> FunctionSpec:
    values: dict[str, Any] = {
        "name": "shipments_input",
        "handler": "functions.shipments_input.lambda_handler",
        "description": "d",
        "settings": SyncSettings,
        "timeout_seconds": 60,
    }
    return FunctionSpec(**(values | overrides))


def test_names_derive_from_the_spec_name() -> None:
    built = spec()
    assert (built.title, built.service, built.label) == (
        "ShipmentsInput",
        "sellersync-shipments-input",
        "shipments input",
    )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name": "Shipments"}, "lower-case identifier"),
        ({"handler": "functions.shipments.main"}, "functions.<module>.lambda_handler"),
        ({"timeout_seconds": 901}, "timeout"),
        ({"memory_mb": 64}, "memory"),
    ],
)
def test_an_invalid_spec_is_refused(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        spec(**overrides)


def test_a_batch_above_ten_needs_a_window() -> None:
    with pytest.raises(ValueError, match="needs a window"):
        Consumes("q", batch_size=100, max_concurrency=2)
    assert Consumes("q", batch_size=100, max_concurrency=2, batching_window_seconds=5).batch_size == 100


def test_the_visibility_timeout_covers_six_timeouts_and_the_window() -> None:
    consumes = Consumes("q", batch_size=100, max_concurrency=2, batching_window_seconds=20)
    assert spec(timeout_seconds=60, consumes=consumes).visibility_timeout_seconds == 380


def test_table_access_or_exact_actions() -> None:
    exact = spec(tables={Table.CONNECTIONS: ("dynamodb:GetItem",), Table.ORDERS: Access.READ})
    assert exact.table_actions(Table.CONNECTIONS) == ("dynamodb:GetItem",)
    assert exact.table_actions(Table.ORDERS) == ("dynamodb:GetItem", "dynamodb:Query")


def test_a_shared_queue_needs_exactly_one_consumer() -> None:
    stack = Stack(App(), "Probe")
    consumer = spec(consumes=Consumes("work", batch_size=1, max_concurrency=2))
    with pytest.raises(ValueError, match="exactly one consumer"):
        Queues(stack, "None", specs=[QueueSpec(key="work")], consumers=[spec()])
    with pytest.raises(ValueError, match="exactly one consumer"):
        Queues(stack, "Two", specs=[QueueSpec(key="work")], consumers=[consumer, consumer])


def test_a_function_sending_to_a_queue_the_stack_lacks_stops_the_build(tmp_path: Path) -> None:
    from infra.app import build_app

    lanes = (replace(inventory.LANES[0], sends_to=("nowhere",)), *inventory.LANES[1:])
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(inventory, "LANES", lanes)
        with pytest.raises(ValueError, match="sends to \\['nowhere'\\]"):
            build_app(SYNC_TYPES, outdir=str(tmp_path), context={SCHEDULES_CONTEXT_KEY: {}})


def test_unique_id_is_cdks() -> None:
    # Given a queue built where an old construct path put it
    stack = Stack(App(), "SellerSync")
    queue = sqs.Queue(Construct(stack, "Inventory"), "InputQueue")
    # Then our id of that path is the logical id and the unique id CDK gives it
    assert unique_id("Inventory", "InputQueue", "Resource") == stack.get_logical_id(
        cast(CfnElement, queue.node.default_child)
    )
    assert unique_id("SellerSync", "Inventory", "InputQueue") == Names.node_unique_id(queue.node)


# The logical ids of a deployed stack's shared queues (and their event sources): replacing a queue would lose its
# messages and the notifications queue's ARN is Amazon's destination; Lambda refuses a second mapping of a queue.
KEPT = {
    "InventoryInputQueue83013720",
    "InventoryInputDlqDC0E4E16",
    "InventoryChangesQueueD21F67EB",
    "InventoryChangesDlqC9D31202",
    "InventoryFastlaneQueue539B7619",
    "InventoryFastlaneDlq386B6481",
    "InventoryResultsQueue33E59943",
    "InventoryResultsDlq1F29F4BB",
    "NotificationsQueue91395D8F",
    "NotificationsDlqB4409186",
}
KEPT_SOURCES = {
    "InventoryInputFunctionSqsEventSourceSellerSyncInventoryInputQueueDBC3C981F9CCD8EE",
    "InventoryFeedsFunctionSqsEventSourceSellerSyncInventoryChangesQueueF4A0136319555396",
    "InventoryFastlaneFunctionSqsEventSourceSellerSyncInventoryFastlaneQueueE01F32FC60E2F696",
    "InventoryResultsFunctionSqsEventSourceSellerSyncInventoryResultsQueue7ED525069753CA68",
    "NotificationsFunctionSqsEventSourceSellerSyncNotificationsQueueC14289750DB14552",
}


def test_the_shared_queues_keep_their_deployed_logical_ids(production: Synthesized) -> None:
    assert set(production.of_type("AWS::SQS::Queue")) >= KEPT
    assert set(production.of_type("AWS::Lambda::EventSourceMapping")) >= KEPT_SOURCES
    # Queues first built in the queues step (the shipments') have their policies there; the moved ones keep theirs.
    moved = ("QueuesInventory", "QueuesNotifications")
    policies = {lid for lid in production.of_type("AWS::SQS::QueuePolicy") if lid.startswith(moved)}
    assert not policies, "a renamed queue policy would empty the queue's policy on deployment"


def test_every_shared_queue_is_declared_once() -> None:
    keys = [q.key for q in (*inventory.QUEUES, notifications.QUEUE, *shipments.QUEUES, catalog.QUEUE)]
    assert sorted(keys) == sorted(
        [
            *Queue,
            "notifications",
            "shipments_input",
            "shipments_verify",
            "shipments_cancellations",
            catalog.NOTIFICATIONS,
        ]
    )


def test_the_secret_rotation_age_comes_from_the_context_and_stays_below_amazons_limit() -> None:
    from infra.constructs.secret_rotation import rotation_spec

    assert rotation_spec(None).environment == {"SECRET_ROTATE_AFTER_DAYS": "150"}
    assert rotation_spec(120).environment == {"SECRET_ROTATE_AFTER_DAYS": "120"}
    for wrong in (0, 180, "150", 150.5):
        with pytest.raises(ValueError, match="secretRotateAfterDays"):
            rotation_spec(wrong)
