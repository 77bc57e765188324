"""The feed lane on fakes: one broken connection never stalls the others, a refused createFeed never re-sends what
went out, and dead letters fit in SQS messages."""

import json
from dataclasses import replace
from typing import Any, cast

import pytest
from pydantic import ValidationError

from shared.inventory import feed_contents
from shared.inventory.feeds import submit_feeds
from shared.inventory.queues import MAX_DEAD_LETTER_BYTES, dead_letter_bodies
from shared.models.inventory import Change, ChangeBatch, OfferValues
from shared.models.settings import ConnectionSettings
from shared.repositories.errors import InvalidStoredSettingsError
from shared.spapi.client import SpApiClient
from shared.spapi.errors import LwaError, SpApiError
from shared.spapi.models.feeds import CreateFeedRequest, CreateFeedResponse
from tests.unit.inventory.test_feeds import CONNECTION, NOW, SETTINGS, UK, World, batch, change, state_of


def other_batch(changes: list[Change]) -> ChangeBatch:
    return ChangeBatch(connection_id="conn-broken", marketplace_id=UK, changes=tuple(changes), queued_at=NOW)


class BrokenSettings:
    """conn-broken's stored settings no longer validate; conn-1 is fine."""

    def get_connection(self, connection_id: str) -> Any:
        return CONNECTION

    def get_settings(self, connection_id: str) -> ConnectionSettings:
        if connection_id == "conn-broken":
            try:
                ConnectionSettings.model_validate({"inventory_buffer": "lots"})
            except ValidationError as exc:
                raise InvalidStoredSettingsError(connection_id, exc) from None
        return SETTINGS


def test_a_connection_whose_settings_no_longer_validate_is_dead_lettered_with_the_reason_and_the_rest_goes_out() -> (
    None
):
    good, bad = [change(i) for i in range(3)], [change(100 + i) for i in range(2)]
    world = World({c.sku: state_of(c) for c in good + bad})
    letters: list[tuple[ChangeBatch, str]] = []
    deps = replace(world.deps(), connections=BrokenSettings(), dead_letter=lambda b, r: letters.append((b, r)))

    report = submit_feeds([other_batch(bad), batch(good)], deps, [("m-bad", 1), ("m-good", 1)])

    assert len(report.feeds) == 1 and report.messages == 3
    ((letter, reason),) = letters
    assert {c.sku for c in letter.changes} == {c.sku for c in bad}
    assert "inventory_buffer" in reason and "conn-broken" in reason
    assert report.failed_messages == []


class FailingSecond:
    """createFeed answers the first feed, then fails as `error`."""

    def __init__(self, world: World, error: Exception) -> None:
        self.amazon, self.error, self.calls = world.amazon, error, 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.amazon, name)

    def create_feed(self, request: CreateFeedRequest) -> CreateFeedResponse:
        self.calls += 1
        if self.calls > 1:
            raise self.error
        return self.amazon.create_feed(request)


@pytest.mark.parametrize(
    "error", [SpApiError(400, "InvalidInput", "bad request"), LwaError("invalid_grant")], ids=["4xx", "lwa"]
)
def test_a_refused_create_feed_dead_letters_only_what_did_not_go_out(
    monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    monkeypatch.setattr(feed_contents, "MAX_FEED_MESSAGES", 100)
    changes = [change(i) for i in range(250)]
    world = World({c.sku: state_of(c) for c in changes})
    letters: list[tuple[ChangeBatch, str]] = []
    amazon = FailingSecond(world, error)
    deps = replace(
        world.deps(), api_for=lambda c: cast(SpApiClient, amazon), dead_letter=lambda b, r: letters.append((b, r))
    )

    report = submit_feeds([batch(changes)], deps, [("m-1", 1)])

    (first,) = world.recorded
    assert report.feeds == [first.feed_id] and first.message_count == 100
    ((letter, reason),) = letters
    assert len(letter.changes) == 150 and reason.startswith("feed submission refused")
    # Nothing comes back to the queue: the first feed's changes are never submitted again.
    assert report.failed_messages == [] and world.deferred() == []


def test_an_unexpected_error_after_a_feed_went_out_requeues_only_the_rest_and_other_groups_go_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(feed_contents, "MAX_FEED_MESSAGES", 100)
    changes = [change(i) for i in range(250)]
    world = World({c.sku: state_of(c) for c in changes})
    amazon = FailingSecond(world, RuntimeError("boom"))
    deps = replace(world.deps(), api_for=lambda c: cast(SpApiClient, amazon))

    report = submit_feeds([batch(changes)], deps, [("m-1", 1)])

    assert len(report.feeds) == 1 and report.failed_messages == []
    sent_again = {
        c["sku"] for m in world.sent if m["QueueUrl"] == "changes" for c in json.loads(m["MessageBody"])["changes"]
    }
    assert len(sent_again) == 150 and not sent_again & _first_feed(world)


def _first_feed(world: World) -> set[str]:
    return {m["sku"] for m in json.loads(world.amazon.uploads[0])["messages"]}


def test_an_unexpected_error_before_any_feed_fails_only_that_groups_messages() -> None:
    changes = [change(i) for i in range(3)]
    world = World({c.sku: state_of(c) for c in changes})
    calls = {"n": 0}

    class Flaky:
        def get_connection(self, connection_id: str) -> Any:
            if connection_id == "conn-broken":
                raise ConnectionError("DynamoDB unreachable")
            return CONNECTION

        def get_settings(self, connection_id: str) -> ConnectionSettings:
            calls["n"] += 1
            return SETTINGS

    deps = replace(world.deps(), connections=Flaky())
    report = submit_feeds([other_batch(changes), batch(changes)], deps, [("m-bad", 1), ("m-good", 1)])
    assert report.failed_messages == ["m-bad"] and len(report.feeds) == 1


def test_on_the_last_receive_a_failing_group_is_dead_lettered_with_the_reason() -> None:
    changes = [change(i) for i in range(3)]
    world = World({c.sku: state_of(c) for c in changes})
    letters: list[tuple[ChangeBatch, str]] = []

    class Down:
        def get_connection(self, connection_id: str) -> Any:
            raise ConnectionError("DynamoDB unreachable")

        def get_settings(self, connection_id: str) -> ConnectionSettings:
            return SETTINGS

    deps = replace(world.deps(), connections=Down(), dead_letter=lambda b, r: letters.append((b, r)))
    report = submit_feeds([batch(changes)], deps, [("m-1", 5)])
    assert report.failed_messages == [] and len(letters) == 1 and "DynamoDB unreachable" in letters[0][1]


def test_a_group_of_25000_changes_is_dead_lettered_in_parts_under_the_sqs_limit() -> None:
    changes = tuple(
        Change(
            sku=f"SKU-WITH-A-LONGER-NAME-{i:06d}",
            rev=3,
            values=OfferValues.model_validate({"quantity": i % 50, "handling_days": 2}),
        )
        for i in range(25_000)
    )
    whole = ChangeBatch(connection_id="conn-1", marketplace_id=UK, changes=changes, queued_at=NOW)
    assert len(whole.model_dump_json()) > 3_000_000
    bodies = dead_letter_bodies(whole)
    assert len(bodies) > 1 and all(len(b.encode()) <= MAX_DEAD_LETTER_BYTES for b in bodies)
    parts = [ChangeBatch.model_validate_json(b) for b in bodies]
    assert tuple(c for p in parts for c in p.changes) == changes
    assert {(p.connection_id, p.marketplace_id) for p in parts} == {("conn-1", UK)}
