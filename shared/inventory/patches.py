"""patchListingsItem for offers one SKU at a time (the fast lane's stock-outs and the repair of overwritten ones).

Each change is patched with its full offer (quantity, handling time, price) within patchListingsItem's limit (5 per
second per seller: the client's shared token bucket). Amazon's answers become Outcomes (channel `patch`), each with
the time its patch went out; Amazon failing (429/5xx after the client's retries) stops the run, and the failure is
returned beside what was answered so far, for the caller to record before it raises. Each patch that went out
(answered or failed) is recorded in the audit trail with Amazon's request id when an `audit` recorder is given.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from shared.inventory.answers import Outcome
from shared.inventory.audit_records import patch_sent
from shared.inventory.feed_document import offer_patch
from shared.models.audit import AuditRecorder
from shared.models.inventory import Change
from shared.spapi.client import SpApiClient
from shared.spapi.errors import InvalidInputError, NotFoundError, RetryableError
from shared.sync.metrics import INVENTORY_STOCK_OUT_PATCHES, MetricsSink, MetricUnit


@dataclass
class Patched:
    """Amazon's answers, and the failure that stopped the run (None: every change was answered)."""

    answered: list[Outcome] = field(default_factory=list)
    failure: RetryableError | None = None


def patch_offers(
    api: SpApiClient,
    seller_id: str,
    marketplace_id: str,
    changes: Sequence[Change],
    clock: Callable[[], datetime],
    metrics: MetricsSink,
    audit: AuditRecorder | None = None,
) -> Patched:
    """Patches each change's offer in turn (see the module doc)."""
    patched = Patched()
    for change in changes:
        submitted_at = clock()
        try:
            response = api.patch_listings_item(
                seller_id, change.sku, [marketplace_id], offer_patch(change, marketplace_id)
            )
        except (InvalidInputError, NotFoundError) as exc:
            refused = Outcome(
                marketplace_id, change, "REJECTED", "patch", exc.code, exc.message, submitted_at=submitted_at
            )
            patched.answered.append(refused)
            if audit is not None:
                audit.record(patch_sent(api.connection_id, refused, submitted_at, exc.request_id))
            continue
        except RetryableError as exc:
            patched.failure = exc
            if audit is not None:
                failed = Outcome(marketplace_id, change, "REJECTED", "patch", submitted_at=submitted_at)
                request_id = getattr(exc, "request_id", None)
                audit.record(patch_sent(api.connection_id, failed, submitted_at, request_id, failure=str(exc)[:300]))
            break
        metrics.add_metric(INVENTORY_STOCK_OUT_PATCHES, MetricUnit.Count, 1)
        errors = [i for i in response.issues if i.severity == "ERROR"]
        if response.status == "ACCEPTED" and not errors:
            outcome = Outcome(marketplace_id, change, "ACCEPTED", "patch", submitted_at=submitted_at)
        else:
            first = errors[0] if errors else None
            outcome = Outcome(
                marketplace_id,
                change,
                "REJECTED",
                "patch",
                first.code if first else response.status,
                "; ".join(i.message for i in errors)[:500] if errors else f"patch {response.status}",
                submitted_at=submitted_at,
            )
        patched.answered.append(outcome)
        if audit is not None:
            audit.record(patch_sent(api.connection_id, outcome, submitted_at, getattr(api, "last_request_id", None)))
    return patched
