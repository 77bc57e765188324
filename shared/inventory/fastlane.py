"""The fast lane: a stock-out, or a few changes, reach Amazon through patchListingsItem instead of a feed.

A fast-lane message holds up to ten stock-outs of one connection and marketplace, or (`patch_first`) up to ten changes
of one connection that went to no feed-lane message, every marketplace's in the one message (`ChangeBatch.also`): the
connection, its settings, the SKUs' states and the feeds in flight are read once for all of them. Per marketplace, of
the changes still worth sending (the SKU's current revision, not yet accepted, e.g. by a feed that finished first), what
shared/inventory/patch_first.py says is handed to the feed lane, and so is what Amazon leaves unanswered in that
marketplace, instead of failing the message; the other marketplaces are still patched. Each change is patched with the
full offer (quantity 0, handling time, price), within patchListingsItem's limit (5 per second per seller, the client's
shared token bucket), each patch in the audit trail. A stock-out message's changes also went to the feed lane, so a bulk
of stock-outs never depends on this lane. Amazon's answers of every marketplace are recorded in one go like feed results
(shared/inventory/verdicts.record_outcomes: one conditional write per bucket), each with the time its patch went out as
the submission's (shared/inventory/submissions.py), before anything is handed over. Without a handover (a stock-out
message), Amazon failing (429/5xx after the client's retries) raises after recording what was answered: the message is
retried, and the SKUs already answered are skipped then. Before patching a marketplace, its stock-outs are logged
(shared/inventory/watch.py): if a feed carrying an older quantity is processed after the patch, the zero is patched
again as soon as Amazon reports that feed done, before its result is recorded.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from shared.inventory.answers import Outcome, still_to_send
from shared.inventory.feed_contents import BucketReader
from shared.inventory.input import sends_inventory
from shared.inventory.patch_first import Handover, split, unanswered
from shared.inventory.patches import patch_offers
from shared.inventory.state import bucket_of
from shared.inventory.verdicts import Recorded, VerdictDeps, record_outcomes
from shared.inventory.watch import WatchDeps, watch_stock_outs
from shared.models.audit import AuditRecorder
from shared.models.connection import Connection
from shared.models.inventory import Change, ChangeBatch, SkuState
from shared.spapi.client import SpApiClient
from shared.spapi.errors import RetryableError


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


@dataclass
class _Run:
    """What patching the batch's marketplaces came to, before it is recorded."""

    answered: list[Outcome] = field(default_factory=list)
    handed: dict[str, list[Change]] = field(default_factory=dict)
    ignored: int = 0
    failure: RetryableError | None = None


def patch_stock_outs(batch: ChangeBatch, deps: FastLaneDeps) -> Recorded:
    """Patches the batch's changes still worth sending, in each of its marketplaces, and records Amazon's answers
    (see the module doc)."""
    verdicts = deps.verdicts
    connection = verdicts.connections.get_connection(batch.connection_id)
    if connection is None or not sends_inventory(connection, verdicts.connections.get_settings(batch.connection_id)):
        return Recorded(ignored=batch.change_count())
    skus = {c.sku for _, changes in batch.markets() for c in changes}
    stored = deps.buckets.get_buckets(batch.connection_id, {bucket_of(sku) for sku in skus})
    states = {sku: stored[bucket_of(sku)].bucket.skus.get(sku) for sku in skus}
    handover = deps.handover.for_message() if batch.patch_first and deps.handover is not None else None
    api = deps.api_for(connection)
    run = _Run()
    for marketplace_id, changes in batch.markets():
        _patch_marketplace(batch.connection_id, connection, marketplace_id, changes, states, api, handover, deps, run)
        if run.failure is not None and handover is None:
            break
    recorded = record_outcomes(batch.connection_id, run.answered, verdicts) if run.answered else Recorded()
    if run.failure is not None and handover is None:
        raise run.failure
    if handover is not None:
        for marketplace_id, handed in run.handed.items():
            handover.send(batch.connection_id, marketplace_id, handed)
    recorded.ignored += run.ignored
    recorded.handed_over = sum(len(handed) for handed in run.handed.values())
    return recorded


def _patch_marketplace(
    connection_id: str,
    connection: Connection,
    marketplace_id: str,
    changes: Sequence[Change],
    states: Mapping[str, SkuState | None],
    api: SpApiClient,
    handover: Handover | None,
    deps: FastLaneDeps,
    run: _Run,
) -> None:
    """One marketplace's changes: the filter, the split, the stock-out log and the patches, noted in `run`."""
    todo = [c for c in changes if still_to_send(states[c.sku], marketplace_id, c)]
    run.ignored += len(changes) - len(todo)
    handed: list[Change] = []
    if handover is not None:
        todo, handed = split(connection_id, marketplace_id, todo, handover)
    verdicts = deps.verdicts
    if deps.watch is not None:
        # Before the patches: a feed found done between a patch and its log entry would miss the repair.
        stock_outs = {c.sku for c in todo if c.values.quantity == 0}
        watch_stock_outs(connection_id, marketplace_id, stock_outs, verdicts.clock(), deps.watch)
    patched = patch_offers(
        api, connection.selling_partner_id, marketplace_id, todo, verdicts.clock, verdicts.metrics, deps.audit
    )
    run.answered += patched.answered
    if patched.failure is not None:
        run.failure = patched.failure
        if handover is not None:
            handed += unanswered(todo, patched.answered)
    if handed:
        run.handed[marketplace_id] = handed
