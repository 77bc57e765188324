"""Bad records at the inventory boundary, through the real handlers on moto and the local Amazon sandbox: each is
refused or contained with its reason, and never stalls or corrupts anyone else's values (issue 14).

The inventory harness's fixtures (tests/integration/inventory/conftest.py) are imported, hence the F811 waiver."""

# ruff: noqa: F811

import itertools
import json
import uuid
from datetime import timedelta
from typing import Any

import pytest

import functions.inventory_feeds as feeds_module
import functions.inventory_input as input_module
from shared.inventory import feed_contents
from shared.inventory.state import bucket_of
from shared.models.inventory import Change, ChangeBatch, OfferValues
from shared.models.settings import ConnectionSettings
from shared.spapi.client import SpApiClient
from shared.spapi.errors import SpApiError
from tests.integration.handler_world import connect_seller, sandbox_now
from tests.integration.inventory.conftest import (  # noqa: F401 - the harness's fixtures
    UK,
    World,
    _context,
    key_arn,
    sandbox,
    sqs_event,
    world,
)

SQS_LIMIT = 256 * 1024


def reasons(world: World, queue: str) -> list[str]:
    """The reasons of every dead letter on a DLQ (consumed)."""
    sqs, found = world.aws.client("sqs"), []
    while letters := sqs.receive_message(
        QueueUrl=world.urls[queue], MaxNumberOfMessages=10, MessageAttributeNames=["All"]
    ).get("Messages", []):
        for letter in letters:
            found.append(letter["MessageAttributes"]["reason"]["StringValue"])
            sqs.delete_message(QueueUrl=world.urls[queue], ReceiptHandle=letter["ReceiptHandle"])
    return found


@pytest.mark.parametrize(("field", "value"), [("available", True), ("available", "7"), ("handlingDays", "3")])
def test_boolean_or_string_numbers_are_refused_with_the_reason(world: World, field: str, value: Any) -> None:
    sku = world.skus()[0]
    answer = world.send(world.record(sku, 4) | {field: value}, as_event=True)
    assert answer == {"batchItemFailures": []}
    assert world.state(sku) is None
    (reason,) = reasons(world, "input_dlq")
    assert reason.startswith(f"{field}:")


def test_a_currency_that_is_not_iso_4217_is_refused(world: World) -> None:
    sku = world.skus()[0]
    world.send(world.record(sku, 4, price="9.99", currency="GPB"), as_event=True)
    assert world.state(sku) is None
    (reason,) = reasons(world, "input_dlq")
    assert "currency" in reason and "ISO 4217" in reason


def test_a_sku_with_control_characters_is_refused(world: World) -> None:
    world.send(world.record("EVIL\x1b]0;owned\x07", 4), as_event=True)
    (reason,) = reasons(world, "input_dlq")
    assert reason.startswith("sku:")


def test_a_stock_out_with_the_same_as_of_as_the_held_value_reaches_amazon(world: World) -> None:
    sku = world.skus()[0]
    at = sandbox_now(world.inspector) - timedelta(seconds=5)
    world.send(world.record(sku, 5, as_of=at), as_event=True)
    world.send(world.record(sku, 0, as_of=at), as_event=True)  # the same asOf: was dropped as a duplicate
    world.send(world.record(sku, 9, as_of=at), as_event=True)  # a higher tie loses, in any order
    world.pump()
    state = world.state(sku)
    assert state is not None and state.source.available == 0
    assert world.listing(sku).quantity == 0


def test_a_broken_connection_in_a_mixed_batch_is_dead_lettered_and_the_others_go_on(world: World) -> None:
    # Given a second connection whose stored settings no longer validate (edited by hand in the console)
    other = next(
        s
        for s in world.inspector.sellers()
        if s.region == "EU" and s.selling_partner_id != world.seller.selling_partner_id
    )
    broken = connect_seller(
        world.connections, world.inspector, other, "Broken shop", ConnectionSettings()
    ).connection_id
    world.aws.client("dynamodb").update_item(
        TableName=world.connections._table,
        Key={"pk": {"S": f"CONN#{broken}"}, "sk": {"S": "SETTINGS"}},
        UpdateExpression="SET inventory_buffer = :v",
        ExpressionAttributeValues={":v": {"S": "lots"}},
    )
    sku = world.skus()[0]
    bad = world.record("B-1", 3) | {"connectionId": broken}
    # When one batch carries its event first, then a valid event of the good connection
    bodies = [
        (str(uuid.uuid4()), json.dumps({"detail-type": "InventoryChanged", "source": "erp", "detail": r}))
        for r in (bad, world.record(sku, 6))
    ]
    answer = input_module.lambda_handler(sqs_event(bodies), _context("inventory-input"))
    # Then the good value is applied at once and reaches Amazon; the broken one is on the DLQ with the reason
    assert answer == {"batchItemFailures": []}
    world.pump()
    assert world.listing(sku).quantity == 6
    (reason,) = reasons(world, "input_dlq")
    assert broken in reason and "inventory_buffer" in reason
    # And the feed lane: a change queued for the broken connection is dead-lettered, the good one goes out
    changes = [
        ChangeBatch(connection_id=cid, marketplace_id=UK, changes=(change,), queued_at=sandbox_now(world.inspector))
        for cid, change in ((broken, _change("B-1")), (world.connection_id, _current(world, sku)))
    ]
    event = sqs_event([(str(uuid.uuid4()), c.model_dump_json()) for c in changes])
    assert feeds_module.lambda_handler(event, _context("inventory-changes")) == {"batchItemFailures": []}
    (reason,) = reasons(world, "changes_dlq")
    assert broken in reason and "inventory_buffer" in reason


def _change(sku: str, quantity: int = 1) -> Change:
    return Change(sku=sku, rev=1, values=OfferValues(quantity=quantity, handling_days=2), force=True)


def _current(world: World, sku: str) -> Change:
    state = world.state(sku)
    assert state is not None
    market = state.markets[UK]
    return Change(sku=sku, rev=market.rev, values=market.desired, force=True)


def test_an_oversized_dead_letter_is_split_under_the_sqs_limit_with_the_reason_on_each_part(world: World) -> None:
    # Given the changes DLQ at SQS's 256 KiB and a connection whose settings no longer validate
    sqs = world.aws.client("sqs")
    sqs.set_queue_attributes(QueueUrl=world.urls["changes_dlq"], Attributes={"MaximumMessageSize": str(SQS_LIMIT)})
    world.aws.client("dynamodb").update_item(
        TableName=world.connections._table,
        Key={"pk": {"S": f"CONN#{world.connection_id}"}, "sk": {"S": "SETTINGS"}},
        UpdateExpression="SET inventory_ceiling = :v",
        ExpressionAttributeValues={":v": {"S": "many"}},
    )
    # When a group of 25,000 changes (~4 MB) must be dead-lettered
    changes = tuple(_change(f"SKU-WITH-A-LONGER-NAME-{i:06d}", i % 50) for i in range(25_000))
    now = sandbox_now(world.inspector)
    bodies = [
        (
            str(uuid.uuid4()),
            ChangeBatch(
                connection_id=world.connection_id, marketplace_id=UK, changes=part, queued_at=now
            ).model_dump_json(),
        )
        for part in (changes[i : i + 800] for i in range(0, len(changes), 800))
    ]
    answer = feeds_module.lambda_handler(sqs_event(bodies), _context("inventory-changes"))
    # Then it is on the DLQ in parts, each under the limit and with the reason, and nothing is retried
    assert answer == {"batchItemFailures": []}
    letters = []
    while batch := sqs.receive_message(
        QueueUrl=world.urls["changes_dlq"], MaxNumberOfMessages=10, MessageAttributeNames=["All"]
    ).get("Messages", []):
        for letter in batch:
            letters.append(letter)
            sqs.delete_message(QueueUrl=world.urls["changes_dlq"], ReceiptHandle=letter["ReceiptHandle"])
    assert len(letters) > 1
    assert all(len(m["Body"].encode()) <= SQS_LIMIT for m in letters)
    assert all("inventory_ceiling" in m["MessageAttributes"]["reason"]["StringValue"] for m in letters)
    dead = [c["sku"] for m in letters for c in json.loads(m["Body"])["changes"]]
    assert sorted(dead) == sorted(c.sku for c in changes)


def test_a_refused_create_feed_never_resends_the_feeds_that_went_out(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given three SKUs, one feed each, 3,000 more UK changes after them in bucket order (~450 KB: more than one SQS
    # message once dead-lettered), the changes DLQ at SQS's 256 KiB, and Amazon refusing the second UK createFeed
    monkeypatch.setattr(feed_contents, "MAX_FEED_MESSAGES", 1)
    sqs = world.aws.client("sqs")
    sqs.set_queue_attributes(QueueUrl=world.urls["changes_dlq"], Attributes={"MaximumMessageSize": str(SQS_LIMIT)})
    skus = sorted(world.skus()[:3], key=lambda s: (bucket_of(s), s))
    world.send(*(world.record(s, 7) for s in skus))
    last = bucket_of(skus[-1])
    names = (f"SKU-AFTER-THE-REAL-ONES-{i:07d}" for i in itertools.count())
    later = list(itertools.islice((n for n in names if (bucket_of(n), n) > (last, skus[-1])), 3000))
    assert len(later) == 3000
    now = sandbox_now(world.inspector)
    for start in range(0, len(later), 800):
        part = tuple(_change(n) for n in later[start : start + 800])
        body = ChangeBatch(connection_id=world.connection_id, marketplace_id=UK, changes=part, queued_at=now)
        sqs.send_message(QueueUrl=world.urls["changes"], MessageBody=body.model_dump_json())
    real, calls = SpApiClient.create_feed, []

    def create_feed(self: SpApiClient, request: Any) -> Any:
        calls.append(request.marketplace_ids[0])
        if calls.count(UK) == 2 and request.marketplace_ids == [UK]:
            raise SpApiError(400, "InvalidInput", "refused", operation="createFeed")
        return real(self, request)

    monkeypatch.setattr(SpApiClient, "create_feed", create_feed)
    # When the feed lane runs (UK: a feed, then the refusal; DE: three feeds), and runs again (as a redelivery)
    world.run_feeds()
    first_run = len(calls)
    world.run_feeds()
    # Then nothing went out again; the refused feed's changes and the rest are dead-lettered, in parts under the
    # limit, each with the reason
    assert first_run == len(calls) == 5
    assert len(world.inspector.feeds(world.seller.selling_partner_id)) == 4
    letters = []
    while batch := sqs.receive_message(
        QueueUrl=world.urls["changes_dlq"], MaxNumberOfMessages=10, MessageAttributeNames=["All"]
    ).get("Messages", []):
        for letter in batch:
            letters.append(letter)
            sqs.delete_message(QueueUrl=world.urls["changes_dlq"], ReceiptHandle=letter["ReceiptHandle"])
    assert len(letters) >= 2
    assert all(m["MessageAttributes"]["reason"]["StringValue"].startswith("feed submission refused") for m in letters)
    dead = sorted(c["sku"] for m in letters for c in json.loads(m["Body"])["changes"])
    assert dead == sorted([*skus[1:], *later])


def test_a_connection_failing_for_a_while_retries_only_its_messages_then_dead_letters_them_with_the_reason(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a second connection whose settings cannot be read now (DynamoDB failing for it)
    other = next(
        s
        for s in world.inspector.sellers()
        if s.region == "EU" and s.selling_partner_id != world.seller.selling_partner_id
    )
    flaky = connect_seller(world.connections, world.inspector, other, "Flaky shop", ConnectionSettings()).connection_id
    from shared.repositories.connections import ConnectionsRepository

    real = ConnectionsRepository.get_settings

    def get_settings(self: ConnectionsRepository, connection_id: str) -> ConnectionSettings:
        if connection_id == flaky:
            raise ConnectionError("DynamoDB unreachable")
        return real(self, connection_id)

    monkeypatch.setattr(ConnectionsRepository, "get_settings", get_settings)
    sku = world.skus()[0]
    flaky_id, good_id = str(uuid.uuid4()), str(uuid.uuid4())
    bodies = [
        (flaky_id, json.dumps({"records": [world.record("F-1", 2) | {"connectionId": flaky}]})),
        (good_id, json.dumps({"records": [world.record(sku, 6)]})),
    ]
    # When the batch is handled: only the flaky connection's message is handed back
    answer = input_module.lambda_handler(sqs_event(bodies), _context("inventory-input"))
    assert answer == {"batchItemFailures": [{"itemIdentifier": flaky_id}]}
    state = world.state(sku)
    assert state is not None and state.source.available == 6
    assert reasons(world, "input_dlq") == []
    # And on its last receive it goes to the DLQ itself, with the reason (SQS's redrive would carry none)
    last = sqs_event(bodies[:1])
    last["Records"][0]["attributes"]["ApproximateReceiveCount"] = "5"
    assert input_module.lambda_handler(last, _context("inventory-input")) == {"batchItemFailures": []}
    (reason,) = reasons(world, "input_dlq")
    assert flaky in reason and "DynamoDB unreachable" in reason


def test_the_fast_lane_dead_letters_a_broken_connections_stock_out_with_the_reason(world: World) -> None:
    import functions.inventory_fastlane as fastlane_module

    world.aws.client("dynamodb").update_item(
        TableName=world.connections._table,
        Key={"pk": {"S": f"CONN#{world.connection_id}"}, "sk": {"S": "SETTINGS"}},
        UpdateExpression="SET inventory_buffer = :v",
        ExpressionAttributeValues={":v": {"S": "lots"}},
    )
    stock_out = ChangeBatch(
        connection_id=world.connection_id,
        marketplace_id=UK,
        changes=(_change(world.skus()[0], 0),),
        queued_at=sandbox_now(world.inspector),
    )
    event = sqs_event([("m-1", stock_out.model_dump_json())])
    assert fastlane_module.lambda_handler(event, _context("inventory-fastlane")) == {"batchItemFailures": []}
    (reason,) = reasons(world, "fastlane_dlq")
    assert "InvalidStoredSettingsError" in reason and "inventory_buffer" in reason
