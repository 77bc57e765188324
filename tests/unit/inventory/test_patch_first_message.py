"""A patch-first message carries every marketplace of its connection; messages of the previous release still parse."""

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from shared.inventory.feed_contents import group_batches
from shared.inventory.queues import STOCK_OUTS_PER_MESSAGE, ChangeQueues, dead_letter_bodies
from shared.models.inventory import Change, ChangeBatch, MarketplaceChanges, OfferValues

UK, DE, FR = "A1F83G8C2ARO7P", "A1PA6795UKMFR9", "A13V1IB3VIYZZH"
AT = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


class _Sqs:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def send_message(self, **kwargs: Any) -> dict[str, Any]:
        self.sent.append(kwargs)
        return {}


def _change(sku: str, quantity: int = 3) -> Change:
    return Change(sku=sku, rev=2, values=OfferValues(quantity=quantity, handling_days=2, price=Decimal("9.99")))


def _queued(changes: dict[str, list[Change]]) -> tuple[int, list[ChangeBatch], _Sqs]:
    sqs = _Sqs()
    queues = ChangeQueues(sqs, "changes", "fastlane", "results")  # type: ignore[arg-type]
    count = queues.send_patch_first("eu-1", changes, AT)
    return count, [ChangeBatch.model_validate_json(m["MessageBody"]) for m in sqs.sent], sqs


def test_a_lone_change_in_two_marketplaces_is_one_fast_lane_message() -> None:
    count, batches, sqs = _queued({DE: [_change("S-1")], UK: [_change("S-1", 4)]})
    assert count == 1 and [m["QueueUrl"] for m in sqs.sent] == ["fastlane"]
    (batch,) = batches
    assert batch.patch_first and batch.connection_id == "eu-1"
    assert [(m, [c.values.quantity for c in cs]) for m, cs in batch.markets()] == [
        (UK, [4]),
        (DE, [3]),
    ]  # in marketplace id order
    assert batch.change_count() == 2


def test_one_marketplace_is_the_previous_release_s_shape_on_the_wire() -> None:
    _, _, sqs = _queued({UK: [_change("S-1")]})
    assert "also" not in json.loads(sqs.sent[0]["MessageBody"])


def test_a_message_holds_at_most_ten_patches_whatever_the_marketplaces() -> None:
    changes = {UK: [_change(f"U-{i}") for i in range(7)], DE: [_change(f"D-{i}") for i in range(6)]}
    count, batches, _ = _queued(changes)
    assert count == len(batches) == 2
    assert [b.change_count() for b in batches] == [STOCK_OUTS_PER_MESSAGE, 3]
    sent = sorted((m, c.sku) for b in batches for m, cs in b.markets() for c in cs)
    assert sent == sorted((m, c.sku) for m, cs in changes.items() for c in cs)


def test_a_message_of_the_previous_release_parses_as_one_marketplace() -> None:
    old = {
        "connection_id": "eu-1",
        "marketplace_id": UK,
        "changes": [_change("S-1").model_dump(mode="json")],
        "queued_at": AT.isoformat(),
        "patch_first": True,
    }
    batch = ChangeBatch.model_validate_json(json.dumps(old))
    assert batch.also == () and [(m, [c.sku for c in cs]) for m, cs in batch.markets()] == [(UK, ["S-1"])]


def test_a_marketplace_appears_once() -> None:
    with pytest.raises(ValidationError, match="twice"):
        ChangeBatch(
            connection_id="eu-1",
            marketplace_id=UK,
            changes=(_change("S-1"),),
            queued_at=AT,
            also=(MarketplaceChanges(marketplace_id=UK, changes=(_change("S-2"),)),),
        )


def _three_markets() -> ChangeBatch:
    return ChangeBatch(
        connection_id="eu-1",
        marketplace_id=UK,
        changes=(_change("S-1"),),
        queued_at=AT,
        patch_first=True,
        also=(
            MarketplaceChanges(marketplace_id=DE, changes=(_change("S-1"), _change("S-2"))),
            MarketplaceChanges(marketplace_id=FR, changes=(_change("S-3"),)),
        ),
    )


def test_a_dead_letter_of_several_marketplaces_is_one_body_per_marketplace() -> None:
    bodies = [ChangeBatch.model_validate_json(b) for b in dead_letter_bodies(_three_markets())]
    assert [(b.marketplace_id, [c.sku for c in b.changes], b.also) for b in bodies] == [
        (UK, ["S-1"], ()),
        (DE, ["S-1", "S-2"], ()),
        (FR, ["S-3"], ()),
    ]


def test_the_feed_lane_groups_every_marketplace_of_a_message() -> None:
    groups = group_batches([_three_markets()], [("m-1", 1)])
    assert [(g.marketplace_id, [c.sku for c in g.changes], g.messages) for g in groups] == [
        (UK, ["S-1"], [("m-1", 1)]),
        (DE, ["S-1", "S-2"], [("m-1", 1)]),
        (FR, ["S-3"], [("m-1", 1)]),
    ]
