"""The fast lane: a stock-out, or a few changes, reach Amazon through patchListingsItem instead of a feed.

A fast-lane message holds up to ten stock-outs of one connection and marketplace, or (`patch_first`) up to ten
changes that went to no feed-lane message: of those, what shared/inventory/patch_first.py says is handed to the feed
lane, and so is what Amazon leaves unanswered, instead of failing the message. Each still worth sending (the
SKU's current revision, not yet accepted, e.g. by a feed that finished first) is patched with the full offer
(quantity 0, handling time, price), within patchListingsItem's limit (5 per second per seller, the client's shared
token bucket). The same change also went to the feed lane, so a bulk of stock-outs never depends on this lane.
Amazon's answers are recorded like feed results (shared/inventory/verdicts.record_outcomes), each with the time its
patch went out as the submission's (shared/inventory/submissions.py). Amazon failing
(429/5xx after the client's retries) raises after recording what was answered: the message is retried, and the
SKUs already answered are skipped then. Before patching, the stock-outs are logged (shared/inventory/watch.py): if a
feed carrying an older quantity is processed after the patch, the zero is patched again as soon as Amazon reports
that feed done, before its result is recorded.
"""

from collections.abc import Callable
from dataclasses import dataclass

from shared.inventory.answers import still_to_send
from shared.inventory.feed_contents import BucketReader
from shared.inventory.input import sends_inventory
from shared.inventory.patch_first import Handover, split, unanswered
from shared.inventory.patches import patch_offers
from shared.inventory.state import bucket_of
from shared.inventory.verdicts import Recorded, VerdictDeps, record_outcomes
from shared.inventory.watch import WatchDeps, watch_stock_outs
from shared.models.audit import AuditRecorder
from shared.models.connection import Connection
from shared.models.inventory import Change, ChangeBatch
from shared.spapi.client import SpApiClient


@dataclass(frozen=True)
class FastLaneDeps:
    """What patching stock-outs needs."""

    verdicts: VerdictDeps
    buckets: BucketReader
    api_for: Callable[[Connection], SpApiClient]
    # The stock-out log (shared/inventory/watch.py); None: no early repair, the feed result's only.
    watch: WatchDeps | None = None
    # Where each patch is recorded (the audit trail, shared/models/audit.py); None: not recorded.
    audit: AuditRecorder | None = None
    # The feed lane, for what a patch-first message's changes do not get patched (shared/inventory/patch_first.py);
    # None: a patch-first message is patched whole, and Amazon failing fails it.
    handover: Handover | None = None


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
    ignored = len(batch.changes) - len(todo)
    handover = deps.handover if batch.patch_first else None
    handed: list[Change] = []
    if handover is not None:
        todo, handed = split(batch.connection_id, batch.marketplace_id, todo, handover)
    if deps.watch is not None:
        # Before the patches: a feed found done between a patch and its log entry would miss the repair.
        stock_outs = {c.sku for c in todo if c.values.quantity == 0}
        watch_stock_outs(batch.connection_id, batch.marketplace_id, stock_outs, verdicts.clock(), deps.watch)
    api = deps.api_for(connection)
    patched = patch_offers(
        api, connection.selling_partner_id, batch.marketplace_id, todo, verdicts.clock, verdicts.metrics, deps.audit
    )
    answered = patched.answered
    recorded = record_outcomes(batch.connection_id, answered, verdicts) if answered else Recorded()
    if patched.failure is not None:
        if handover is None:
            raise patched.failure
        handed += unanswered(todo, answered)
    if handover is not None and handed:
        handover.send(batch.connection_id, batch.marketplace_id, handed)
    recorded.ignored += ignored
    recorded.handed_over = len(handed)
    return recorded
