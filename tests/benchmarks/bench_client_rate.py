"""Rate benchmark: the real client against a time-scaled sandbox, per operation, printed as a table.

Sandbox and client limiter run at the same time scale, so a documented rate of 0.5/s is 30 calls per real second at
x60. Each workload spends the burst and then keeps calling; the table shows how much of the documented limit the
client used after the burst and how many 429s it collected. Nothing about speed is asserted (the targets are printed);
the run fails only if a call fails, a request breaks Amazon's model, or the sandbox itself errs.
"""

import itertools
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest

from local.sandbox import SandboxConfig, SandboxInspector, SandboxServer
from shared.spapi.models.listings import ListingsItemPatchRequest
from shared.spapi.models.orders import SearchOrdersQuery
from shared.spapi.paging import iter_order_pages
from shared.spapi.ratelimit import OPERATION_LIMITS, InMemoryRateLimiter
from shared.spapi.transport import RetryPolicy
from tests.integration.spapi_sandbox import Connection, Recorder, availability, connect

TIME_SCALE = 60.0
UK = "A1F83G8C2ARO7P"
SKUS = ("OUT-MUG", "OUT-DRYBAG", "OUT-LANTERN", "OUT-POLES")
# Calls after the burst: searchOrders refills at 0.0056/s, so even at x60 each of its pages takes ~3 real seconds.
STEADY_CALLS = {"getOrder": 150, "getListingsItem": 1200, "patchListingsItem": 1200, "searchOrders": 8}


@dataclass(frozen=True)
class Row:
    """What one workload achieved."""

    operation: str
    calls: int
    throttled: int
    sandbox_seconds: float
    http_seconds: float

    @property
    def limit_rate(self) -> float:
        """The documented rate (requests per second)."""
        return OPERATION_LIMITS[self.operation].rate

    @property
    def burst(self) -> int:
        """The documented burst."""
        return OPERATION_LIMITS[self.operation].burst

    @property
    def achieved(self) -> float:
        """Calls per sandbox second over the whole run, burst included."""
        return self.calls / self.sandbox_seconds

    @property
    def budget_seconds(self) -> float:
        """Real seconds per call at the documented rate and the time scale."""
        return 1.0 / (self.limit_rate * TIME_SCALE)

    @property
    def steady_share(self) -> float:
        """Calls beyond the burst as a share of what the limit refilled during the run (1.0 = every token used)."""
        return (self.calls - self.burst) / (self.limit_rate * self.sandbox_seconds)


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    """The sandbox at x60, no order arrivals, every answer checked against Amazon's models."""
    werkzeug = logging.getLogger("werkzeug")
    level = werkzeug.level
    werkzeug.setLevel(logging.WARNING)
    config = SandboxConfig(seed=9, time_scale=TIME_SCALE, orders_per_hour=0, validate_responses=True)
    with SandboxServer(config) as running:
        yield running
    werkzeug.setLevel(level)


def sandbox_clock(server: SandboxServer) -> Callable[[], float]:
    """Sandbox seconds (the clock the sandbox's own buckets refill on)."""
    return server.sandbox.clock.timestamp


def scaled_monotonic() -> float:
    """Monotonic time in sandbox seconds: token lifetimes (3600 sandbox s) are a minute of real time at x60."""
    return time.monotonic() * TIME_SCALE


def make_connection(server: SandboxServer, inspector: SandboxInspector, recorder: Recorder) -> Connection:
    """The EU seller's client: limiter at the sandbox's time scale, real sleeps, backoff scaled likewise."""
    seller = inspector.seller("EU")
    return connect(
        server.url,
        seller.selling_partner_id,
        UK,
        inspector.authorize(seller.selling_partner_id),
        recorder.session(),
        InMemoryRateLimiter(time_scale=TIME_SCALE),
        clock=scaled_monotonic,
        sleep=time.sleep,
        retry=RetryPolicy(max_attempts=8, base_delay=1.0 / TIME_SCALE, max_delay=30.0 / TIME_SCALE),
    )


def workloads(connection: Connection, inspector: SandboxInspector) -> dict[str, Callable[[int], object]]:
    """One call of each operation, given the call's number."""
    client, seller_id = connection.client, connection.seller_id
    order_ids = [order.order_id for order in inspector.orders(seller_id)]
    product_type = client.get_listings_item(seller_id, SKUS[0], [UK], ["summaries"]).summaries[0].product_type
    pages = order_pages(connection, inspector)

    def patch(number: int) -> object:
        body = ListingsItemPatchRequest(product_type=product_type, patches=[availability(number % 50)])
        return client.patch_listings_item(seller_id, SKUS[number % len(SKUS)], [UK], body)

    return {
        "getOrder": lambda n: client.get_order(order_ids[n % len(order_ids)]),
        "getListingsItem": lambda n: client.get_listings_item(seller_id, SKUS[n % len(SKUS)], [UK]),
        "patchListingsItem": patch,
        "searchOrders": lambda _: next(pages),
    }


def order_pages(connection: Connection, inspector: SandboxInspector) -> Iterator[object]:
    """searchOrders pages of one order each, starting over when the orders run out."""
    now = datetime.fromisoformat(inspector.now())
    query = SearchOrdersQuery(created_after=now - timedelta(days=4), max_results_per_page=1)
    return itertools.chain.from_iterable(iter_order_pages(connection.client, query) for _ in itertools.count())


def measure(operation: str, call: Callable[[int], object], clock: Callable[[], float], recorder: Recorder) -> Row:
    """Spends the burst and the steady calls back to back; the elapsed time is sandbox time."""
    calls = OPERATION_LIMITS[operation].burst + STEADY_CALLS[operation]
    recorder.clear()
    started = clock()
    for number in range(calls):
        call(number)
    elapsed = clock() - started
    return Row(operation, calls, recorder.statuses(operation)[429], elapsed, recorder.mean_seconds(operation))


def table(rows: list[Row]) -> str:
    """The results as a fixed-width table."""
    header = (
        f"{'operation':<18} {'requests':>8} {'429s':>5} {'sandbox s':>10} {'achieved/s':>11} "
        f"{'documented/s':>12} {'burst':>5} {'steady share':>12} {'HTTP ms':>8} {'ms/token':>9}"
    )
    lines = [header, "-" * len(header)]
    for row in rows:
        lines.append(
            f"{row.operation:<18} {row.calls:>8} {row.throttled:>5} {row.sandbox_seconds:>10.1f} "
            f"{row.achieved:>11.4f} {row.limit_rate:>12.4f} {row.burst:>5} {row.steady_share:>11.1%} "
            f"{row.http_seconds * 1000:>8.2f} {row.budget_seconds * 1000:>9.2f}"
        )
    return "\n".join(lines)


def test_client_rate_against_documented_limits(server: SandboxServer) -> None:
    inspector = SandboxInspector(server.url)
    seller_id = inspector.seller("EU").selling_partner_id
    # Enough orders for the searchOrders pages, older than its two-minute bound
    for _ in range(20):
        inspector.add_order(seller_id, marketplaceId=UK)
    inspector.advance(180)
    recorder = Recorder()
    connection = make_connection(server, inspector, recorder)
    calls = workloads(connection, inspector)
    connection.tokens.access_token()  # the LWA round trip is not part of any workload
    real_start = time.monotonic()

    rows = [measure(operation, calls[operation], sandbox_clock(server), recorder) for operation in STEADY_CALLS]

    print(f"\n\nClient vs sandbox at time scale x{TIME_SCALE:g} ({time.monotonic() - real_start:.1f} s real)\n")
    print(table(rows))
    print(
        "\nrequests: calls that succeeded (429s counted apart); achieved/s: calls per sandbox second, burst included;\n"
        "steady share: calls beyond the burst / "
        "(documented rate x sandbox seconds), target close to 100% with no 429s;\nHTTP ms: mean real time of one "
        "exchange; ms/token: real time between tokens at the documented rate (a call slower than that caps the share)."
    )
    recorder.check()
