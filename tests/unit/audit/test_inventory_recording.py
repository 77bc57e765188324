"""The inventory sends in the audit trail: a feed with its messages and createFeed's request id, each patch with its
answer, a feed's answer; and the guard that keeps a recording failure from failing the send."""

import logging
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, cast

import pytest

from shared.inventory.answers import Outcome
from shared.inventory.audit_records import not_accepted
from shared.inventory.feeds import submit_feeds
from shared.inventory.patches import patch_offers
from shared.models.audit import AuditAnswer, AuditEntry, AuditKind, AuditRecord
from shared.models.inventory import Change, OfferValues
from shared.runtime.audit import FAILED, GuardedRecorder
from shared.spapi.client import SpApiClient
from shared.spapi.errors import InvalidInputError, ServerError
from shared.spapi.models.listings import Issue, ListingsItemPatchRequest, ListingsItemSubmissionResponse
from tests.unit.audit.recorder import ListRecorder
from tests.unit.inventory.test_feeds import CONNECTION, NOW, World, batch, change, state_of

UK = "A1F83G8C2ARO7P"


def test_a_submitted_feed_is_recorded_with_each_message_and_the_request_id() -> None:
    changes = [change(1, price="12.50"), change(2)]
    world = World({c.sku: state_of(c) for c in changes})
    world.amazon.last_request_id = "req-create-feed"  # type: ignore[attr-defined]
    audit = ListRecorder()

    report = submit_feeds([batch(changes)], replace(world.deps(), audit=audit))

    [record] = audit.records
    assert (record.kind, record.ref, record.connection_id, record.marketplace_id) == (
        AuditKind.FEED,
        report.feeds[0],
        CONNECTION.connection_id,
        UK,
    )
    assert (record.at, record.outcome, record.request_id, record.operation) == (
        NOW,
        "SUBMITTED",
        "req-create-feed",
        "createFeed",
    )
    by_sku = {e.sku: e.sent for e in record.entries}
    assert by_sku == {
        changes[0].sku: "rev=1 quantity=2 handling_days=2 price=12.50 GBP",
        changes[1].sku: "rev=1 quantity=3 handling_days=2",
    }


@dataclass
class Listings:
    """patchListingsItem answering from a script: a response or an exception per call."""

    answers: list[Any]
    connection_id: str = "conn-1"
    last_request_id: str | None = None
    calls: int = field(default=0)

    def patch_listings_item(
        self, seller_id: str, sku: str, marketplace_ids: list[str], body: ListingsItemPatchRequest
    ) -> ListingsItemSubmissionResponse:
        self.calls += 1
        self.last_request_id = f"req-{self.calls}"
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return cast(ListingsItemSubmissionResponse, answer)


def stock_out(sku: str, rev: int = 2) -> Change:
    return Change(
        sku=sku, rev=rev, values=OfferValues(quantity=0, handling_days=2, price=Decimal("9.99"), currency="GBP")
    )


class Metrics:
    def add_metric(self, *args: Any) -> None:
        pass


def test_each_patch_is_recorded_with_its_answer_and_request_id() -> None:
    accepted = ListingsItemSubmissionResponse(sku="A", status="ACCEPTED", submission_id="s1")
    invalid = ListingsItemSubmissionResponse(
        sku="B",
        status="INVALID",
        submission_id="s2",
        issues=[Issue(code="90220", message="brand required", severity="ERROR")],
    )
    refused = InvalidInputError(400, "InvalidInput", "bad sku", request_id="req-refused")
    failed = ServerError(503, "ServiceUnavailable", "later", request_id="req-503")
    api = Listings([accepted, invalid, refused, failed])
    audit = ListRecorder()

    patched = patch_offers(
        cast(SpApiClient, api), "SELLER", UK, [stock_out(s) for s in "ABCD"], lambda: NOW, Metrics(), audit
    )

    assert patched.failure is failed
    assert [(r.ref, r.outcome, r.request_id) for r in audit.records] == [
        (f"{UK}#A#2", "ACCEPTED", "req-1"),
        (f"{UK}#B#2", "REJECTED", "req-2"),
        (f"{UK}#C#2", "REJECTED", "req-refused"),
        (f"{UK}#D#2", "FAILED", "req-503"),
    ]
    assert audit.records[1].message == "90220: brand required"
    assert audit.records[0].entries == (AuditEntry(sku="A", sent="rev=2 quantity=0 handling_days=2 price=9.99 GBP"),)
    assert {r.kind for r in audit.records} == {AuditKind.PATCH}


def test_a_feeds_answer_keeps_the_skus_amazon_did_not_accept() -> None:
    ok, bad = stock_out("A"), stock_out("B")
    outcomes = [
        Outcome(UK, ok, "ACCEPTED", "feed"),
        Outcome(UK, bad, "REJECTED", "feed", "8541", "conflicts with the catalog"),
    ]

    assert not_accepted(outcomes) == {"B": "REJECTED 8541: conflicts with the catalog"}


class Broken:
    def record(self, record: AuditRecord) -> None:
        raise RuntimeError("table gone")

    def answer(self, *args: Any) -> None:
        raise RuntimeError("table gone")


def test_a_recording_failure_is_logged_and_never_raised(caplog: pytest.LogCaptureFixture) -> None:
    guarded = GuardedRecorder(Broken())
    record = AuditRecord(
        connection_id="conn-1",
        kind=AuditKind.FEED,
        ref="f1",
        at=datetime(2026, 12, 7, tzinfo=UTC),
        operation="createFeed",
        outcome="SUBMITTED",
        entries=(AuditEntry(sku="SECRET-LOOKING-SKU", sent="quantity=1"),),
    )

    with caplog.at_level(logging.ERROR):
        guarded.record(record)
        guarded.answer(
            AuditAnswer(
                connection_id="conn-1",
                kind=AuditKind.FEED,
                ref="f1",
                at=record.at,
                outcome="DONE",
                answered_at=record.at,
            )
        )

    failures = [r for r in caplog.records if r.getMessage() == FAILED]
    assert [(r.__dict__["step"], r.__dict__["ref"], r.__dict__["error"]) for r in failures] == [
        ("record", "f1", "RuntimeError"),
        ("answer", "f1", "RuntimeError"),
    ]
    assert "SECRET-LOOKING-SKU" not in caplog.text
