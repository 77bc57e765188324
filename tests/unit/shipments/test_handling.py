"""shared/shipments/handling.py: what a shipments function does with each outcome (events, metrics, checks, DLQ)."""

import json
from dataclasses import dataclass, field
from typing import Any

import pytest

from shared.models.orders import ImportedOrder
from shared.models.shipments import PackageState
from shared.repositories.shipments import ShipmentsRepository
from shared.shipments.confirm import OutcomeKind, ShipmentDeps
from shared.shipments.handling import (
    Outputs,
    RequestRefusedError,
    VerifyDeps,
    handle_shipment,
    handle_verification,
)
from shared.shipments.messages import PackageCheck
from shared.shipments.metrics import ShipmentMetric
from shared.spapi.errors import SpApiError
from tests.unit.shipments.world import ORDER_ID, Clock, FakeAmazon, coerce, line, shipment, stored_order


@dataclass
class Recorder:
    """The bus, the metrics and the verification queue, recorded."""

    events: list[dict[str, Any]] = field(default_factory=list)
    metrics: list[tuple[str, float]] = field(default_factory=list)
    checks: list[tuple[PackageCheck, int]] = field(default_factory=list)

    def publish(self, entries: Any) -> None:
        self.events.extend(entries)

    def add_metric(self, name: ShipmentMetric, unit: Any, value: float) -> None:
        self.metrics.append((str(name), value))

    def outputs(self) -> Outputs:
        return Outputs(self, "bus", self, lambda check, delay: self.checks.append((check, delay)), 120)

    def types(self) -> list[str]:
        return [e["DetailType"] for e in self.events]


def _deps(repo: ShipmentsRepository, amazon: FakeAmazon, order: ImportedOrder | None) -> ShipmentDeps:
    return ShipmentDeps(lambda _: order, repo, amazon, coerce, Clock())


def test_a_sent_package_queues_its_check_and_publishes_nothing_yet(repo: ShipmentsRepository) -> None:
    out = Recorder()
    outcome = handle_shipment(shipment(items=[("SKU-A", 1)]), _deps(repo, FakeAmazon(), stored_order()), out.outputs())
    assert outcome.kind is OutcomeKind.SENT
    ((check, delay),) = out.checks
    assert (check.order_id, check.reference, delay) == (ORDER_ID, "PKG-1", 120)
    assert out.events == [] and ("ShipmentsSent", 1) in out.metrics


def test_a_refused_package_publishes_its_rejection_and_raises_for_the_dlq(repo: ShipmentsRepository) -> None:
    out = Recorder()
    with pytest.raises(RequestRefusedError, match="SKU-Z"):
        handle_shipment(shipment(items=[("SKU-Z", 1)]), _deps(repo, FakeAmazon(), stored_order()), out.outputs())
    assert out.types() == ["ShipmentRejected"] and out.checks == []
    detail = json.loads(out.events[0]["Detail"])
    assert detail["order_id"] == ORDER_ID and "SKU-Z" in detail["reason"]
    assert ("ShipmentsRefused", 1) in out.metrics


def test_amazons_4xx_is_reported_not_dead_lettered(repo: ShipmentsRepository) -> None:
    out = Recorder()
    amazon = FakeAmazon(fail_with=[SpApiError(400, "InvalidInput", "Invalid carrier", request_id="req-1")])
    outcome = handle_shipment(shipment(items=[("SKU-A", 1)]), _deps(repo, amazon, stored_order()), out.outputs())
    assert outcome.kind is OutcomeKind.REJECTED
    assert out.types() == ["ShipmentRejected"] and out.checks == []
    assert json.loads(out.events[0]["Detail"])["package"]["request_id"] == "req-1"


def test_an_order_event_confirms_the_packages_it_shows_shipped(repo: ShipmentsRepository) -> None:
    out = Recorder()
    handle_shipment(shipment(items=[("SKU-A", 2)]), _deps(repo, FakeAmazon(), stored_order()), out.outputs())
    shipped = stored_order([line("11111111111111", "SKU-A", 2, shipped=2), line("22222222222222", "SKU-B", 1)])
    body = json.dumps(
        {
            "source": "sellersync.orders",
            "detail-type": "OrderChanged",
            "detail": {"order": shipped.model_dump(mode="json")},
        }
    )
    deps = VerifyDeps(repo, lambda _: shipped, _no_amazon, Clock(), out.outputs())
    assert handle_verification(body, deps) == 1
    assert out.types() == ["ShipmentConfirmed"]
    assert repo.load(shipped.connection_id, ORDER_ID).package("PKG-1").state is PackageState.CONFIRMED  # type: ignore[union-attr]
    # Another event of the same order confirms nothing twice; other events of the bus are not ours to read.
    assert handle_verification(body, deps) == 0
    assert handle_verification(json.dumps({"source": "x", "detail-type": "OrderChanged", "detail": {}}), deps) == 0


def test_a_message_that_is_neither_check_nor_event_is_refused(repo: ShipmentsRepository) -> None:
    deps = VerifyDeps(repo, lambda _: None, _no_amazon, Clock(), Recorder().outputs())
    with pytest.raises(RequestRefusedError, match="PackageCheck"):
        handle_verification(json.dumps({"kind": "nope"}), deps)


def _no_amazon(connection_id: str) -> Any:
    raise AssertionError("no Amazon call expected")
