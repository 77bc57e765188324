"""confirmShipment in the audit trail: each answered package recorded once with Amazon's request id."""

from dataclasses import dataclass, replace
from datetime import timedelta

import pytest

from shared.models.audit import AuditKind
from shared.repositories.shipments import ShipmentsRepository
from shared.shipments.confirm import OutcomeKind, confirm_package, process_shipment
from shared.spapi.errors import InvalidInputError, ServerError
from shared.spapi.models.shipments import ConfirmShipmentRequest
from tests.unit.audit.recorder import ListRecorder
from tests.unit.shipments.test_confirm import deps
from tests.unit.shipments.world import CID, NOW, ORDER_ID, Clock, FakeAmazon, shipment


@dataclass
class AmazonWithIds(FakeAmazon):
    """FakeAmazon answering each call with a request id, as the client keeps x-amzn-RequestId."""

    last_request_id: str | None = None

    def confirm_shipment(self, order_id: str, body: ConfirmShipmentRequest) -> None:
        super().confirm_shipment(order_id, body)
        self.last_request_id = f"req-{len(self.calls)}"


def test_a_sent_package_is_recorded_with_its_request_id_and_what_was_sent(repo: ShipmentsRepository) -> None:
    audit = ListRecorder()

    outcome = process_shipment(shipment(), replace(deps(repo, AmazonWithIds()), audit=audit))

    assert outcome.kind is OutcomeKind.SENT and outcome.record is not None
    [record] = audit.records
    assert (record.connection_id, record.kind, record.outcome, record.request_id) == (
        CID,
        AuditKind.SHIPMENT,
        "SENT",
        "req-1",
    )
    assert record.ref == f"{ORDER_ID}#{outcome.record.package_reference_id}"
    [entry] = record.entries
    assert entry.order_id == ORDER_ID and "tracking=TRK-PKG-1" in entry.sent and "carrier=Royal Mail" in entry.sent


def test_a_rejection_is_recorded_with_amazons_error_and_request_id(repo: ShipmentsRepository) -> None:
    amazon, audit = AmazonWithIds(), ListRecorder()
    amazon.fail_with.append(InvalidInputError(400, "InvalidInput", "bad tracking", request_id="req-bad"))

    process_shipment(shipment(), replace(deps(repo, amazon), audit=audit))

    [record] = audit.records
    assert (record.outcome, record.request_id, record.message) == ("REJECTED", "req-bad", "InvalidInput: bad tracking")


def test_a_redelivery_after_a_failure_sends_again_but_records_once(repo: ShipmentsRepository) -> None:
    amazon, audit = AmazonWithIds(), ListRecorder()
    amazon.fail_with.append(ServerError(503, "ServiceUnavailable", "try later"))
    with pytest.raises(ServerError):
        process_shipment(shipment(), replace(deps(repo, amazon), audit=audit))
    assert audit.records == []  # not answered: the package stays pending, nothing to record yet

    later = replace(deps(repo, amazon, Clock(NOW + timedelta(minutes=1))), audit=audit)
    process_shipment(shipment(), later)
    process_shipment(shipment(), later)  # a duplicate delivery: unchanged, not sent

    assert len(amazon.calls) == 1
    assert [r.outcome for r in audit.records] == ["SENT"]


def test_a_pending_package_sent_twice_after_a_crash_is_recorded_once(repo: ShipmentsRepository) -> None:
    # Given a package left pending (Amazon failed), then sent twice as a crash between answer and record would do
    amazon, audit = AmazonWithIds(), ListRecorder()
    amazon.fail_with.append(ServerError(503, "ServiceUnavailable", "try later"))
    with pytest.raises(ServerError):
        process_shipment(shipment(), replace(deps(repo, amazon), audit=audit))
    pending = repo.load(CID, ORDER_ID).package("PKG-1")
    assert pending is not None

    confirm_package(pending, amazon, repo, Clock(NOW + timedelta(minutes=1)), audit)
    confirm_package(pending, amazon, repo, Clock(NOW + timedelta(minutes=2)), audit)

    # Then Amazon saw both calls (same packageReferenceId), the audit one record keyed by the pending package
    assert len(amazon.calls) == 2
    [record] = audit.records
    assert record.at == pending.updated_at and record.request_id == "req-1"
