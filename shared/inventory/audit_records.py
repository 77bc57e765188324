"""The audit trail's records of the inventory sends: a JSON_LISTINGS_FEED with its messages, a feed's answer, a patch.

The feed lane, the feed results and the patches record through the injected AuditRecorder (shared/models/audit.py);
this module only shapes what they sent and what Amazon answered into records, one line per message (SKU, revision
and the offer's values), so `sellersync audit --sku` finds every send of a SKU (docs/operations.md, "Audit trail").
"""

from collections.abc import Sequence
from datetime import datetime

from shared.inventory.answers import Outcome
from shared.models.audit import AuditEntry, AuditKind, AuditRecord, capped_results, offer_summary
from shared.models.inventory import Change
from shared.repositories.feeds import FeedRecord


def change_entry(change: Change) -> AuditEntry:
    """One message: the SKU, its revision and the offer's values."""
    values = change.values
    summary = offer_summary(values.quantity, values.handling_days, values.price, values.currency)
    return AuditEntry(sku=change.sku, sent=f"rev={change.rev} {summary}")


def feed_sent(record: FeedRecord, changes: Sequence[Change], request_id: str | None) -> AuditRecord:
    """A submitted feed (createFeed answered with its feed id), keyed by the feed id and its submission time."""
    return AuditRecord(
        connection_id=record.connection_id,
        kind=AuditKind.FEED,
        ref=record.feed_id,
        at=record.submitted_at,
        operation="createFeed",
        outcome=record.status,
        marketplace_id=record.marketplace_id,
        request_id=request_id,
        entries=tuple(change_entry(c) for c in changes),
    )


def not_accepted(outcomes: Sequence[Outcome]) -> dict[str, str]:
    """Per SKU, the answer of the messages Amazon did not accept (code and message; capped)."""
    return capped_results(
        [
            (o.change.sku, f"{o.status} {o.code or ''}: {o.message or ''}".strip())
            for o in outcomes
            if o.status != "ACCEPTED"
        ]
    )


def patch_sent(
    connection_id: str, outcome: Outcome, at: datetime, request_id: str | None, failure: str | None = None
) -> AuditRecord:
    """One patchListingsItem: keyed by marketplace, SKU and revision at the time it went out."""
    change = outcome.change
    message = failure or (f"{outcome.code or ''}: {outcome.message or ''}" if outcome.status != "ACCEPTED" else None)
    return AuditRecord(
        connection_id=connection_id,
        kind=AuditKind.PATCH,
        ref=f"{outcome.marketplace_id}#{change.sku}#{change.rev}",
        at=at,
        operation="patchListingsItem",
        outcome="FAILED" if failure else outcome.status,
        marketplace_id=outcome.marketplace_id,
        request_id=request_id,
        message=message,
        entries=(change_entry(change),),
    )
