"""`sellersync inventory` against the embedded AWS: import and set send to the input queue; plan and status read the
inventory and feeds tables (seeded with InventoryRepository, as the pipeline's functions write them)."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from shared.env import Env
from shared.inventory.answers import Outcome, apply_outcome
from shared.inventory.state import bucket_of
from shared.models.inventory import (
    Accepted,
    Bucket,
    Change,
    ChangeBatch,
    MarketState,
    OfferValues,
    Sent,
    SkuState,
    SourceValue,
    Verdict,
)
from shared.models.settings import ConnectionSettings
from shared.repositories.feeds import FeedRecord, FeedsRepository
from shared.repositories.inventory import InventoryRepository
from tests.dynamodb import create_table
from tests.integration.cli.harness import CliStack

UK, DE = "A1F83G8C2ARO7P", "A1PA6795UKMFR9"
AT = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


@pytest.fixture
def inventory(stack: CliStack) -> CliStack:
    """The stack with the inventory and feeds tables and the inventory input queue."""
    dynamodb, sqs = stack.aws.client("dynamodb"), stack.aws.client("sqs")
    stack.set_output("InventoryTableName", create_table(dynamodb, "inventory"))
    stack.set_output("FeedsTableName", create_table(dynamodb, "feeds", gsi1=True))
    name = f"inventory-input-{stack.table.rsplit('-', 1)[1]}"
    stack.set_output("InventoryInputQueueUrl", sqs.create_queue(QueueName=name)["QueueUrl"])
    return stack


def received(stack: CliStack) -> list[dict[str, Any]]:
    """Every message on the input queue (consumed), as parsed JSON."""
    sqs, url = stack.aws.client("sqs"), stack.outputs["InventoryInputQueueUrl"]
    bodies: list[dict[str, Any]] = []
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        for message in messages:
            bodies.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return bodies


def test_import_sends_valid_rows_and_reports_the_bad_one(inventory: CliStack, tmp_path: Path) -> None:
    connection_id, _ = inventory.connect(inventory.seller())
    csv_file = tmp_path / "stock.csv"
    csv_file.write_text("sku,available,price,currency\nA-1,5,9.99,GBP\nB-2,0,,\nBAD,-3,,\nC-3,7,,\n")
    result = inventory.run("inventory", "import", str(csv_file), "--json")
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert report | {"invalid_rows": None} == {
        "rows": 4,
        "valid": 3,
        "invalid": 1,
        "messages": 1,
        "invalid_rows": None,
    }
    assert report["invalid_rows"][0]["row"] == 4 and report["invalid_rows"][0]["sku"] == "BAD"
    (body,) = received(inventory)
    records = body["records"]
    assert sorted(r["sku"] for r in records) == ["A-1", "B-2", "C-3"]
    assert {r["connectionId"] for r in records} == {connection_id}
    assert [bucket_of(r["sku"]) for r in records] == sorted(bucket_of(r["sku"]) for r in records)
    table = inventory.run("inventory", "import", str(csv_file))
    assert table.exit_code == 1 and "Invalid rows" in table.stdout and "BAD" in table.stdout
    assert "3 valid row(s) were sent" in table.stdout


def test_import_refuses_an_unusable_file(inventory: CliStack, tmp_path: Path) -> None:
    inventory.connect(inventory.seller())
    missing = inventory.run("inventory", "import", str(tmp_path / "none.csv"))
    assert missing.exit_code == 2 and "no file" in missing.stderr
    bad = tmp_path / "bad.csv"
    bad.write_text("sku,qty\nA,1\n")
    result = inventory.run("inventory", "import", str(bad))
    assert result.exit_code == 2 and "lacks the column(s) available" in result.stderr
    assert received(inventory) == []


def test_set_queues_one_record_and_refuses_invalid_values(inventory: CliStack) -> None:
    connection_id, _ = inventory.connect(inventory.seller())
    sent = inventory.json("inventory", "set", "A-1", "4", "--price", "12.50", "--currency", "GBP")
    assert sent["queued"]["sku"] == "A-1" and sent["connection_id"] == connection_id
    (body,) = received(inventory)
    assert body["records"][0] | {"asOf": None} == {
        "connectionId": connection_id,
        "sku": "A-1",
        "available": 4,
        "price": "12.50",
        "currency": "GBP",
        "asOf": None,
    }
    no_currency = inventory.run("inventory", "set", "A-1", "4", "--price", "12.50")
    assert no_currency.exit_code == 2 and "price and currency go together" in no_currency.stderr
    free = inventory.run("inventory", "set", "A-1", "4", "--price", "0", "--currency", "GBP")
    assert free.exit_code == 2 and "price: Input should be greater than 0" in free.stderr
    long_sku = inventory.run("inventory", "set", "S" * 41, "4")
    assert long_sku.exit_code == 2 and "sku:" in long_sku.stderr
    assert received(inventory) == []


def test_a_connection_must_be_named_when_there_are_several(inventory: CliStack) -> None:
    first, _ = inventory.connect(inventory.seller("EU"))
    second, _ = inventory.connect(inventory.seller("NA"))
    result = inventory.run("inventory", "set", "A-1", "4")
    assert result.exit_code == 2 and first in result.stderr and second in result.stderr
    unknown = inventory.run("inventory", "status", "--connection", "eu-nobody")
    assert unknown.exit_code == 2


def seed(stack: CliStack, connection_id: str) -> None:
    """Two SKUs as the pipeline leaves them: one accepted at Amazon, one rejected; one submitted feed."""
    repo = InventoryRepository(stack.outputs["InventoryTableName"], stack.aws.client("dynamodb"))
    offer = OfferValues(quantity=5, handling_days=2)
    accepted = MarketState(
        rev=1,
        desired=offer,
        desired_at=AT,
        sent=Sent(rev=1, values=offer, channel="feed", at=AT, feed_id="F1"),
        verdict=Verdict(rev=1, status="ACCEPTED", channel="feed", at=AT, feed_id="F1"),
        accepted=Accepted(rev=1, values=offer, channel="feed", at=AT),
    )
    rejected = MarketState(
        rev=1,
        desired=offer.model_copy(update={"quantity": 2}),
        desired_at=AT,
        sent=Sent(rev=1, values=offer, channel="patch", at=AT),
        verdict=Verdict(rev=1, status="REJECTED", channel="patch", at=AT, code="90220", message="bad SKU"),
    )
    states = {
        "A-1": SkuState(source=SourceValue(available=5, as_of=AT, received_at=AT), markets={UK: accepted}),
        "B-2": SkuState(source=SourceValue(available=2, as_of=AT, received_at=AT), markets={UK: rejected}),
    }
    for bucket_id in {bucket_of(sku) for sku in states}:
        held = {sku: state for sku, state in states.items() if bucket_of(sku) == bucket_id}
        assert repo.put_bucket(connection_id, bucket_id, Bucket(skus=held), 0)
    feeds = FeedsRepository(stack.outputs["FeedsTableName"], stack.aws.client("dynamodb"))
    feeds.put_submitted(FeedRecord("F1", connection_id, UK, "SUBMITTED", AT, 1), [])


def test_status_and_plan_read_the_stored_states(inventory: CliStack) -> None:
    connection_id, _ = inventory.connect(inventory.seller())
    seed(inventory, connection_id)
    status = inventory.json("inventory", "status", "--sku", "A-1", "--sku", "B-2", "--sku", "NEW")
    states = {(r["sku"], r.get("marketplace")): r["state"] for r in status["rows"]}
    assert states == {("A-1", "UK"): "accepted", ("B-2", "UK"): "rejected", ("NEW", None): "never received"}
    assert status["counts"] == {"accepted": 1, "rejected": 1, "submitted": 0, "pending": 0, "never received": 1}
    assert [f["feed_id"] for f in status["feeds"]] == ["F1"]
    readable = inventory.run("inventory", "status")
    assert readable.exit_code == 0 and "90220" in readable.stdout and "accepted 1, rejected 1" in readable.stdout

    _, version = inventory.connections.get_versioned_settings(connection_id)
    inventory.connections.put_settings(
        connection_id, ConnectionSettings(inventory_buffer=3, default_handling_days=2), version
    )
    plan = inventory.json("inventory", "plan", "--connection", connection_id)
    rows = {(r["sku"], r["marketplace"]): r for r in plan["rows"]}
    assert {mp for _, mp in rows} >= {"UK"}
    a, b = rows[("A-1", "UK")], rows[("B-2", "UK")]
    assert a["planned"] == {"quantity": 5, "handling_days": 2} and not a["would_send"]
    assert b["planned"]["quantity"] == 0 and b["rules"] == ["available 2 is below the buffer 3"]
    assert b["would_send"] and plan["sending_enabled"] is False
    readable_plan = inventory.run("inventory", "plan")
    assert readable_plan.exit_code == 0 and "below the buffer 3" in readable_plan.stdout


def deploy_inventory_sync(stack: CliStack) -> str:
    """The `inventory` sync's function in the embedded Lambda, with its queues; returns the changes queue's URL."""
    sqs, suffix = stack.aws.client("sqs"), stack.table.rsplit("-", 1)[1]
    urls = {
        str(env): sqs.create_queue(QueueName=f"inventory-{lane}-{suffix}")["QueueUrl"]
        for lane, env in (
            ("changes", Env.INVENTORY_CHANGES_QUEUE_URL),
            ("fastlane", Env.INVENTORY_FASTLANE_QUEUE_URL),
            ("results", Env.INVENTORY_RESULTS_QUEUE_URL),
        )
    }
    stack.deploy_sync_function("inventory", {Env.INVENTORY_TABLE: stack.outputs["InventoryTableName"], **urls})
    return urls[Env.INVENTORY_CHANGES_QUEUE_URL]


def queued_changes(stack: CliStack, url: str) -> dict[tuple[str, str], OfferValues]:
    """The changes on the changes queue (consumed), per (SKU, marketplace)."""
    sqs = stack.aws.client("sqs")
    found: dict[tuple[str, str], OfferValues] = {}
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        for message in messages:
            batch = ChangeBatch.model_validate_json(message["Body"])
            found |= {(c.sku, batch.marketplace_id): c.values for c in batch.changes}
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return found


def test_changing_the_inventory_rules_re_sends_every_sku_at_once(inventory: CliStack) -> None:
    # Given two stored SKUs (available 5 and 2) and the inventory sync deployed, inventory not enabled yet
    connection_id, _ = inventory.connect(inventory.seller())
    marketplaces = inventory.connections.get_connection(connection_id).marketplace_ids  # type: ignore[union-attr]
    seed(inventory, connection_id)
    changes_url = deploy_inventory_sync(inventory)

    # When an admin enables inventory with a buffer of 3
    result = inventory.run(
        "settings", "set", connection_id, "enabled_syncs=authorization,inventory", "inventory_buffer=3", "--json"
    )

    # Then the reconciliation ran at once: every SKU's offers with the new rule are on their way to Amazon
    assert result.exit_code == 0, result.output
    applied = json.loads(result.stdout)["inventory_applied"]
    assert (applied["state"], applied["counts"]["skus"]) == ("OK", 2)
    queued = queued_changes(inventory, changes_url)
    assert applied["counts"]["changes_queued"] == len(queued) == 2 * len(marketplaces)
    assert {q.quantity for (sku, _), q in queued.items() if sku == "A-1"} == {5}
    assert {q.quantity for (sku, _), q in queued.items() if sku == "B-2"} == {0}  # below the buffer 3

    # A change the rules do not read re-sends nothing
    other = inventory.json("settings", "set", connection_id, "order_statuses_to_import=UNSHIPPED")
    assert other["inventory_applied"] is None and queued_changes(inventory, changes_url) == {}

    # --no-apply saves the rule and says how to apply it
    later = inventory.run("settings", "set", connection_id, "marketplace_overrides.UK.inventory_buffer=6", "--no-apply")
    assert later.exit_code == 0 and "Inventory rules changed" in later.stdout
    assert queued_changes(inventory, changes_url) == {}

    # A readable run says how many offers were queued
    readable = inventory.run("settings", "set", connection_id, "inventory_ceiling=4")
    assert readable.exit_code == 0 and "Inventory rules applied" in readable.stdout
    resent = queued_changes(inventory, changes_url)
    assert resent[("A-1", DE)].quantity == 4  # capped at the ceiling
    assert resent[("A-1", UK)].quantity == 0  # below the UK buffer 6 set with --no-apply, applied now


def test_a_failed_apply_keeps_the_settings_and_exits_1(inventory: CliStack) -> None:
    # Given no inventory function deployed (the run cannot start)
    connection_id, _ = inventory.connect(inventory.seller())

    result = inventory.run("settings", "set", connection_id, "enabled_syncs=authorization,inventory")

    assert result.exit_code == 1
    assert "the settings are saved, but re-sending inventory ended ERROR" in result.stderr
    assert "inventory" in inventory.connections.get_settings(connection_id).enabled_syncs


def test_status_shows_a_sku_submitted_and_awaiting_its_feed_result_then_answered(inventory: CliStack) -> None:
    # Given a SKU whose revision 1 went out in feed F7 (recorded as the feed lane records it, when createFeed answers)
    connection_id, _ = inventory.connect(inventory.seller())
    repo = InventoryRepository(inventory.outputs["InventoryTableName"], inventory.aws.client("dynamodb"))
    offer = OfferValues(quantity=3, handling_days=2)
    pending = SkuState(
        source=SourceValue(available=3, as_of=AT, received_at=AT),
        markets={UK: MarketState(rev=1, desired=offer, desired_at=AT)},
    )
    assert repo.put_bucket(connection_id, bucket_of("C-3"), Bucket(skus={"C-3": pending}), 0)
    change = Change(sku="C-3", rev=1, values=offer)
    feeds = FeedsRepository(inventory.outputs["FeedsTableName"], inventory.aws.client("dynamodb"))
    record = FeedRecord("F7", connection_id, UK, "SUBMITTED", AT, 1)
    feeds.put_submitted(record, [change])

    # When the operator looks before Amazon has answered
    waiting = inventory.json("inventory", "status", "--sku", "C-3")
    text = inventory.run("inventory", "status", "--sku", "C-3")

    # Then the SKU shows as submitted in F7, awaiting Amazon's answer
    [row] = waiting["rows"]
    assert (row["state"], row["awaiting_verdict"], row["verdict"]) == ("submitted", True, None)
    assert row["submitted"] == {
        "rev": 1,
        "lane": "feed",
        "feed_id": "F7",
        "submitted_at": AT.isoformat(),
        "values": {"quantity": 3, "handling_days": 2},
    }
    assert waiting["counts"]["submitted"] == 1
    flat = " ".join(text.stdout.split())
    assert text.exit_code == 0 and "F7" in flat and "awaiting Amazon's answer" in flat and "submitted 1" in flat

    # When the feed's result is recorded five minutes later (as the results function does: verdicts, then the feed)
    answered_at = AT + timedelta(minutes=5)
    outcome = Outcome(UK, change, "ACCEPTED", "feed", feed_id="F7", submitted_at=AT)
    repo.update(
        connection_id,
        [bucket_of("C-3")],
        lambda b, bucket: (
            Bucket(
                skus={**bucket.skus, "C-3": apply_outcome("C-3", bucket.skus["C-3"], outcome, answered_at, 3).state}
            ),
            None,
        ),
    )
    assert feeds.complete(record, "DONE", answered_at, {"accepted": 1, "rejected": 0, "retried": 0})
    done = inventory.json("inventory", "status", "--sku", "C-3")

    # Then the submission keeps its time, and the verdict has its own
    [row] = done["rows"]
    assert (row["state"], row["awaiting_verdict"]) == ("accepted", False)
    assert row["submitted"]["submitted_at"] == AT.isoformat()
    assert (row["verdict"]["status"], row["verdict"]["at"]) == ("ACCEPTED", answered_at.isoformat())


def test_import_refuses_a_file_naming_a_sku_twice_and_sends_nothing(inventory: CliStack, tmp_path: Path) -> None:
    inventory.connect(inventory.seller())
    csv_file = tmp_path / "stock.csv"
    csv_file.write_text("sku,available\nA-1,5\nB-2,3\nA-1,0\n")
    result = inventory.run("inventory", "import", str(csv_file))
    assert result.exit_code == 2 and "'A-1' on lines 2, 4" in result.stderr
    assert received(inventory) == []


def test_tables_strip_control_characters_from_stored_data(inventory: CliStack) -> None:
    # Given a SKU state stored with an escape sequence in its key (written before SKUs were checked)
    connection_id, _ = inventory.connect(inventory.seller())
    evil = "EVIL\x1b]0;owned\x07"
    source = SourceValue(available=1, as_of=AT, received_at=AT)
    market = MarketState(rev=1, desired=OfferValues(quantity=1, handling_days=2), desired_at=AT)
    state = SkuState(source=source, markets={UK: market})
    repo = InventoryRepository(inventory.outputs["InventoryTableName"], inventory.aws.client("dynamodb"))
    repo.update(connection_id, [bucket_of(evil)], lambda b, bucket: (Bucket(skus={evil: state}), None))
    # When the status table is printed, the terminal gets no control character
    result = inventory.run("inventory", "status")
    assert result.exit_code == 0, result.output
    assert "EVIL]0;owned" in result.stdout and "\x1b" not in result.stdout and "\x07" not in result.stdout
