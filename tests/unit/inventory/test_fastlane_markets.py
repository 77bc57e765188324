"""The fast lane takes a patch-first message of several marketplaces in one go: one state write per bucket, and
Amazon failing in one marketplace hands over only that marketplace's changes."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import pytest
from aws_lambda_powertools import Logger

from shared.inventory.fastlane import FastLaneDeps, patch_stock_outs
from shared.inventory.input import InputDeps, apply_records
from shared.inventory.patch_first import Handover
from shared.inventory.queues import ChangeQueues
from shared.inventory.state import bucket_of
from shared.inventory.verdicts import VerdictDeps
from shared.models.connection import Connection
from shared.models.inventory import Change, ChangeBatch, InventoryRecord
from shared.models.settings import ConnectionSettings
from shared.spapi.errors import ServerError
from shared.spapi.models.listings import ListingsItemSubmissionResponse
from tests.unit.inventory.fakes import AT, DE, UK, MemoryBuckets, uk_de_connection


class _World:
    """Connections, queues, bus, metrics and Amazon at once; notes what each was asked."""

    def __init__(self, failing: Sequence[str] = ()) -> None:
        self.failing = set(failing)
        self.patched: list[tuple[str, str]] = []
        self.patch_first: list[ChangeBatch] = []
        self.reads = 0

    def get_connection(self, connection_id: str) -> Connection:
        self.reads += 1
        return uk_de_connection()

    def get_settings(self, connection_id: str) -> ConnectionSettings:
        return ConnectionSettings(enabled_syncs=frozenset({"inventory"}))

    def send_patch_first(self, connection_id: str, changes: Any, now: datetime) -> int:
        sqs: Any = self  # the real message building, onto this fake SQS
        return ChangeQueues(sqs, "changes", "fastlane", "results").send_patch_first(connection_id, changes, now)

    def send_message(self, QueueUrl: str, MessageBody: str) -> None:  # noqa: N803 - boto3's names
        self.patch_first.append(ChangeBatch.model_validate_json(MessageBody))

    def send_changes(self, *args: Any, **kwargs: Any) -> int:
        raise AssertionError("nothing is retried by feed here")

    def send_stock_outs(self, *args: Any, **kwargs: Any) -> int:
        raise AssertionError("nothing is retried by patch here")

    def add_metric(self, name: str, unit: Any, value: float) -> None:
        pass

    def publish(self, entries: Any) -> None:
        pass

    def patch_listings_item(
        self, seller_id: str, sku: str, marketplace_ids: list[str], body: Any
    ) -> ListingsItemSubmissionResponse:
        (marketplace_id,) = marketplace_ids
        if marketplace_id in self.failing:
            raise ServerError(500, "InternalFailure", "Amazon failed", operation="patchListingsItem")
        self.patched.append((marketplace_id, sku))
        return ListingsItemSubmissionResponse(sku=sku, status="ACCEPTED", submission_id="s-1")


def _batch(skus: Sequence[str], world: _World, buckets: MemoryBuckets) -> ChangeBatch:
    """What input queues for records of these SKUs (quantity 4) in UK and DE: one patch-first message."""
    records = [InventoryRecord(connection_id="eu-1", sku=s, available=4, as_of=AT) for s in skus]
    wired: Any = world
    apply_records(records, InputDeps(wired, buckets, wired, wired, lambda: AT, publisher=wired, bus_name="b"))
    (batch,) = world.patch_first
    return batch


def _deps(world: _World, buckets: MemoryBuckets, handed: list[tuple[str, list[str]]]) -> FastLaneDeps:
    wired: Any = world

    def send(connection_id: str, marketplace_id: str, changes: Sequence[Change]) -> None:
        handed.append((marketplace_id, [c.sku for c in changes]))

    verdicts = VerdictDeps(wired, buckets, wired, wired, "b", wired, Logger(service="test"), lambda: AT)
    handover = Handover(feeds_in_flight=lambda c: (), patch_wait=lambda c: 0.0, send=send)
    return FastLaneDeps(verdicts, buckets, api_for=lambda connection: wired, handover=handover)


def _accepted(buckets: MemoryBuckets, sku: str, marketplace_id: str) -> int | None:
    state = buckets.state(sku)
    accepted = state.markets[marketplace_id].accepted if state else None
    return accepted.values.quantity if accepted else None


def test_one_message_patches_every_marketplace_with_one_write_per_bucket() -> None:
    world, buckets, handed = _World(), MemoryBuckets(), list[tuple[str, list[str]]]()
    skus = [f"S-{i}" for i in range(40)]
    skus = [skus[0], next(s for s in skus if bucket_of(s) != bucket_of(skus[0]))]  # two SKUs, two buckets
    batch = _batch(skus, world, buckets)
    assert batch.change_count() == 4
    buckets.writes.clear()
    world.reads = 0
    recorded = patch_stock_outs(batch, _deps(world, buckets, handed))
    assert sorted(world.patched) == sorted((m, s) for m in (UK, DE) for s in skus)
    assert recorded.accepted == 4 and handed == []
    assert sorted(buckets.writes) == sorted(bucket_of(s) for s in skus)  # each bucket written once for both markets
    assert world.reads == 1
    assert {_accepted(buckets, s, m) for s in skus for m in (UK, DE)} == {4}


def test_amazon_failing_in_one_marketplace_hands_over_its_changes_and_records_the_other() -> None:
    for failing, working in ((UK, DE), (DE, UK)):  # whichever comes first in the message
        world, buckets, handed = _World(failing=[failing]), MemoryBuckets(), list[tuple[str, list[str]]]()
        batch = _batch(["S-1"], world, buckets)
        recorded = patch_stock_outs(batch, _deps(world, buckets, handed))
        assert world.patched == [(working, "S-1")]
        assert handed == [(failing, ["S-1"])] and recorded.handed_over == 1 and recorded.accepted == 1
        assert _accepted(buckets, "S-1", working) == 4 and _accepted(buckets, "S-1", failing) is None


def test_without_a_handover_amazon_failing_fails_the_message_after_recording_what_was_answered() -> None:
    world, buckets, handed = _World(failing=[DE]), MemoryBuckets(), list[tuple[str, list[str]]]()
    batch = _batch(["S-1"], world, buckets)
    deps = _deps(world, buckets, handed)
    with pytest.raises(ServerError):  # retried by SQS: nothing to hand over to
        patch_stock_outs(batch.model_copy(update={"patch_first": False}), deps)
    assert _accepted(buckets, "S-1", UK) == 4 and handed == []
