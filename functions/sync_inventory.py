"""Lambda: the `inventory` sync (README, "Inventory", reconciliation): daily schedule, on-connect and on-demand runs.

Thin: wiring only; shared/inventory/reconcile.py does the work.
"""

from functools import cache
from typing import Any

from aws_lambda_powertools import Metrics, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared import aws
from shared.clock import scaled_utc_clock
from shared.inventory.queues import ChangeQueues
from shared.inventory.reconcile import ReconcileDeps, inventory_sync
from shared.inventory.seed import StoredCatalog
from shared.repositories.connections import ConnectionsRepository
from shared.repositories.encryption import KmsEncryptor
from shared.repositories.inventory import InventoryRepository
from shared.repositories.listings import ListingsRepository
from shared.repositories.sync_status import SyncStatusRepository
from shared.runtime.function_settings import settings_with_metrics
from shared.runtime.logs import function_logger
from shared.settings import InventorySyncSettings
from shared.sync import SqsJobQueue, SyncDependencies, handle_event

logger = function_logger()
metrics = Metrics(service="")
tracer = Tracer()


@cache
def _settings() -> InventorySyncSettings:
    return settings_with_metrics(InventorySyncSettings, metrics)


@cache
def _dependencies() -> SyncDependencies:
    settings = _settings()
    dynamodb = aws.client("dynamodb")
    sqs = aws.client("sqs")
    clock = scaled_utc_clock(settings.spapi_time_scale, settings.spapi_clock_origin)
    buckets = InventoryRepository(settings.inventory_table, dynamodb, clock=clock)
    deps = ReconcileDeps(
        buckets=buckets,
        list_buckets=buckets.iter_buckets,
        queues=ChangeQueues(
            sqs,
            settings.inventory_changes_queue_url,
            settings.inventory_fastlane_queue_url,
            settings.inventory_results_queue_url,
        ),
        metrics=metrics,
        clock=clock,
        catalog=StoredCatalog(ListingsRepository(settings.listings_table, dynamodb))
        if settings.listings_table
        else None,
    )
    return SyncDependencies(
        definition=inventory_sync(deps),
        connections=ConnectionsRepository(
            settings.connections_table, dynamodb, KmsEncryptor(settings.kms_key_arn, aws.client("kms"))
        ),
        statuses=SyncStatusRepository(settings.connections_table, dynamodb),
        queue=SqsJobQueue(sqs, settings.sync_queue_url, settings.sync_dlq_url),
        metrics=metrics,
        logger=logger,
        clock=clock,
    )


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Scheduler dispatch, on-demand run or SQS batch of `inventory` jobs (shared/sync/events.py)."""
    return handle_event(event, _dependencies(), context.get_remaining_time_in_millis)
