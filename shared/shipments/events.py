"""Outcome events of the shipments capability on the stack's bus, versioned like the order events.

Source `sellersync.shipments`; detail types `ShipmentConfirmed` (Amazon's order shows the package) and
`ShipmentRejected` (Amazon refused it, or we refused the request before sending). Detail (schema version 1):
`schema_version`, `event_id` (stable: the same package content and outcome always give the same id, so consumers can
de-duplicate a re-publication), `connection_id`, `order_id`, `reference`, `package` (what was sent: packageReferenceId,
carrier as given and as sent, tracking, ship date, items, state, Amazon's request id) or null for a refusal, and
`reason` (our reason or Amazon's code and message; null when confirmed).
"""

import hashlib
import json
from typing import Any

from shared.models.shipments import (
    ORDER_CANCELLATION_REQUESTED,
    OUTCOME_SCHEMA_VERSION,
    SHIPMENT_CREATED,
    SOURCE,
    OutcomeType,
    PackageRecord,
    ShipmentCreated,
)


def package_detail(record: PackageRecord) -> dict[str, Any]:
    """The package as an outcome event carries it."""
    return {
        "package_reference_id": record.package_reference_id,
        "marketplace_id": record.marketplace_id,
        "carrier_given": record.carrier_given,
        "carrier_code": record.carrier_code,
        "carrier_name": record.carrier_name,
        "service": record.service,
        "tracking_number": record.tracking_number,
        "ship_date": record.ship_date.isoformat(),
        "items": [line.model_dump(mode="json") for line in record.lines],
        "state": record.state.value,
        "request_id": record.request_id,
        "content": record.content,
    }


def event_id(
    outcome: OutcomeType, connection_id: str, order_id: str, reference: str, content: str, reason: str | None
) -> str:
    """Stable id of one outcome of one package content (a refusal's content is a digest of the request)."""
    suffix = hashlib.sha256((reason or "").encode()).hexdigest()[:8] if outcome is OutcomeType.SHIPMENT_REJECTED else ""
    return ":".join(part for part in (connection_id, order_id, reference, content, outcome.value, suffix) if part)


def outcome_entry(
    outcome: OutcomeType,
    bus_name: str,
    *,
    record: PackageRecord | None = None,
    event: ShipmentCreated | None = None,
    reason: str | None = None,
) -> dict[str, Any]:
    """A PutEvents entry for a package outcome: from the package as recorded, or (a refusal) from the request."""
    if record is not None:
        connection_id, order_id, reference, content = (
            record.connection_id,
            record.order_id,
            record.reference,
            record.content,
        )
    elif event is not None:
        connection_id, order_id, reference = event.connection_id, event.order_id, event.reference
        content = hashlib.sha256(event.model_dump_json().encode()).hexdigest()[:16]
    else:
        raise ValueError("an outcome entry needs the package record or the request")
    detail = {
        "schema_version": OUTCOME_SCHEMA_VERSION,
        "event_id": event_id(outcome, connection_id, order_id, reference, content, reason),
        "connection_id": connection_id,
        "order_id": order_id,
        "reference": reference,
        "package": package_detail(record) if record is not None else None,
        "reason": reason,
    }
    return {"Source": SOURCE, "DetailType": outcome.value, "Detail": json.dumps(detail), "EventBusName": bus_name}


def malformed_entry(
    detail_type: str | None,
    connection_id: str | None,
    order_id: str | None,
    reference: str | None,
    reason: str,
    bus_name: str,
) -> dict[str, Any] | None:
    """The rejection of a request that did not even validate, when it names its connection and order (None when it
    names too little for a consumer to match it): ShipmentRejected or OrderCancellationRejected, no package."""
    if connection_id is None or order_id is None:
        return None
    if detail_type == SHIPMENT_CREATED:
        kind, extra = OutcomeType.SHIPMENT_REJECTED, {"reference": reference, "package": None, "reason": reason}
    elif detail_type == ORDER_CANCELLATION_REQUESTED:
        kind, extra = OutcomeType.ORDER_CANCELLATION_REJECTED, {"reason": None, "feed_id": None, "verdict": reason}
    else:
        return None
    digest = hashlib.sha256(f"{reference}\x1f{reason}".encode()).hexdigest()[:16]
    detail = {
        "schema_version": OUTCOME_SCHEMA_VERSION,
        "event_id": f"{connection_id}:{order_id}:invalid:{kind.value}:{digest}",
        "connection_id": connection_id,
        "order_id": order_id,
        **extra,
    }
    return {"Source": SOURCE, "DetailType": kind.value, "Detail": json.dumps(detail), "EventBusName": bus_name}
