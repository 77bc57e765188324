"""The `sellersync:listingsEventSource` context value: unset (nothing built), `pending` (the first deployment) or the
partner event source's whole name; anything else stops the synthesis with what is expected."""

import pytest

from infra.constructs.catalog import FUNCTION, PENDING, QUEUE, event_source, functions, queues

SOURCE = "aws.partner/sellingpartnerapi.amazon/123456789012/amzn1.sellerapps.app.x"


@pytest.mark.parametrize("value", [None, ""])
def test_unset_builds_nothing(value: object) -> None:
    assert event_source(value) is None
    assert queues(None) == () and functions(None) == ()


@pytest.mark.parametrize("value", [PENDING, SOURCE])
def test_pending_or_a_source_name_builds_the_queue_and_its_consumer(value: str) -> None:
    assert event_source(value) == value
    assert queues(value) == (QUEUE,) and functions(value) == (FUNCTION,)


@pytest.mark.parametrize("value", ["aws.partner/other.saas/123/x", "sellingpartnerapi", 42, True])
def test_anything_else_stops_the_synthesis(value: object) -> None:
    with pytest.raises(ValueError, match="partner event source's name"):
        event_source(value)
