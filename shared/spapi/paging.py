"""Page iterators: each page comes with the token of the next one, so the caller saves its cursor per page."""

from collections.abc import Iterator
from dataclasses import dataclass

from shared.spapi.client import SpApiClient
from shared.spapi.models.listings import ListingsItem, SearchListingsItemsQuery
from shared.spapi.models.orders import Order, SearchOrdersQuery


@dataclass(frozen=True)
class Page[T]:
    """One page: its items, the token that fetched it (None for the first) and the next token (None when last)."""

    items: list[T]
    token: str | None
    next_token: str | None


def iter_order_pages(
    client: SpApiClient, query: SearchOrdersQuery, start_token: str | None = None
) -> Iterator[Page[Order]]:
    """Pages of searchOrders, from the start or from a saved token.

    Args:
        client: the connection's client.
        query: the same query the saved token came from (Amazon rejects a token with other filters).
        start_token: a `next_token` saved after an earlier page; None starts at the first page.

    Persist `page.next_token` (with the query) after handling each page: a Lambda that runs out of time raises
    OutOfTimeError from inside the next fetch, and the next run resumes from the saved token.
    """
    token = start_token
    while True:
        response = client.search_orders(query, token)
        yield Page(response.orders, token, response.next_token)
        if not response.next_token:
            return
        token = response.next_token


def iter_listings_pages(
    client: SpApiClient, seller_id: str, query: SearchListingsItemsQuery, start_token: str | None = None
) -> Iterator[Page[ListingsItem]]:
    """Pages of searchListingsItems (at most 1,000 SKUs in all), from the start or from a saved token.

    Args:
        client: the connection's client.
        seller_id: the merchant id (selling_partner_id).
        query: the same query the saved token came from.
        start_token: a `next_token` saved after an earlier page; None starts at the first page.
    """
    token = start_token
    while True:
        response = client.search_listings_items(seller_id, query, token)
        yield Page(response.items, token, response.next_token)
        if not response.next_token:
            return
        token = response.next_token
