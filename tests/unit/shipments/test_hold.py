"""shared/shipments/hold.py and its paths: a package arriving while the connection's shipments are paused is recorded
held and not sent; the resume's release sends each held package once (twice run: once), against a fake Amazon and
the shipments table on moto's DynamoDB."""

import json
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from typing import Any

from shared.models.connection import PAUSE_ALL, PAUSE_SHIPMENTS, Connection, Pause
from shared.models.shipments import PackageState
from shared.repositories.shipments import ShipmentsRepository
from shared.shipments.confirm import OutcomeKind, ShipmentDeps, confirm_package, process_shipment
from shared.shipments.handling import Outputs, VerifyDeps, handle_verification
from shared.shipments.hold import Released, release_held
from shared.shipments.messages import HeldRelease, PackageCheck
from shared.shipments.verify import OrderReader
from tests.unit.shipments.world import CID, NOW, ORDER_ID, T0, Clock, FakeAmazon, coerce, shipment, stored_order
from tests.unit.sync.fakes import connection


@dataclass
class Recorder:
    """The bus, the metrics and the verification queue, recorded."""

    events: list[dict[str, Any]] = field(default_factory=list)
    checks: list[PackageCheck] = field(default_factory=list)

    def publish(self, entries: Any) -> None:
        self.events.extend(entries)

    def add_metric(self, name: Any, unit: Any, value: float) -> None:
        pass

    def outputs(self) -> Outputs:
        return Outputs(self, "bus", self, lambda check, delay: self.checks.append(check), 120)


def deps(repo: ShipmentsRepository, amazon: FakeAmazon, paused: bool) -> ShipmentDeps:
    order = stored_order()
    return ShipmentDeps(lambda _: order, repo, amazon, coerce, Clock(), paused=lambda: paused)


SELLER = connection("A1SELLER")
PAUSE = Pause(by="ops", at=T0)


def release(repo: ShipmentsRepository, amazon: FakeAmazon, seller: Connection = SELLER) -> Released:
    clock = Clock()
    return release_held(seller, repo, partial(confirm_package, client=amazon, store=repo, clock=clock), clock)


def test_the_connection_id_is_the_one_the_packages_carry() -> None:
    assert SELLER.connection_id == CID


def test_a_package_arriving_while_paused_is_recorded_held_and_not_sent(repo: ShipmentsRepository) -> None:
    amazon = FakeAmazon()

    outcome = process_shipment(shipment(items=[("SKU-A", 1)]), deps(repo, amazon, paused=True))

    assert outcome.kind is OutcomeKind.HELD
    stored = repo.load(CID, ORDER_ID)
    assert stored.package("PKG-1") == outcome.record and outcome.record.state is PackageState.HELD  # type: ignore[union-attr]
    assert amazon.calls == []
    # Redelivered while still paused: still held, not written again, not sent.
    again = process_shipment(shipment(items=[("SKU-A", 1)]), deps(repo, amazon, paused=True))
    assert again.kind is OutcomeKind.HELD and repo.load(CID, ORDER_ID).version == stored.version
    assert amazon.calls == []


def test_the_release_sends_each_held_package_once_even_run_twice(repo: ShipmentsRepository) -> None:
    amazon = FakeAmazon()
    process_shipment(shipment(items=[("SKU-A", 1)]), deps(repo, amazon, paused=True))
    process_shipment(shipment(reference="PKG-2", items=[("SKU-B", 1)]), deps(repo, amazon, paused=True))

    first = release(repo, amazon)
    second = release(repo, amazon)

    assert sorted(r.reference for r in first.sent) == ["PKG-1", "PKG-2"]
    assert all(r.state is PackageState.SENT for r in first.sent)
    assert second == Released([], 0)
    assert len(amazon.calls) == 2
    assert {p.record.state for p in repo.load(CID, ORDER_ID).packages.values()} == {PackageState.SENT}
    # The original request redelivered after the release: unchanged, not sent again.
    late = process_shipment(shipment(items=[("SKU-A", 1)]), deps(repo, amazon, paused=False))
    assert late.kind is OutcomeKind.UNCHANGED and len(amazon.calls) == 2


def test_a_request_redelivered_after_resume_sends_the_held_package_and_the_release_skips_it(
    repo: ShipmentsRepository,
) -> None:
    amazon = FakeAmazon()
    held = process_shipment(shipment(items=[("SKU-A", 1)]), deps(repo, amazon, paused=True)).record
    assert held is not None

    sent = process_shipment(shipment(items=[("SKU-A", 1)]), deps(repo, amazon, paused=False))

    assert sent.kind is OutcomeKind.SENT and sent.record is not None
    assert sent.record.package_reference_id == held.package_reference_id
    assert release(repo, amazon) == Released([], 0)
    assert len(amazon.calls) == 1


def _no_reader(connection_id: str) -> OrderReader:
    raise AssertionError("a release reads no order")


def test_a_held_release_message_sends_and_queues_each_packages_check(repo: ShipmentsRepository) -> None:
    amazon, out = FakeAmazon(), Recorder()
    process_shipment(shipment(items=[("SKU-A", 1)]), deps(repo, amazon, paused=True))
    verify = VerifyDeps(
        repo, lambda _: None, _no_reader, Clock(), out.outputs(), release=lambda cid: release(repo, amazon)
    )
    body = HeldRelease(connection_id=CID).model_dump_json()

    assert handle_verification(body, verify) == 1
    assert handle_verification(body, verify) == 0
    assert [(c.order_id, c.reference) for c in out.checks] == [(ORDER_ID, "PKG-1")]
    assert len(amazon.calls) == 1 and json.loads(body)["kind"] == "held_release"


def test_a_connection_paused_again_before_the_release_keeps_its_packages_held(repo: ShipmentsRepository) -> None:
    amazon = FakeAmazon()
    process_shipment(shipment(items=[("SKU-A", 1)]), deps(repo, amazon, paused=True))

    for scope in (PAUSE_ALL, PAUSE_SHIPMENTS):
        assert release(repo, amazon, connection("A1SELLER", paused={scope: PAUSE})) == Released([], 0)

    assert amazon.calls == [] and repo.load(CID, ORDER_ID).package("PKG-1").state is PackageState.HELD  # type: ignore[union-attr]


def test_a_resume_while_the_package_was_being_held_sends_it_at_once(repo: ShipmentsRepository) -> None:
    """Paused when the message was read, resumed before the held package was written: the release may have run
    already, so the second look sees the resume and the package is sent, once."""
    amazon, answers = FakeAmazon(), iter([True, False])
    order = stored_order()
    racing = ShipmentDeps(lambda _: order, repo, amazon, coerce, Clock(), paused=lambda: next(answers, False))

    outcome = process_shipment(shipment(items=[("SKU-A", 1)]), racing)

    assert outcome.kind is OutcomeKind.SENT and len(amazon.calls) == 1
    assert release(repo, amazon) == Released([], 0) and len(amazon.calls) == 1


def test_a_release_that_died_after_moving_a_package_to_pending_is_redelivered_and_sends_it(
    repo: ShipmentsRepository,
) -> None:
    amazon = FakeAmazon()
    held = process_shipment(shipment(items=[("SKU-A", 1)]), deps(repo, amazon, paused=True)).record
    assert held is not None
    # The first release moved the package to pending, then its Lambda died before confirmShipment answered.
    assert repo.transition(held, held.model_copy(update={"state": PackageState.PENDING, "updated_at": NOW}))
    clock = Clock(NOW + timedelta(minutes=4))

    def release_at() -> Released:
        return release_held(SELLER, repo, partial(confirm_package, client=amazon, store=repo, clock=clock), clock)

    assert release_at() == Released([], 0) and amazon.calls == []  # a live send may still hold it
    clock.now = NOW + timedelta(minutes=31)  # the release, redelivered after its visibility timeout
    later = release_at()

    assert [(r.reference, r.state) for r in later.sent] == [("PKG-1", PackageState.SENT)]
    assert len(amazon.calls) == 1
    assert release_at() == Released([], 0)  # sent: nothing left to release
    assert len(amazon.calls) == 1
