"""The real SP-API client over HTTP against the local Amazon sandbox.

The sandbox checks every answer against Amazon's models (`validate_responses`), and the recorder checks every request
the client sends against the same models (tests/unit/spapi/contract.py). The client runs on sandbox time: its
limiter, token cache and retries sleep by pushing the sandbox clock forward (SandboxTime), so rate limits, token
lifetimes and feed processing all hold without real waiting. Each test starts from a reset world.
"""

import csv
import io
import json
import logging
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from local.sandbox import SandboxConfig, SandboxInspector, SandboxServer
from local.sandbox.inspector import OrderInfo, SellerInfo
from shared.spapi.client import SpApiClient
from shared.spapi.errors import AuthorizationRevokedError, NotFoundError, OutOfTimeError, SpApiError, UnauthorizedError
from shared.spapi.lwa import NOTIFICATIONS_SCOPE
from shared.spapi.marketplaces import Region
from shared.spapi.models.feeds import CreateFeedRequest
from shared.spapi.models.listings import ListingsItemPatchRequest, ListingsItemSubmissionResponse, PatchOperation
from shared.spapi.models.notifications import CreateDestinationRequest, DestinationResourceSpecification, SqsResource
from shared.spapi.models.orders import SearchOrdersQuery
from shared.spapi.models.reports import CreateReportRequest
from shared.spapi.models.shipments import ConfirmShipmentOrderItem, ConfirmShipmentRequest, PackageDetail
from shared.spapi.paging import iter_order_pages
from shared.spapi.ratelimit import OPERATION_LIMITS, InMemoryRateLimiter
from shared.spapi.transport import RetryPolicy
from tests.integration.spapi_sandbox import Connection, Recorder, SandboxTime, availability, connect

pytestmark = pytest.mark.integration

UK = "A1F83G8C2ARO7P"
FEED_CONTENT_TYPE = "application/json; charset=UTF-8"
# Deterministic backoff (the maximum delay) and enough attempts that a 50% fault share cannot exhaust them.
RETRY = RetryPolicy(max_attempts=20, base_delay=1.0, max_delay=8.0, jitter=lambda low, high: high)
TERMINAL = {"DONE", "FATAL", "CANCELLED"}


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    """One sandbox for the module, on real time (scale 1): the client's sleeps move its clock, nothing else does."""
    werkzeug = logging.getLogger("werkzeug")
    level = werkzeug.level
    werkzeug.setLevel(logging.WARNING)
    config = SandboxConfig(seed=5, time_scale=1.0, orders_per_hour=0, validate_responses=True)
    with SandboxServer(config) as running:
        yield running
    werkzeug.setLevel(level)


@pytest.fixture
def inspector(server: SandboxServer) -> SandboxInspector:
    """The steering client, on a freshly reset world (no authorizations, full buckets, no faults)."""
    inspector = SandboxInspector(server.url)
    inspector.reset()
    return inspector


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    """Records the client's traffic; at teardown every SP-API request is checked against Amazon's models."""
    recording = Recorder()
    yield recording
    recording.check()


@pytest.fixture
def sandbox_time(inspector: SandboxInspector) -> SandboxTime:
    """The client's clock and sleep on sandbox time."""
    return SandboxTime(inspector)


@pytest.fixture
def seller(inspector: SandboxInspector) -> SellerInfo:
    """The EU seller selling in the UK and Germany."""
    return inspector.seller("EU")


@pytest.fixture
def refresh_token(inspector: SandboxInspector, seller: SellerInfo) -> str:
    """The seller's refresh token (consent skipped through the inspector)."""
    return inspector.authorize(seller.selling_partner_id)


@pytest.fixture
def make_connection(
    server: SandboxServer, recorder: Recorder, sandbox_time: SandboxTime, seller: SellerInfo, refresh_token: str
) -> Callable[..., Connection]:
    """Builds clients of the seller's connection (each with its own token cache); keywords override the defaults."""

    def build(**overrides: Any) -> Connection:
        limiter = overrides.pop("limiter", None) or InMemoryRateLimiter(clock=sandbox_time, sleep=sandbox_time.sleep)
        options: dict[str, Any] = {"clock": sandbox_time, "sleep": sandbox_time.sleep, "retry": RETRY} | overrides
        session = recorder.session()
        return connect(server.url, seller.selling_partner_id, UK, refresh_token, session, limiter, **options)

    return build


@pytest.fixture
def connection(make_connection: Callable[..., Connection]) -> Connection:
    """The seller's connection with the default wiring."""
    return make_connection()


def sandbox_now(inspector: SandboxInspector) -> datetime:
    """Sandbox time as an aware datetime."""
    return datetime.fromisoformat(inspector.now())


def add_orders(inspector: SandboxInspector, time: SandboxTime, seller_id: str, count: int) -> list[OrderInfo]:
    """New unshipped MFN orders in the UK, made older than searchOrders' two-minute bound."""
    added = [inspector.add_order(seller_id, marketplaceId=UK, lines=2) for _ in range(count)]
    time.advance(180)
    return added


def orders_query(inspector: SandboxInspector, page_size: int) -> SearchOrdersQuery:
    """Every order of the last four days (the generated history covers three)."""
    return SearchOrdersQuery(created_after=sandbox_now(inspector) - timedelta(days=4), max_results_per_page=page_size)


def ship(client: SpApiClient, order: OrderInfo, reference: str, lines: list[int], when: datetime) -> None:
    """Confirms one package holding the given lines of an order, in full, sent by Royal Mail."""
    items = [
        ConfirmShipmentOrderItem(order_item_id=order.items[i].order_item_id, quantity=order.items[i].quantity)
        for i in lines
    ]
    detail = PackageDetail(
        package_reference_id=reference,
        carrier_code="Royal Mail",
        tracking_number=f"RM{reference.upper()}GB",
        ship_date=when,
        order_items=items,
    )
    body = ConfirmShipmentRequest(marketplace_id=order.marketplace_id, package_detail=detail)
    client.confirm_shipment(order.order_id, body)


def poll[T](fetch: Callable[[], T], status: Callable[[T], str], time: SandboxTime, step: float) -> tuple[T, list[str]]:
    """Polls until a terminal status, moving sandbox time `step` seconds between polls; returns the statuses seen."""
    seen: list[str] = []
    for _ in range(30):
        item = fetch()
        if not seen or seen[-1] != status(item):
            seen.append(status(item))
        if status(item) in TERMINAL:
            return item, seen
        time.advance(step)
    raise AssertionError(f"still {seen[-1]} after 30 polls")


def test_refresh_token_grant_then_marketplace_participations(
    connection: Connection, seller: SellerInfo, recorder: Recorder
) -> None:
    first = connection.client.get_marketplace_participations()
    second = connection.client.get_marketplace_participations()

    # One refresh-token grant served both calls (the access token is cached)
    assert recorder.lwa_grants() == ["refresh_token"]
    assert connection.tokens.access_token().startswith("Atza|")
    assert {p.marketplace.id for p in first.payload} == set(seller.marketplace_ids)
    assert all(p.participation.is_participating for p in first.payload)
    assert {p.marketplace.id: p.marketplace.country_code for p in first.payload}[UK] == "GB"
    assert second == first


def test_search_orders_resumes_from_a_saved_token_and_yields_every_order_once(
    make_connection: Callable[..., Connection],
    inspector: SandboxInspector,
    seller: SellerInfo,
    sandbox_time: SandboxTime,
) -> None:
    # Given the generated history plus 10 new orders, read 5 per page
    add_orders(inspector, sandbox_time, seller.selling_partner_id, 10)
    expected = sorted(o.order_id for o in inspector.orders(seller.selling_partner_id))
    query = orders_query(inspector, page_size=5)
    shared_limiter = InMemoryRateLimiter(clock=sandbox_time, sleep=sandbox_time.sleep)

    # When a first run saves its cursor after each page and runs out of Lambda time after the second page
    remaining_ms = [60_000]
    first = make_connection(limiter=shared_limiter, remaining_time_ms=lambda: remaining_ms[0])
    seen: list[str] = []
    saved: str | None = None
    with pytest.raises(OutOfTimeError):
        for number, page in enumerate(iter_order_pages(first.client, query), start=1):
            seen += [order.order_id for order in page.items]
            saved = page.next_token
            if number == 2:
                remaining_ms[0] = 1_000
    assert saved is not None and len(seen) == 10

    # And the next run (a new client) resumes from the saved token with the same query
    second = make_connection(limiter=shared_limiter)
    resumed = list(iter_order_pages(second.client, query, start_token=saved))

    # Then the two runs together saw every order exactly once, in pages of at most 5
    seen += [order.order_id for page in resumed for order in page.items]
    assert resumed[0].token == saved and resumed[-1].next_token is None
    assert all(len(page.items) <= 5 for page in resumed)
    assert len(seen) == len(set(seen))
    assert sorted(seen) == expected


def test_get_order_returns_what_the_sandbox_holds(
    connection: Connection, inspector: SandboxInspector, seller: SellerInfo
) -> None:
    held = inspector.add_order(seller.selling_partner_id, marketplaceId=UK, lines=2)

    order = connection.client.get_order(held.order_id, ["FULFILLMENT", "RECIPIENT", "PROCEEDS"]).order

    assert order.order_id == held.order_id
    assert order.sales_channel.marketplace_id == UK
    assert [(i.order_item_id, i.product.seller_sku, i.quantity_ordered) for i in order.order_items] == [
        (line.order_item_id, line.sku, line.quantity) for line in held.items
    ]
    assert order.fulfillment is not None and order.fulfillment.fulfillment_status == held.status == "UNSHIPPED"
    assert order.recipient is not None and order.recipient.delivery_address is not None
    assert order.recipient.delivery_address.country_code == "GB"
    assert order.proceeds is not None and order.proceeds.grand_total is not None
    with pytest.raises(NotFoundError):
        connection.client.get_order("202-0000000-0000000")


def test_confirm_shipment_ships_the_order(
    connection: Connection, inspector: SandboxInspector, seller: SellerInfo
) -> None:
    held = inspector.add_order(seller.selling_partner_id, marketplaceId=UK, lines=2)
    when = sandbox_now(inspector)

    ship(connection.client, held, "1", [0], when)
    after_first = next(o for o in inspector.orders(seller.selling_partner_id) if o.order_id == held.order_id)
    ship(connection.client, held, "2", [1], when)
    after_second = next(o for o in inspector.orders(seller.selling_partner_id) if o.order_id == held.order_id)

    assert after_first.status == "PARTIALLY_SHIPPED"
    assert after_second.status == "SHIPPED"
    assert all(line.quantity_shipped == line.quantity for line in after_second.items)
    log = inspector.shipments(seller.selling_partner_id)
    assert [(s["orderId"], s["packageReferenceId"], s["carrierCode"]) for s in log] == [
        (held.order_id, "1", "Royal Mail"),
        (held.order_id, "2", "Royal Mail"),
    ]
    packages = connection.client.get_order(held.order_id, ["PACKAGES"]).order.packages
    assert {p.package_reference_id: p.tracking_number for p in packages} == {"1": "RM1GB", "2": "RM2GB"}


def test_patch_listings_item_changes_the_quantity(
    connection: Connection, inspector: SandboxInspector, seller: SellerInfo
) -> None:
    seller_id, client = seller.selling_partner_id, connection.client
    before = inspector.listing(seller_id, "OUT-LANTERN", UK)
    item = client.get_listings_item(seller_id, "OUT-LANTERN", [UK], ["summaries"])
    product_type = item.summaries[0].product_type
    new_quantity = (before.quantity or 0) + 7

    def patch(operation: PatchOperation, preview: bool = False) -> ListingsItemSubmissionResponse:
        body = ListingsItemPatchRequest(product_type=product_type, patches=[operation])
        return client.patch_listings_item(seller_id, "OUT-LANTERN", [UK], body, validation_preview=preview)

    # A valid patch, checked only (VALIDATION_PREVIEW), then applied; an invalid one is refused
    preview = patch(availability(1), preview=True)
    accepted = patch(availability(new_quantity, handling_days=4))
    refused = patch(availability(-1))

    assert (preview.status, accepted.status, refused.status) == ("VALID", "ACCEPTED", "INVALID")
    assert not accepted.issues and any(issue.severity == "ERROR" for issue in refused.issues)
    after = inspector.listing(seller_id, "OUT-LANTERN", UK)
    assert (after.quantity, after.handling_days) == (new_quantity, 4)
    read = client.get_listings_item(seller_id, "OUT-LANTERN", [UK], ["fulfillmentAvailability"])
    assert [(a.fulfillment_channel_code, a.quantity) for a in read.fulfillment_availability] == [
        ("DEFAULT", new_quantity)
    ]


def listings_feed(seller_id: str, quantities: dict[str, int]) -> bytes:
    """A JSON_LISTINGS_FEED with one PATCH message per SKU (messageIds from 1), setting its quantity."""
    messages = [
        {
            "messageId": number,
            "sku": sku,
            "operationType": "PATCH",
            "productType": "PRODUCT",
            "patches": [availability(quantity).model_dump(mode="json")],
        }
        for number, (sku, quantity) in enumerate(quantities.items(), start=1)
    ]
    return json.dumps({"header": {"sellerId": seller_id, "version": "2.0"}, "messages": messages}).encode()


def test_json_listings_feed_applies_good_messages_and_reports_each_bad_one(
    connection: Connection, inspector: SandboxInspector, seller: SellerInfo, sandbox_time: SandboxTime
) -> None:
    seller_id, client = seller.selling_partner_id, connection.client
    # Given a feed of four messages: two good SKUs, an unknown SKU (2) and a negative quantity (4)
    lantern = inspector.listing(seller_id, "OUT-LANTERN", UK).quantity
    content = listings_feed(seller_id, {"OUT-MUG": 11, "NO-SUCH-SKU": 5, "OUT-DRYBAG": 12, "OUT-LANTERN": -1})

    # When it is uploaded, submitted and polled until done, and its processing report downloaded
    document = client.create_feed_document(FEED_CONTENT_TYPE)
    client.upload_feed_document(document.url, content, FEED_CONTENT_TYPE)
    feed_id = client.create_feed(
        CreateFeedRequest(
            feed_type="JSON_LISTINGS_FEED", marketplace_ids=[UK], input_feed_document_id=document.feed_document_id
        )
    ).feed_id
    feed, statuses = poll(lambda: client.get_feed(feed_id), lambda f: f.processing_status, sandbox_time, step=15)
    assert feed.result_feed_document_id is not None
    result = client.get_feed_document(feed.result_feed_document_id)
    report = json.loads(client.download_document(result))

    # Then the feed went through its states, and the gzip'd report has one issue per bad message
    assert statuses == ["IN_QUEUE", "IN_PROGRESS", "DONE"]
    assert result.compression_algorithm == "GZIP"
    assert [(i["messageId"], i["sku"], i["severity"]) for i in report["issues"]] == [
        (2, "NO-SUCH-SKU", "ERROR"),
        (4, "OUT-LANTERN", "ERROR"),
    ]
    assert report["summary"]["messagesAccepted"] == 2 and report["summary"]["messagesInvalid"] == 2
    # And the good messages were applied, the bad one left its listing alone
    quantities = {row.sku: row.quantity for row in inspector.listings(seller_id, UK)}
    assert (quantities["OUT-MUG"], quantities["OUT-DRYBAG"], quantities["OUT-LANTERN"]) == (11, 12, lantern)
    assert [f.summary for f in inspector.feeds(seller_id) if f.feed_id == feed_id] == [report["summary"]]


def test_listings_report_is_created_polled_and_downloaded(
    connection: Connection, inspector: SandboxInspector, seller: SellerInfo, sandbox_time: SandboxTime
) -> None:
    seller_id, client = seller.selling_partner_id, connection.client
    request = CreateReportRequest(report_type="GET_MERCHANT_LISTINGS_ALL_DATA", marketplace_ids=[UK])

    report_id = client.create_report(request).report_id
    report, statuses = poll(lambda: client.get_report(report_id), lambda r: r.processing_status, sandbox_time, step=10)
    assert report.report_document_id is not None
    document = client.get_report_document(report.report_document_id)
    rows = list(csv.DictReader(io.StringIO(client.download_document(document).decode()), delimiter="\t"))

    assert statuses == ["IN_QUEUE", "IN_PROGRESS", "DONE"]
    held = {row.sku: row for row in inspector.listings(seller_id, UK)}
    assert {row["seller-sku"] for row in rows} == set(held)
    for row in rows:
        listing = held[row["seller-sku"]]
        assert row["asin1"] == listing.asin
        if listing.fulfillment_channel == "DEFAULT" and not listing.is_parent:
            assert int(row["quantity"]) == (listing.quantity or 0)


def test_the_limiter_paces_calls_beyond_the_burst_instead_of_collecting_429s(
    connection: Connection, seller: SellerInfo, recorder: Recorder, sandbox_time: SandboxTime
) -> None:
    limit = OPERATION_LIMITS["getListingsItem"]
    beyond = 15

    for _ in range(limit.burst + beyond):
        connection.client.get_listings_item(seller.selling_partner_id, "OUT-MUG", [UK])

    # Every call got through the first time; the calls beyond the burst waited for their tokens
    assert recorder.statuses("getListingsItem") == Counter({200: limit.burst + beyond})
    assert sum(sandbox_time.sleeps) == pytest.approx(beyond / limit.rate, rel=0.01)


@pytest.mark.parametrize(
    "faults",
    [{"throttle_share": 0.5}, {"error_share": 0.3}, {"throttle_share": 0.3, "error_share": 0.2}],
    ids=["429-storm", "500s", "both"],
)
def test_throttling_and_server_errors_are_retried_and_nothing_is_lost(
    make_connection: Callable[..., Connection],
    inspector: SandboxInspector,
    seller: SellerInfo,
    recorder: Recorder,
    sandbox_time: SandboxTime,
    faults: dict[str, float],
) -> None:
    seller_id = seller.selling_partner_id
    # Given new orders, and a sandbox that throttles and/or fails a share of the SP-API calls
    added = add_orders(inspector, sandbox_time, seller_id, 6)
    expected = sorted(o.order_id for o in inspector.orders(seller_id))
    quantities = {"OUT-MUG": 21, "OUT-DRYBAG": 22, "OUT-LANTERN": 23, "OUT-POLES": 24}
    inspector.set_faults(**faults)
    client = make_connection().client
    when = sandbox_now(inspector)

    # When the client pages through the orders, reads and ships each new one, and sets four quantities
    seen = [order.order_id for page in iter_order_pages(client, orders_query(inspector, 5)) for order in page.items]
    read = [client.get_order(order.order_id).order.order_id for order in added]
    for order in added:
        ship(client, order, "1", [0, 1], when)
    product_type = client.get_listings_item(seller_id, "OUT-MUG", [UK], ["summaries"]).summaries[0].product_type
    submissions = [
        client.patch_listings_item(
            seller_id, sku, [UK], ListingsItemPatchRequest(product_type=product_type, patches=[availability(quantity)])
        ).status
        for sku, quantity in quantities.items()
    ]
    inspector.set_faults(throttle_share=0, error_share=0)

    # Then the faults did happen, and yet every order came exactly once and every change landed once
    statuses = recorder.statuses()
    assert statuses[429] > 0 if faults.get("throttle_share") else statuses[429] == 0
    assert statuses[500] > 0 if faults.get("error_share") else statuses[500] == 0
    assert sorted(seen) == expected
    assert read == [order.order_id for order in added]
    shipped = {o.order_id: o for o in inspector.orders(seller_id)}
    assert all(shipped[order.order_id].status == "SHIPPED" for order in added)
    assert len(inspector.shipments(seller_id)) == len(added)
    assert submissions == ["ACCEPTED"] * len(quantities)
    held = {row.sku: row.quantity for row in inspector.listings(seller_id, UK)}
    assert {sku: held[sku] for sku in quantities} == quantities


def test_a_revoked_authorization_raises_authorization_revoked(
    connection: Connection, inspector: SandboxInspector, seller: SellerInfo
) -> None:
    inspector.revoke(seller.selling_partner_id)

    with pytest.raises(AuthorizationRevokedError) as revoked:
        connection.tokens.access_token()
    assert (revoked.value.status, revoked.value.error) == (400, "invalid_grant")
    with pytest.raises(AuthorizationRevokedError):
        connection.client.get_marketplace_participations()


def test_a_revocation_after_the_token_was_cached_is_refused_then_reported_as_revoked(
    connection: Connection, inspector: SandboxInspector, seller: SellerInfo, recorder: Recorder
) -> None:
    # Given an access token cached by a first call
    connection.client.get_marketplace_participations()
    inspector.revoke(seller.selling_partner_id)

    # When the seller revokes the app, Amazon refuses the cached token; the client drops it, and the refresh for the
    # one more try is refused as revoked
    with pytest.raises(AuthorizationRevokedError):
        connection.client.get_marketplace_participations()

    refused = [e for e in recorder.exchanges if e.operation == "getMarketplaceParticipations"][-1]
    assert refused.status == 403
    assert recorder.lwa_grants() == ["refresh_token", "refresh_token"]


class _UnknownToken:
    """A token provider whose token the sandbox never issued."""

    def __init__(self) -> None:
        self.invalidated: list[str | None] = []

    def access_token(self, scope: str | None = None) -> str:
        return "Atza|not-issued-by-this-sandbox"

    def invalidate(self, scope: str | None = None) -> None:
        self.invalidated.append(scope)


def test_an_unknown_access_token_is_unauthorized(
    server: SandboxServer, recorder: Recorder, sandbox_time: SandboxTime
) -> None:
    tokens = _UnknownToken()
    client = SpApiClient(
        "conn-unknown",
        Region.EU,
        tokens,
        InMemoryRateLimiter(clock=sandbox_time, sleep=sandbox_time.sleep),
        recorder.session(),
        endpoint_override=f"{server.url}/eu",
        clock=sandbox_time,
        sleep=sandbox_time.sleep,
        retry=RETRY,
    )

    with pytest.raises(UnauthorizedError) as refused:
        client.get_marketplace_participations()

    assert (refused.value.status, refused.value.code) == (403, "Unauthorized")
    assert tokens.invalidated == [None, None]  # dropped, tried once more, refused again
    assert recorder.statuses() == Counter({403: 2})


def test_grantless_create_destination_uses_client_credentials(connection: Connection, recorder: Recorder) -> None:
    arn = "arn:aws:sqs:eu-west-1:000000000000:sellersync-notifications"
    request = CreateDestinationRequest(
        name="sellersync-notifications",
        resource_specification=DestinationResourceSpecification(sqs=SqsResource(arn=arn)),
    )

    created = connection.client.create_destination(request)
    with pytest.raises(SpApiError) as conflict:
        connection.client.create_destination(request)

    assert created.payload is not None and created.payload.resource.sqs is not None
    assert (created.payload.name, created.payload.resource.sqs.arn) == ("sellersync-notifications", arn)
    # The second call reached the sandbox with the cached grantless token, and the sandbox already held the queue
    assert (conflict.value.status, conflict.value.code) == (409, "Conflict")
    assert recorder.lwa_grants() == ["client_credentials"]
    lwa_bodies = [str(e.request.body) for e in recorder.exchanges if e.operation == "lwa"]
    assert "scope=" + NOTIFICATIONS_SCOPE.replace(":", "%3A") in lwa_bodies[0]
