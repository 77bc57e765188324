"""The fast lane: a stock-out reaches Amazon through patchListingsItem instead of waiting behind a bulk feed.

A fast-lane message holds up to ten stock-outs of one connection and marketplace. Each still worth sending (the
SKU's current revision, not yet accepted, e.g. by a feed that finished first) is patched with the full offer
(quantity 0, handling time, price), within patchListingsItem's limit (5 per second per seller, the client's shared
token bucket). The same change also went to the feed lane, so a bulk of stock-outs never depends on this lane.
Amazon's answers are recorded like feed results (shared/inventory/results.record_outcomes), each with the time its
patch went out as the submission's (shared/inventory/submissions.py). Amazon failing
(429/5xx after the client's retries) raises after recording what was answered: the message is retried, and the
SKUs already answered are skipped then.
"""

from collections.abc import Callable
from dataclasses import dataclass

from shared.inventory.feed_document import offer_patch
from shared.inventory.feeds import BucketReader
from shared.inventory.input import sends_inventory
from shared.inventory.model import ChangeBatch
from shared.inventory.results import Recorded, VerdictDeps, record_outcomes
from shared.inventory.state import Outcome, bucket_of, still_to_send
from shared.models.connection import Connection
from shared.spapi.client import SpApiClient
from shared.spapi.errors import InvalidInputError, NotFoundError, RetryableError
from shared.sync.metrics import INVENTORY_STOCK_OUT_PATCHES, MetricUnit


@dataclass(frozen=True)
class FastLaneDeps:
    """What patching stock-outs needs."""

    verdicts: VerdictDeps
    buckets: BucketReader
    api_for: Callable[[Connection], SpApiClient]


def patch_stock_outs(batch: ChangeBatch, deps: FastLaneDeps) -> Recorded:
    """Patches the batch's stock-outs still worth sending and records Amazon's answers (see the module doc)."""
    verdicts = deps.verdicts
    connection = verdicts.connections.get_connection(batch.connection_id)
    if connection is None or not sends_inventory(connection, verdicts.connections.get_settings(batch.connection_id)):
        return Recorded(ignored=len(batch.changes))
    stored = deps.buckets.get_buckets(batch.connection_id, {bucket_of(c.sku) for c in batch.changes})
    todo = [
        c
        for c in batch.changes
        if still_to_send(stored[bucket_of(c.sku)].bucket.skus.get(c.sku), batch.marketplace_id, c)
    ]
    api = deps.api_for(connection)
    answered: list[Outcome] = []
    failure: RetryableError | None = None
    for change in todo:
        submitted_at = verdicts.clock()
        try:
            response = api.patch_listings_item(
                connection.selling_partner_id,
                change.sku,
                [batch.marketplace_id],
                offer_patch(change, batch.marketplace_id),
            )
        except (InvalidInputError, NotFoundError) as exc:
            answered.append(
                Outcome(
                    batch.marketplace_id, change, "REJECTED", "patch", exc.code, exc.message, submitted_at=submitted_at
                )
            )
            continue
        except RetryableError as exc:
            failure = exc
            break
        verdicts.metrics.add_metric(INVENTORY_STOCK_OUT_PATCHES, MetricUnit.Count, 1)
        errors = [i for i in response.issues if i.severity == "ERROR"]
        if response.status == "ACCEPTED" and not errors:
            answered.append(Outcome(batch.marketplace_id, change, "ACCEPTED", "patch", submitted_at=submitted_at))
        else:
            first = errors[0] if errors else None
            answered.append(
                Outcome(
                    batch.marketplace_id,
                    change,
                    "REJECTED",
                    "patch",
                    first.code if first else response.status,
                    "; ".join(i.message for i in errors)[:500] if errors else f"patch {response.status}",
                    submitted_at=submitted_at,
                )
            )
    recorded = record_outcomes(batch.connection_id, answered, verdicts) if answered else Recorded()
    if failure is not None:
        raise failure
    recorded.ignored += len(batch.changes) - len(todo)
    return recorded
