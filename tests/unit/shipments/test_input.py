"""The shipments input queue's messages: both request shapes parse, anything else is malformed with its reason."""

import json

from shared.models.shipments import CancelReason, OrderCancellationRequested, ShipmentCreated
from shared.shipments.input import Malformed, envelope, parse_request

ORDER = "111-1111111-1111111"
SHIPMENT = {
    "connectionId": "eu-a1",
    "orderId": ORDER,
    "reference": "PKG-1",
    "carrier": "Royal Mail 24",
    "trackingNumber": "RM123",
    "items": [{"sku": "SKU-A", "quantity": 2}],
}


def _event(detail_type: str, detail: object) -> str:
    return json.dumps({"detail-type": detail_type, "source": "warehouse", "detail": detail})


def test_a_shipment_event_parses_and_the_cli_envelope_round_trips() -> None:
    request = parse_request(_event("ShipmentCreated", SHIPMENT))
    assert isinstance(request, ShipmentCreated) and request.items[0].sku == "SKU-A"
    assert parse_request(envelope(request)) == request


def test_a_cancellation_takes_a_plain_alias() -> None:
    request = parse_request(
        _event("OrderCancellationRequested", {"connectionId": "eu-a1", "orderId": ORDER, "reason": "out of stock"})
    )
    assert isinstance(request, OrderCancellationRequested) and request.reason is CancelReason.NO_INVENTORY
    assert json.loads(envelope(request))["detail"]["reason"] == "NoInventory"


def test_an_invalid_detail_names_its_connection_and_order_for_the_rejection_event() -> None:
    result = parse_request(_event("ShipmentCreated", {**SHIPMENT, "items": [{"sku": "SKU-A", "quantity": 0}]}))
    assert isinstance(result, Malformed)
    assert (result.connection_id, result.order_id, result.detail_type) == ("eu-a1", ORDER, "ShipmentCreated")
    assert "items.0.quantity" in result.reason


def test_an_unknown_reason_lists_amazons_values() -> None:
    result = parse_request(
        _event("OrderCancellationRequested", {"connectionId": "eu-a1", "orderId": ORDER, "reason": "meh"})
    )
    assert isinstance(result, Malformed) and "NoInventory" in result.reason


def test_other_messages_are_malformed() -> None:
    assert "not JSON" in _reason("{")
    assert "no detail-type" in _reason(json.dumps({"records": []}))
    assert "unexpected detail-type 'InventoryChanged'" in _reason(_event("InventoryChanged", {}))


def _reason(body: str) -> str:
    result = parse_request(body)
    assert isinstance(result, Malformed)
    return result.reason


def test_a_malformed_request_naming_its_order_is_rejected_on_the_bus() -> None:
    from shared.shipments.events import malformed_entry

    result = parse_request(_event("ShipmentCreated", {**SHIPMENT, "items": [{"sku": "A", "quantity": -1}]}))
    assert isinstance(result, Malformed) and result.reference == "PKG-1"
    entry = malformed_entry(result.detail_type, result.connection_id, result.order_id, result.reference, "bad", "bus")
    assert entry is not None and entry["DetailType"] == "ShipmentRejected"
    assert json.loads(entry["Detail"])["reference"] == "PKG-1"
    cancel = malformed_entry("OrderCancellationRequested", "eu-a1", ORDER, None, "unknown reason", "bus")
    assert cancel is not None and json.loads(cancel["Detail"])["verdict"] == "unknown reason"
    # Naming no order, or another detail type: nothing a consumer could match.
    assert malformed_entry("ShipmentCreated", "eu-a1", None, None, "bad", "bus") is None
    assert malformed_entry("InventoryChanged", "eu-a1", ORDER, None, "bad", "bus") is None
