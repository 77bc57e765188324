"""The OAuth function announces a connection through the bus adapter (shared.bus) and never fails the seller's page."""

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any, cast

import pytest

import functions.oauth as oauth_function
from shared.oauth.flow import Connected

ENTRY = {"Source": "sellersync.connections", "DetailType": "ConnectionAuthorized", "Detail": "{}", "EventBusName": "b"}


class FakeEvents:
    def __init__(self, fail: bool = False) -> None:
        self.calls: list[list[dict[str, Any]]] = []
        self.fail = fail

    def put_events(self, Entries: list[dict[str, Any]]) -> dict[str, Any]:  # noqa: N803  (boto3's name)
        if self.fail:
            raise RuntimeError("EventBridge unavailable")
        self.calls.append(Entries)
        return {"FailedEntryCount": 0, "Entries": [{"EventId": "e"} for _ in Entries]}


@pytest.fixture
def events(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeEvents]:
    fake = FakeEvents()
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "SellerSyncTest")
    monkeypatch.setattr(oauth_function, "_events", lambda: fake)
    monkeypatch.setattr(oauth_function, "_settings", lambda: SimpleNamespace(event_bus_name="b"))
    monkeypatch.setattr(oauth_function, "connection_event", lambda connected, bus: {**ENTRY, "EventBusName": bus})
    oauth_function._publisher.cache_clear()
    yield fake
    oauth_function._publisher.cache_clear()
    oauth_function.metrics.clear_metrics()


CONNECTED = cast(Connected, SimpleNamespace(invite_id="A" * 22))


def test_a_connection_is_published_through_the_bus_adapter(events: FakeEvents) -> None:
    oauth_function._publish(CONNECTED)

    assert events.calls == [[ENTRY]]
    assert isinstance(oauth_function._publisher(), oauth_function.EventBusPublisher)


def test_a_failed_publish_is_counted_and_the_seller_still_sees_success(events: FakeEvents) -> None:
    events.fail = True

    oauth_function._publish(CONNECTED)  # does not raise

    assert "ConnectionEventFailures" in oauth_function.metrics.metric_set
