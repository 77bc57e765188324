"""What arrives on the shipments input queue, parsed at the boundary.

Two shapes, both whole EventBridge events (the bus rule sends them unchanged; `sellersync shipments confirm|import`
and `sellersync orders cancel` send the same envelope): `detail-type` ShipmentCreated or OrderCancellationRequested
with the request as `detail`. Anything else is malformed: it goes to the input DLQ with the reason, and when it names
a connection and an order, a rejection event says so on the bus.
"""

import json
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from shared.models.shipments import (
    ORDER_CANCELLATION_REQUESTED,
    SHIPMENT_CREATED,
    OrderCancellationRequested,
    ShipmentCreated,
)

# The CLI's envelope source (events from the merchant's systems carry their own).
CLI_SOURCE = "sellersync.cli"
REQUESTS: dict[str, type[ShipmentCreated] | type[OrderCancellationRequested]] = {
    SHIPMENT_CREATED: ShipmentCreated,
    ORDER_CANCELLATION_REQUESTED: OrderCancellationRequested,
}


@dataclass(frozen=True)
class Malformed:
    """A message that can never be processed: why, what it was, and the connection and order it names, if any."""

    reason: str
    body: Any
    detail_type: str | None = None
    connection_id: str | None = None
    order_id: str | None = None
    reference: str | None = None


Request = ShipmentCreated | OrderCancellationRequested


def envelope(request: Request, source: str = CLI_SOURCE) -> str:
    """The message body the CLI sends: the event EventBridge would deliver (detail-type, source, detail)."""
    detail_type = SHIPMENT_CREATED if isinstance(request, ShipmentCreated) else ORDER_CANCELLATION_REQUESTED
    detail = request.model_dump(mode="json", by_alias=True, exclude_none=True)
    return json.dumps({"detail-type": detail_type, "source": source, "detail": detail})


def parse_request(body: str) -> Request | Malformed:
    """The request a message carries, or why it carries none."""
    try:
        payload = json.loads(body)
    except json.JSONDecodeError as exc:
        return Malformed(f"not JSON: {exc.msg}", body)
    if not isinstance(payload, dict) or "detail-type" not in payload:
        return Malformed("not an event (no detail-type)", payload)
    detail_type, detail = payload.get("detail-type"), payload.get("detail")
    model = REQUESTS.get(str(detail_type))
    if model is None:
        return Malformed(f"unexpected detail-type {detail_type!r}", payload, str(detail_type))
    try:
        return model.model_validate(detail)
    except ValidationError as exc:
        names = detail if isinstance(detail, dict) else {}
        return Malformed(
            f"invalid {detail_type}: {validation_reason(exc)}",
            payload,
            str(detail_type),
            _text(names.get("connectionId")),
            _text(names.get("orderId")),
            _text(names.get("reference")),
        )


def validation_reason(exc: ValidationError, shown: int = 3) -> str:
    """The first problems of a validation error, one line: `field.path: message; ...`."""
    problems = [f"{'.'.join(str(p) for p in e['loc']) or 'detail'}: {e['msg']}" for e in exc.errors()[:shown]]
    more = len(exc.errors()) - shown
    return "; ".join(problems) + (f" (and {more} more)" if more > 0 else "")


def _text(value: object) -> str | None:
    return value[:100] if isinstance(value, str) and value else None
