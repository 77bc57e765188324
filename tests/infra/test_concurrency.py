"""Concurrency caps (README, Operations): every SQS event source has a MaximumConcurrency, the public OAuth function
and the notifications consumer have reserved concurrency, and no reserved cap is below its event source's (which
would throttle the pollers and push messages towards the DLQ unprocessed)."""

import pytest

from tests.infra.template_tools import Synthesized, ref

pytestmark = pytest.mark.infra

# Handler -> (reserved concurrency or None, MaximumConcurrency of its event source or None when it has none).
EXPECTED = {
    "functions.oauth.lambda_handler": (10, None),
    "functions.notifications.lambda_handler": (5, 5),
    "functions.inventory_input.lambda_handler": (None, 5),
    "functions.inventory_feeds.lambda_handler": (None, 2),
    "functions.inventory_fastlane.lambda_handler": (None, 5),
    "functions.inventory_results.lambda_handler": (None, 2),
    "functions.sync_authorization.lambda_handler": (None, 10),
    "functions.sync_orders.lambda_handler": (None, 10),
    "functions.sync_inventory.lambda_handler": (None, 10),
    "functions.sync_catalog.lambda_handler": (None, 5),
    "functions.shipments_input.lambda_handler": (None, 5),
    "functions.shipments_verify.lambda_handler": (None, 2),
    "functions.shipments_cancellations.lambda_handler": (None, 2),
    "functions.secret_rotation.lambda_handler": (None, 2),
}


def _caps(stack: Synthesized) -> dict[str, tuple[int | None, int | None]]:
    functions = {
        lid: f["Properties"]
        for lid, f in stack.of_type("AWS::Lambda::Function").items()
        if f["Properties"].get("Handler", "").startswith("functions.")
    }
    mappings: dict[str, list[int | None]] = {lid: [] for lid in functions}
    for mapping in stack.of_type("AWS::Lambda::EventSourceMapping").values():
        props = mapping["Properties"]
        scaling = props.get("ScalingConfig", {})
        mappings[str(ref(props["FunctionName"]))].append(scaling.get("MaximumConcurrency"))
    caps: dict[str, tuple[int | None, int | None]] = {}
    for lid, props in functions.items():
        assert len(mappings[lid]) <= 1, f"{props['Handler']} has several event sources"
        caps[props["Handler"]] = (props.get("ReservedConcurrentExecutions"), next(iter(mappings[lid]), None))
    return caps


def test_each_function_has_its_pinned_concurrency_caps(production: Synthesized) -> None:
    assert _caps(production) == EXPECTED


def test_every_queue_consumer_is_capped_and_no_reserved_cap_throttles_its_pollers(synthesized: Synthesized) -> None:
    for handler, (reserved, maximum) in _caps(synthesized).items():
        if handler != "functions.oauth.lambda_handler":
            assert maximum is not None, f"{handler} consumes a queue without MaximumConcurrency"
        if reserved is not None and maximum is not None:
            assert reserved >= maximum, handler


def test_the_listings_notifications_consumer_is_capped_at_two_only_where_it_is_built(
    sample: Synthesized, production: Synthesized
) -> None:
    handler = "functions.catalog_notifications.lambda_handler"
    assert handler not in _caps(production)
    assert _caps(sample)[handler] == (None, 2)
