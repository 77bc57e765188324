"""Page iterators: each page carries the cursor to save, and iteration resumes from a saved token."""

from typing import Any
from urllib.parse import parse_qs, urlsplit

from shared.spapi.client import SpApiClient
from shared.spapi.models.listings import SearchListingsItemsQuery
from shared.spapi.models.orders import SearchOrdersQuery
from shared.spapi.paging import iter_listings_pages, iter_order_pages
from tests.unit.spapi.cases import LISTING, ORDER, T0
from tests.unit.spapi.fakes import FakeAdapter

QUERY = SearchOrdersQuery(last_updated_after=T0, marketplace_ids=["A1PA6795UKMFR9"], fulfilled_by=["MERCHANT"])


def _tokens_sent(adapter: FakeAdapter, name: str) -> list[str | None]:
    sent = []
    for request in adapter.requests:
        query = parse_qs(urlsplit(request.url or "").query)
        sent.append(query[name][0] if name in query else None)
    return sent


def _order(order_id: str) -> dict[str, Any]:
    return ORDER | {"orderId": order_id}


def test_order_pages_follow_next_tokens_until_the_last_page(client: SpApiClient, adapter: FakeAdapter) -> None:
    adapter.reply(200, {"orders": [_order("1")], "pagination": {"nextToken": "t2"}})
    adapter.reply(200, {"orders": [_order("2")], "pagination": {"nextToken": "t3"}})
    adapter.reply(200, {"orders": [_order("3")]})

    pages = list(iter_order_pages(client, QUERY))

    assert [(p.token, p.next_token, [o.order_id for o in p.items]) for p in pages] == [
        (None, "t2", ["1"]),
        ("t2", "t3", ["2"]),
        ("t3", None, ["3"]),
    ]
    assert _tokens_sent(adapter, "paginationToken") == [None, "t2", "t3"]
    # Every page repeats the same filters, as Amazon requires with a token
    queries = [parse_qs(urlsplit(r.url or "").query) for r in adapter.requests]
    assert all(q["lastUpdatedAfter"] == ["2026-01-02T03:04:05Z"] and q["fulfilledBy"] == ["MERCHANT"] for q in queries)


def test_order_pages_resume_from_a_saved_token(client: SpApiClient, adapter: FakeAdapter) -> None:
    # Given a first run that saved the cursor after page 1 and then stopped
    adapter.reply(200, {"orders": [_order("1")], "pagination": {"nextToken": "t2"}})
    saved = next(iter(iter_order_pages(client, QUERY))).next_token

    # When the next run starts from the saved token
    adapter.reply(200, {"orders": [_order("2")]})
    pages = list(iter_order_pages(client, QUERY, start_token=saved))

    # Then it fetches page 2 only
    assert [[o.order_id for o in p.items] for p in pages] == [["2"]]
    assert _tokens_sent(adapter, "paginationToken") == [None, "t2"]


def test_the_iterator_fetches_lazily(client: SpApiClient, adapter: FakeAdapter) -> None:
    adapter.reply(200, {"orders": [], "pagination": {"nextToken": "t2"}})
    pages = iter_order_pages(client, QUERY)
    assert adapter.requests == []
    next(pages)
    assert len(adapter.requests) == 1


def test_listings_pages_follow_and_resume(client: SpApiClient, adapter: FakeAdapter) -> None:
    query = SearchListingsItemsQuery(marketplace_ids=["A1PA6795UKMFR9"], included_data=["summaries"], page_size=1)
    adapter.reply(200, {"numberOfResults": 2, "items": [LISTING], "pagination": {"nextToken": "p2"}})
    adapter.reply(
        200, {"numberOfResults": 2, "items": [LISTING | {"sku": "SKU-2"}], "pagination": {"previousToken": "p1"}}
    )
    adapter.reply(200, {"numberOfResults": 2, "items": [LISTING | {"sku": "SKU-2"}]})

    pages = list(iter_listings_pages(client, "A3SELLER", query))
    resumed = list(iter_listings_pages(client, "A3SELLER", query, start_token="p2"))

    assert [(p.token, p.next_token, [i.sku for i in p.items]) for p in pages] == [
        (None, "p2", ["SKU/1 #a"]),
        ("p2", None, ["SKU-2"]),
    ]
    assert [p.token for p in resumed] == ["p2"]
    assert _tokens_sent(adapter, "pageToken") == [None, "p2", "p2"]
