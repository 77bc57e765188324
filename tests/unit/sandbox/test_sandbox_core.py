"""Core of the sandbox: scaled clock, seeded world, orders over time."""

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from local.sandbox.clock import ScaledClock
from local.sandbox.entities import PENDING, UNSHIPPED
from local.sandbox.marketplaces import DE, UK, US
from tests.unit.sandbox.sandbox_harness import FakeRealTime, Harness

START = datetime(2026, 1, 1, tzinfo=UTC)


def test_sandbox_time_runs_time_scale_times_faster_than_real_time() -> None:
    real = FakeRealTime()
    clock = ScaledClock(START, 60, real=real)

    real.now += 10

    assert clock.now() == datetime(2026, 1, 1, 0, 10, tzinfo=UTC)
    assert clock.real_seconds(600) == 10


def test_clock_advances_by_hand_but_never_backwards() -> None:
    clock = ScaledClock(START, 1, real=FakeRealTime())

    clock.advance(3600)

    assert clock.now() == datetime(2026, 1, 1, 1, tzinfo=UTC)
    with pytest.raises(ValueError):
        clock.advance(-1)


def test_the_same_seed_gives_the_same_world(make_harness: Callable[..., Harness]) -> None:
    first, second, other = make_harness(seed=3), make_harness(seed=3), make_harness(seed=4)

    def ids(h: Harness) -> list[str]:
        return [o for s in h.sandbox.state.sellers.values() for o in [s.selling_partner_id, *s.orders]]

    assert ids(first) == ids(second)
    assert ids(first) != ids(other)


def test_world_has_an_eu_seller_in_uk_and_de_and_an_na_seller_in_us(harness: Harness) -> None:
    sellers = harness.sandbox.state.sellers.values()

    assert any(s.region == "EU" and {UK, DE} <= set(s.marketplace_ids) for s in sellers)
    assert any(s.region == "NA" and US in s.marketplace_ids for s in sellers)


def test_catalog_has_variation_families_with_unbuyable_parents(harness: Harness) -> None:
    listings = harness.sandbox.state.sellers[harness.seller("EU")].listings

    parents = [item for item in listings.values() if item.is_parent]
    children = [item for item in listings.values() if item.parent_sku]

    assert len(parents) == 2
    assert {c.parent_sku for c in children} == {p.sku for p in parents}
    assert all(o.price is None and o.quantity is None for p in parents for o in p.offers.values())


def test_orders_cover_every_case_a_client_must_handle(harness: Harness) -> None:
    for seller in harness.sandbox.state.sellers.values():
        orders = list(seller.orders.values())

        assert {o.fulfilled_by for o in orders} == {"MERCHANT", "AMAZON"}
        assert any("PRIME" in o.programs for o in orders)
        assert any("AMAZON_BUSINESS" in o.programs and o.buyer_company for o in orders)
        assert any(i.buyer_cancel_reason for o in orders for i in o.items)
        assert any(len(o.items) > 1 for o in orders)
        assert len({o.marketplace_id for o in orders}) > 1
        assert {PENDING, UNSHIPPED} <= {o.status for o in orders}


def test_new_orders_arrive_at_the_configured_rate(make_harness: Callable[..., Harness]) -> None:
    harness = make_harness(orders_per_hour=30, initial_orders=0)
    seller = harness.sandbox.state.sellers[harness.seller("NA")]

    harness.advance(4 * 3600)

    # Poisson arrivals at 30/h for 4 h: about 120, seeded so the count is stable.
    assert 80 < len(seller.orders) < 160


def test_pending_orders_become_unshipped_after_pending_seconds(make_harness: Callable[..., Harness]) -> None:
    harness = make_harness(pending_seconds=600)
    seller = harness.sandbox.state.sellers[harness.seller("EU")]
    pending = [o for o in seller.orders.values() if o.status == PENDING]
    assert pending

    harness.advance(601)

    assert all(o.status == UNSHIPPED for o in pending)


def test_reset_regenerates_the_world_and_forgets_authorizations(harness: Harness) -> None:
    seller_id = harness.seller("EU")
    refresh_token = harness.refresh_token(seller_id)
    harness.client.post(f"/_sandbox/sellers/{seller_id}/orders", json={})
    orders_before = len(harness.sandbox.state.sellers[seller_id].orders)

    harness.client.post("/_sandbox/reset")

    assert len(harness.sandbox.state.sellers[seller_id].orders) == orders_before - 1
    assert harness.lwa(grant_type="refresh_token", refresh_token=refresh_token).status_code == 400


def test_a_new_seller_is_a_fresh_copy_of_a_generated_one_and_can_be_authorized(harness: Harness) -> None:
    template = harness.sandbox.state.sellers[harness.seller("EU")]
    before = set(harness.sandbox.state.sellers)

    answer = harness.client.post("/_sandbox/sellers", json={"region": "EU", "like": 0})

    assert answer.status_code == 200
    created = answer.get_json()
    seller_id = created["sellingPartnerId"]
    assert seller_id not in before and set(harness.sandbox.state.sellers) == before | {seller_id}
    seller = harness.sandbox.state.sellers[seller_id]
    assert (seller.region, seller.marketplace_ids, seller.store_name) == (
        template.region,
        template.marketplace_ids,
        template.store_name,
    )
    assert created["listings"] == len(template.listings) and created["orders"] == len(seller.orders) > 0
    assert harness.lwa(grant_type="refresh_token", refresh_token=harness.refresh_token(seller_id)).status_code == 200


@pytest.mark.parametrize("body", [{"region": "FE"}, {"region": "EU", "like": 9}, {"region": "EU", "like": "0"}])
def test_a_new_seller_needs_a_generated_one_to_copy(harness: Harness, body: dict[str, object]) -> None:
    before = set(harness.sandbox.state.sellers)

    answer = harness.client.post("/_sandbox/sellers", json=body)

    assert answer.status_code == 400 and "no generated seller" in answer.get_json()["error"]
    assert set(harness.sandbox.state.sellers) == before


def test_every_answer_carries_a_request_id(harness: Harness) -> None:
    assert harness.lwa(grant_type="password").headers["x-amzn-RequestId"]
    assert harness.client.get("/_sandbox/sellers").headers["x-amzn-RequestId"]
