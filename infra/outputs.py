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

Per sync type `<Title>` (`SyncType.title`, e.g. `orders` -> `Orders`): `Sync<Title>FunctionName`,
`Sync<Title>QueueUrl` (its work queue) and `Sync<Title>DlqUrl` (the work queue's dead-letter queue).
"""

from collections.abc import Iterable
from enum import StrEnum

from infra.config import SyncType, Table, camel


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


def table_output_key(table: Table) -> str:
    """Output key holding a table's name, e.g. `OauthStatesTableName`."""
    return f"{camel(table.value)}TableName"


def function_output_key(sync_type: SyncType | str) -> str:
    """Output key holding a sync type's function name, e.g. `SyncOrdersFunctionName`."""
    return f"Sync{_title(sync_type)}FunctionName"


def queue_output_key(sync_type: SyncType | str) -> str:
    """Output key holding a sync type's work queue URL."""
    return f"Sync{_title(sync_type)}QueueUrl"


def dlq_output_key(sync_type: SyncType | str) -> str:
    """Output key holding the URL of a sync type's dead-letter queue."""
    return f"Sync{_title(sync_type)}DlqUrl"


def _title(sync_type: SyncType | str) -> str:
    return sync_type.title if isinstance(sync_type, SyncType) else camel(sync_type)


def output_keys(registry: Iterable[SyncType]) -> set[str]:
    """Every output key the stack built from `registry` has."""
    keys = {str(key) for key in Output} | {table_output_key(table) for table in Table}
    for entry in registry:
        keys |= {function_output_key(entry), queue_output_key(entry), dlq_output_key(entry)}
    return keys
