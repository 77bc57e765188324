"""Lambda: the shipments verification queue (delayed package checks, and the order events of the bus), and the
scheduled at-risk sweep (orders near their latest ship date not confirmed yet: the ShipmentsAtRisk metric).

Thin: wiring. A 204 from confirmShipment is not proof (docs/shipments.md): an order event whose order shows the
shipped quantities confirms the packages it covers; a package check, a few minutes after sending, confirms the package
from the stored order or one getOrder, or reports it unverified; a `HeldRelease` (queued by `connections resume`)
sends the packages held while the connection was paused. A message that is none of these goes to the DLQ.
"""

from functools import cache
from typing import Any

from aws_lambda_powertools import Metrics, Tracer
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.models.connection import ConnectionStatus
from shared.runtime.batch import process_sqs_batch
from shared.runtime.logs import function_logger
from shared.runtime.shipments import ShipmentsRuntime, load_runtime
from shared.shipments.handling import handle_verification
from shared.shipments.metrics import MetricUnit, ShipmentMetric
from shared.shipments.risk import sweep

# The schedule's payload (infra/constructs/shipments.py).
AT_RISK_SWEEP = "at_risk_sweep"

logger = function_logger()
metrics = Metrics(service="")
tracer = Tracer()


@cache
def _runtime() -> ShipmentsRuntime:
    return load_runtime(metrics)


def _record(record: SQSRecord, context: LambdaContext) -> None:
    runtime = _runtime()
    deps = runtime.verify_deps(metrics, context.get_remaining_time_in_millis)

    def work() -> None:
        confirmed = handle_verification(record.body, deps)
        logger.info("verification processed", extra={"confirmed": confirmed})

    dlq = runtime.settings.shipments_verify_dlq_url
    runtime.run_or_dead_letter(record, dlq, work, logger)


def _sweep() -> dict[str, Any]:
    runtime = _runtime()
    active = [c.connection_id for c in runtime.connections.list_connections(ConnectionStatus.ACTIVE)]
    rows = sweep(active, runtime.orders, runtime.shipments, runtime.clock())
    metrics.add_metric(ShipmentMetric.SHIPMENTS_AT_RISK, MetricUnit.Count, len(rows))
    for row in rows:
        logger.warning(
            "order at risk of shipping late",
            extra={
                "connection_id": row.connection_id,
                "order_id": row.order_id,
                "latest_ship_date": row.latest_ship_date.isoformat(),
                "units_unconfirmed": row.units_unconfirmed,
                "overdue": row.overdue,
            },
        )
    return {"connections": len(active), "at_risk": len(rows)}


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """An SQS batch from the verification queue (answers `{"batchItemFailures": [...]}`), or the schedule's sweep."""
    if event.get("kind") == AT_RISK_SWEEP:
        return _sweep()
    return process_sqs_batch(event, context, _record)
