"""The All Listings Report fetched through the real SP-API client from the local sandbox and parsed: request, poll,
stream, parse; the rows match the sandbox's listings exactly, with Amazon's "?" where Cp1252 cannot hold a character.

The sandbox serves the report gzipped, in Cp1252, with each marketplace's header drift (local/sandbox/README.md).
"""

import logging
from collections.abc import Iterator
from decimal import Decimal

import pytest

from local.sandbox import SandboxConfig, SandboxInspector, SandboxServer
from local.sandbox.generator import SEEDED_TEXT
from local.sandbox.inspector import ListingRow
from shared.catalog.report import ReportListing, ReportProblem, ReportSummary
from shared.catalog.report_fetch import ReportDone, ReportPending, download, report_state, request_report
from shared.spapi.ratelimit import InMemoryRateLimiter
from shared.spapi.transport import RetryPolicy
from tests.integration.spapi_sandbox import Connection, Recorder, SandboxTime, connect

pytestmark = pytest.mark.integration

UK, DE, IT = "A1F83G8C2ARO7P", "A1PA6795UKMFR9", "APJ6JRA9NG5V4"
RETRY = RetryPolicy(max_attempts=20, base_delay=1.0, max_delay=8.0, jitter=lambda low, high: high)


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    """One sandbox for the module, on real time: the client's sleeps and the polls move its clock."""
    werkzeug = logging.getLogger("werkzeug")
    level = werkzeug.level
    werkzeug.setLevel(logging.WARNING)
    config = SandboxConfig(seed=17, time_scale=1.0, orders_per_hour=0, validate_responses=True)
    with SandboxServer(config) as running:
        yield running
    werkzeug.setLevel(level)


@pytest.fixture
def inspector(server: SandboxServer) -> SandboxInspector:
    inspector = SandboxInspector(server.url)
    inspector.reset()
    return inspector


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    recording = Recorder()
    yield recording
    recording.check()


def connection(server: SandboxServer, inspector: SandboxInspector, recorder: Recorder, index: int) -> Connection:
    """The index-th EU seller's connection on sandbox time."""
    seller_id = inspector.seller("EU", index).selling_partner_id
    time = SandboxTime(inspector)
    limiter = InMemoryRateLimiter(clock=time, sleep=time.sleep)
    token = inspector.authorize(seller_id)
    return connect(
        server.url, seller_id, UK, token, recorder.session(), limiter, clock=time, sleep=time.sleep, retry=RETRY
    )


def fetch(
    conn: Connection, inspector: SandboxInspector, marketplace_id: str
) -> tuple[list[ReportListing], ReportSummary]:
    """Request, poll (moving sandbox time), download and parse; returns the rows and the parse summary."""
    time = SandboxTime(inspector)
    report_id = request_report(conn.client, marketplace_id)
    states = [report_state(conn.client, report_id)]
    while isinstance(states[-1], ReportPending) and len(states) < 20:
        time.advance(10)
        states.append(report_state(conn.client, report_id))
    done = states[-1]
    assert isinstance(done, ReportDone), states
    assert {s.status for s in states if isinstance(s, ReportPending)} == {"IN_QUEUE", "IN_PROGRESS"}
    body = download(conn.client, done.document_id)
    assert (body.declared_gzip, body.charset) == (True, "Cp1252")
    parsed = body.parse()
    items = list(parsed)
    assert not [item for item in items if isinstance(item, ReportProblem)]
    return [item for item in items if isinstance(item, ReportListing)], parsed.summary


def cp1252(text: str) -> str:
    return text.encode("cp1252", errors="replace").decode("cp1252")


def expected(row: ListingRow) -> tuple[object, ...]:
    """What the report must say of a listing the sandbox holds."""
    mfn = row.fulfillment_channel == "DEFAULT"
    quantity = (row.quantity or 0) if mfn and not row.is_parent else None
    channel = "MERCHANT" if mfn else "AMAZON"
    return cp1252(row.sku), row.asin, quantity, Decimal(row.price) if row.price else None, channel


def seen(item: ReportListing) -> tuple[object, ...]:
    return item.seller_sku, item.asin, item.quantity, item.price, item.fulfillment_channel


def test_first_import_of_the_uk_report_is_exact(
    server: SandboxServer, inspector: SandboxInspector, recorder: Recorder
) -> None:
    conn = connection(server, inspector, recorder, 0)
    held = inspector.listings(conn.seller_id, UK)

    rows, summary = fetch(conn, inspector, UK)

    assert sorted(seen(item) for item in rows) == sorted(expected(row) for row in held)
    assert {item.status for item in rows} <= {"Active", "Inactive"} and None not in {item.status for item in rows}
    assert not any(item.garbled for item in rows)
    assert summary.gzip and summary.missing_columns == []
    assert "optional-payment-type-exclusion" in summary.unknown_columns


@pytest.mark.parametrize("marketplace_id", [DE, IT])
def test_non_cp1252_characters_come_back_garbled_and_flagged(
    server: SandboxServer, inspector: SandboxInspector, recorder: Recorder, marketplace_id: str
) -> None:
    conn = connection(server, inspector, recorder, 1)
    held = inspector.listings(conn.seller_id, marketplace_id)

    rows, summary = fetch(conn, inspector, marketplace_id)

    assert sorted(seen(item) for item in rows) == sorted(expected(row) for row in held)
    by_sku = {item.seller_sku: item for item in rows}
    for sku, title in SEEDED_TEXT["MODA"].values():
        item = by_sku[cp1252(sku)]
        assert item.title == cp1252(title) and "?" in item.title and item.garbled
    assert {item.seller_sku for item in rows if item.garbled} == {cp1252(s) for s, _ in SEEDED_TEXT["MODA"].values()}
    assert by_sku["MODA-MUG-?ÓD?"].title == "??????? 450ml"
    # Italy's header has no status column: the rows say so instead of guessing
    assert (marketplace_id == IT) == ("status" in summary.missing_columns)
    assert all((item.status is None) == (marketplace_id == IT) for item in rows)
