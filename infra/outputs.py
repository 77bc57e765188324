"""CloudFormation output keys of the stack: the contract with the operator CLI, which imports these names.

Fixed keys:

| key               | value                                   |
| ----------------- | --------------------------------------- |
| `<Table>TableName` | one per `Table` (e.g. `ConnectionsTableName`, `OauthStatesTableName`) |
| `EventBusName`    | the integration's EventBridge bus       |
| `LwaSecretArn`    | Secrets Manager secret with the LWA app credentials |
| `InviteKeySecretArn` | Secrets Manager secret with the key that signs connect links |
| `OauthFunctionName` | the function behind the OAuth routes   |
| `KmsKeyArn`       | the stack's customer-managed KMS key    |
| `ApiUrl`          | base URL of the HTTP API (`$default` stage) |
| `AlarmTopicArn`   | SNS topic the alarms notify             |
| `DashboardName`   | the CloudWatch dashboard                |
| `NotificationsQueueUrl` | the queue Amazon delivers SP-API notifications to |
| `NotificationsQueueArn` | its ARN (names the destination at Amazon) |
| `NotificationsDlqUrl` | its dead-letter queue                 |
| `NotificationsFunctionName` | the function consuming it       |
| `InventoryInputQueueUrl` | the inventory pipeline's input (InventoryChanged events, CLI batches) |
| `InventoryChangesQueueUrl` | changes waiting to be batched into feeds |
| `InventoryFastlaneQueueUrl` | stock-outs, patched one by one   |
| `InventoryResultsQueueUrl` | submitted feeds waiting for Amazon's processing report |
| `Inventory<Queue>DlqUrl` | the dead-letter queue of each (`InventoryInputDlqUrl`, ...) |
| `InventoryInputFunctionName` | the function consuming the input queue |
| `InventoryFeedsFunctionName` | the function batching changes into feeds |
| `InventoryFastlaneFunctionName` | the function patching stock-outs |
| `InventoryResultsFunctionName` | the function reading feed results |
| `ShipmentsInputQueueUrl` | shipments and cancellation requests (ShipmentCreated / OrderCancellationRequested, CLI) |
| `ShipmentsVerifyQueueUrl`, `ShipmentsCancellationsQueueUrl` | package checks and order events; cancellation feeds |
| `ShipmentsInputDlqUrl`, `ShipmentsVerifyDlqUrl`, `ShipmentsCancellationsDlqUrl` | the shipments queues' DLQs |
| `SecretRotationQueueArn` | the queue to register under "Application Client New Secret" (docs/operations.md) |
| `SecretRotationQueueUrl`, `SecretRotationDlqUrl`, `SecretRotationFunctionName` | its URL, its DLQ, its function |

With the listings notifications (the `sellersync:listingsEventSource` context): `CatalogNotificationsQueueUrl`,
`CatalogNotificationsDlqUrl`, `CatalogNotificationsFunctionName` and `ListingsPartnerBusName`.

Per sync type `<Title>` (`SyncType.title`, e.g. `orders` -> `Orders`): `Sync<Title>FunctionName`,
`Sync<Title>QueueUrl` (its work queue) and `Sync<Title>DlqUrl` (the work queue's dead-letter queue).
"""

from collections.abc import Iterable
from enum import StrEnum
from typing import TYPE_CHECKING

from infra.names import Queue, Table, camel

if TYPE_CHECKING:  # the registry's module imports every sync definition; the CLI needs only the key names
    from infra.config import SyncType


class Output(StrEnum):
    """Output keys that exist once per stack."""

    EVENT_BUS_NAME = "EventBusName"
    LWA_SECRET_ARN = "LwaSecretArn"
    INVITE_KEY_SECRET_ARN = "InviteKeySecretArn"
    OAUTH_FUNCTION_NAME = "OauthFunctionName"
    KMS_KEY_ARN = "KmsKeyArn"
    API_URL = "ApiUrl"
    ALARM_TOPIC_ARN = "AlarmTopicArn"
    DASHBOARD_NAME = "DashboardName"
    NOTIFICATIONS_QUEUE_URL = "NotificationsQueueUrl"
    NOTIFICATIONS_QUEUE_ARN = "NotificationsQueueArn"
    NOTIFICATIONS_DLQ_URL = "NotificationsDlqUrl"
    NOTIFICATIONS_FUNCTION_NAME = "NotificationsFunctionName"
    INVENTORY_INPUT_QUEUE_URL = "InventoryInputQueueUrl"
    INVENTORY_INPUT_DLQ_URL = "InventoryInputDlqUrl"
    INVENTORY_CHANGES_QUEUE_URL = "InventoryChangesQueueUrl"
    INVENTORY_CHANGES_DLQ_URL = "InventoryChangesDlqUrl"
    INVENTORY_FASTLANE_QUEUE_URL = "InventoryFastlaneQueueUrl"
    INVENTORY_FASTLANE_DLQ_URL = "InventoryFastlaneDlqUrl"
    INVENTORY_RESULTS_QUEUE_URL = "InventoryResultsQueueUrl"
    INVENTORY_RESULTS_DLQ_URL = "InventoryResultsDlqUrl"
    INVENTORY_INPUT_FUNCTION_NAME = "InventoryInputFunctionName"
    INVENTORY_FEEDS_FUNCTION_NAME = "InventoryFeedsFunctionName"
    INVENTORY_FASTLANE_FUNCTION_NAME = "InventoryFastlaneFunctionName"
    INVENTORY_RESULTS_FUNCTION_NAME = "InventoryResultsFunctionName"
    SHIPMENTS_INPUT_QUEUE_URL = "ShipmentsInputQueueUrl"
    SHIPMENTS_INPUT_DLQ_URL = "ShipmentsInputDlqUrl"
    SHIPMENTS_VERIFY_QUEUE_URL = "ShipmentsVerifyQueueUrl"
    SHIPMENTS_VERIFY_DLQ_URL = "ShipmentsVerifyDlqUrl"
    SHIPMENTS_CANCELLATIONS_QUEUE_URL = "ShipmentsCancellationsQueueUrl"
    SHIPMENTS_CANCELLATIONS_DLQ_URL = "ShipmentsCancellationsDlqUrl"
    SECRET_ROTATION_QUEUE_ARN = "SecretRotationQueueArn"
    SECRET_ROTATION_QUEUE_URL = "SecretRotationQueueUrl"
    SECRET_ROTATION_DLQ_URL = "SecretRotationDlqUrl"
    SECRET_ROTATION_FUNCTION_NAME = "SecretRotationFunctionName"


class ListingsOutput(StrEnum):
    """Output keys of the listings notifications, present only when the context names their partner event source."""

    QUEUE_URL = "CatalogNotificationsQueueUrl"
    DLQ_URL = "CatalogNotificationsDlqUrl"
    FUNCTION_NAME = "CatalogNotificationsFunctionName"
    PARTNER_BUS_NAME = "ListingsPartnerBusName"


def pipeline_queue_output_key(queue: Queue) -> Output:
    """Output key holding the URL of one of the stack's shared queues, e.g. `InventoryInputQueueUrl`."""
    return Output(f"{camel(queue.value)}QueueUrl")


def pipeline_dlq_output_key(queue: Queue) -> Output:
    """Output key holding the URL of a shared queue's dead-letter queue, e.g. `InventoryInputDlqUrl`."""
    return Output(f"{camel(queue.value)}DlqUrl")


def inventory_function_output_key(function: str) -> Output:
    """Output key holding the name of an inventory pipeline function (`input`, `feeds`, `fastlane`, `results`)."""
    return Output(f"Inventory{camel(function)}FunctionName")


def table_output_key(table: Table) -> str:
    """Output key holding a table's name, e.g. `OauthStatesTableName`."""
    return f"{camel(table.value)}TableName"


def function_output_key(sync_type: "SyncType | str") -> str:
    """Output key holding a sync type's function name, e.g. `SyncOrdersFunctionName`."""
    return f"Sync{_title(sync_type)}FunctionName"


def queue_output_key(sync_type: "SyncType | str") -> str:
    """Output key holding a sync type's work queue URL."""
    return f"Sync{_title(sync_type)}QueueUrl"


def dlq_output_key(sync_type: "SyncType | str") -> str:
    """Output key holding the URL of a sync type's dead-letter queue."""
    return f"Sync{_title(sync_type)}DlqUrl"


def _title(sync_type: "SyncType | str") -> str:
    return camel(sync_type) if isinstance(sync_type, str) else sync_type.title


def output_keys(registry: "Iterable[SyncType]", listings_notifications: bool = False) -> set[str]:
    """Every output key the stack built from `registry` has (with the listings notifications' when they are built)."""
    keys = {str(key) for key in Output} | {table_output_key(table) for table in Table}
    if listings_notifications:
        keys |= {str(key) for key in ListingsOutput}
    for entry in registry:
        keys |= {function_output_key(entry), queue_output_key(entry), dlq_output_key(entry)}
    return keys
