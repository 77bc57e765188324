"""The catalog sync run with the outbox, the skip rule and the progress (shared/catalog/sync.py wiring them): a run
that crashed between a write and its publish is healed by the next run, which publishes the event first with the same
id; the second report (once the delta runs) re-reads only what differs; the import leaves its progress behind."""

import gzip
import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import boto3
import pytest

from shared.catalog.sync import CatalogSyncDeps, run
from shared.repositories.listings import ListingsRepository
from tests.dynamodb import create_table
from tests.moto_inprocess import in_process_aws
from tests.unit.catalog.listings_api import FakeListingsApi, item
from tests.unit.catalog.test_catalog_sync import CONNECTION, CONTEXT, HEADER, T0, UK, World, report

CID = CONNECTION.connection_id


@pytest.fixture(name="world")
def world_fixture() -> Iterator[World]:
    with in_process_aws():
        client = boto3.client(
            "dynamodb", region_name="eu-west-1", aws_access_key_id="testing", aws_secret_access_key="testing"
        )
        yield World(ListingsRepository(create_table(client, "listings", gsi1=True), client))


def agreeing_report(quantities: dict[str, int]) -> bytes:
    """A report whose rows show what the fake API's items hold (price 12.5, title "Item SKU"): they agree."""
    lines = [HEADER] + [
        f"Item {sku}\t{sku}\t12.50\t{qty}\tB0{sku[-4:]:0>8}\tDEFAULT\tActive" for sku, qty in quantities.items()
    ]
    return gzip.compress(("\n".join(lines) + "\n").encode("cp1252"))


class Crash(Exception):
    """The function dying between a write and PutEvents."""


def run_at(world: World, at: datetime, publish: Any = None, trigger: str = "schedule") -> dict[str, int]:
    deps = CatalogSyncDeps(
        store=world.store,
        api_for=lambda _: world.reports,
        publish=publish or world.events.extend,
        bus_name="bus",
        metrics=world,
        continue_later=lambda job, delay: world.continued.append((job, delay)),
        clock=lambda: at,
    )
    context = replace(CONTEXT, job=CONTEXT.job.model_copy(update={"trigger": trigger}))
    return dict(run(context, deps).counts)


def test_the_next_run_publishes_first_what_a_crashed_run_wrote_with_the_same_event_id(world: World) -> None:
    world.reports.status, world.reports.body = "DONE", report(("Mug", "MUG-0001", "3"))
    tried: list[dict[str, Any]] = []

    def crashing(entries: Any) -> None:
        tried.extend(entries)
        raise Crash

    with pytest.raises(Crash):
        run_at(world, T0, crashing)
    assert world.store.get(CID, UK, "MUG-0001") is not None and world.events == []
    counts = run_at(world, T0 + timedelta(minutes=5))
    assert counts["republished"] == 1 and counts["unchanged"] == 1 and counts["added"] == 0
    assert [json.loads(e["Detail"])["event_id"] for e in world.events] == [json.loads(tried[0]["Detail"])["event_id"]]
    assert list(world.store.pending_events(CID, UK)) == []


def test_the_second_report_re_reads_only_the_rows_that_differ_and_leaves_its_progress(world: World) -> None:
    skus = [f"SKU-{n:04}" for n in range(30)]
    asin = {sku: f"B0{sku[-4:]:0>8}" for sku in skus}
    world.reports.listings = FakeListingsApi([item(s, asin[s], title=f"Item {s}", quantity=2) for s in skus])
    world.reports.status = "DONE"
    world.reports.body = agreeing_report(dict.fromkeys(skus, 2))
    first = run_at(world, T0)
    assert (first["added"], first["reread"], first["skipped_unchanged"]) == (30, 30, 0)
    progress = world.store.import_progress(CID, UK)
    assert progress is not None and (progress.report_id, progress.entries, progress.total) == ("r1", 30, 30)

    world.reports.listings.items[3] = item("SKU-0003", asin["SKU-0003"], title="Item SKU-0003", quantity=5)
    world.reports.body = agreeing_report(dict.fromkeys(skus, 2) | {"SKU-0003": 5})
    world.reports.listings.calls.clear()
    second = run_at(world, T0 + timedelta(days=1), trigger="on_demand")
    assert (second["reread"], second["skipped_unchanged"], second["changed"]) == (1, 29, 1)
    assert [ids for kind, ids, _ in world.reports.listings.calls if kind == "SKU"] == [["SKU-0003"]]
    assert world.store.get(CID, UK, "SKU-0003").quantity == 5  # type: ignore[union-attr]
