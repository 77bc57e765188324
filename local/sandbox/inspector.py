"""SandboxInspector: a typed client of the /_sandbox inspection API, for tests and scripts."""

from typing import Any
from urllib.parse import quote

import requests
from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


class _Model(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")


class SellerInfo(_Model):
    """A fake seller."""

    selling_partner_id: str
    store_name: str
    region: str
    marketplace_ids: list[str]
    authorized: bool


class ListingRow(_Model):
    """A listing's terms in one marketplace."""

    sku: str
    asin: str
    marketplace_id: str
    parent_sku: str | None
    is_parent: bool
    fulfillment_channel: str
    quantity: int | None
    handling_days: int | None
    price: str | None
    minimum_price: str | None
    currency: str


class OrderLine(_Model):
    """One order line."""

    order_item_id: str
    sku: str
    quantity: int
    quantity_shipped: int
    buyer_cancel_reason: str | None


class PackageLine(_Model):
    """Units of one order item in a package."""

    order_item_id: str
    quantity: int


class PackageInfo(_Model):
    """A package Amazon recorded from confirmShipment (an edit replaces it under the same reference)."""

    package_reference_id: str
    carrier_code: str
    carrier_name: str | None = None
    shipping_method: str | None = None
    tracking_number: str
    ship_date: str | None = None
    created: str | None = None
    updated: str | None = None
    items: list[PackageLine]


class OrderInfo(_Model):
    """An order as the sandbox (Amazon) holds it: status, shipped quantities, packages, cancellation."""

    order_id: str
    seller_id: str
    marketplace_id: str
    status: str
    fulfilled_by: str
    programs: list[str]
    items: list[OrderLine]
    packages: list[dict[str, Any]]  # camelCase rows as the inspection API gives them; typed: package_infos()
    cancelled_by: str | None = None
    cancel_reason: str | None = None
    merchant_order_id: str | None = None

    def package_infos(self) -> list[PackageInfo]:
        """The packages, typed."""
        return [PackageInfo.model_validate(p) for p in self.packages]


class AcknowledgementInfo(_Model):
    """One message of an order acknowledgement feed and its outcome (result_code None: applied as sent)."""

    feed_id: str
    message_id: str
    order_id: str
    status_code: str
    cancel_reasons: dict[str, str]
    applied: bool
    cancelled: bool
    message: str
    merchant_order_id: str | None = None
    result_code: str | None = None
    result_message_code: str | None = None
    at: str | None = None


class FeedInfo(_Model):
    """A feed and its processing summary."""

    feed_id: str
    feed_type: str
    status: str
    result_feed_document_id: str | None
    summary: dict[str, int]


class ReportInfo(_Model):
    """A requested report and its steered outcome."""

    report_id: str
    report_type: str
    status: str
    outcome: str | None


class DeliveryInfo(_Model):
    """A notification delivery."""

    notification_id: str
    notification_type: str
    seller_id: str
    subject: str
    status: str
    error: str | None


class SandboxInspector:
    """Reads and steers a running sandbox at base_url."""

    def __init__(self, base_url: str, session: requests.Session | None = None, timeout: float = 10) -> None:
        self.base_url = base_url.rstrip("/") + "/_sandbox"
        self._session = session or requests.Session()
        self._timeout = timeout

    def sellers(self) -> list[SellerInfo]:
        """Every seller."""
        return [SellerInfo.model_validate(s) for s in self._call("GET", "/sellers")]

    def seller(self, region: str, index: int = 0) -> SellerInfo:
        """The index-th seller of a region."""
        return [s for s in self.sellers() if s.region == region][index]

    def new_seller(self, region: str = "EU", like: int = 0) -> SellerInfo:
        """A fresh seller (new Seller ID, own catalog and orders) like the region's `like`-th generated one."""
        return SellerInfo.model_validate(self._call("POST", "/sellers", json={"region": region, "like": like}))

    def listings(self, seller_id: str, marketplace_id: str | None = None) -> list[ListingRow]:
        """Listing terms per marketplace and SKU."""
        params = {"marketplaceId": marketplace_id} if marketplace_id else None
        return [
            ListingRow.model_validate(r) for r in self._call("GET", f"/sellers/{seller_id}/listings", params=params)
        ]

    def listing(self, seller_id: str, sku: str, marketplace_id: str) -> ListingRow:
        """One SKU's terms in one marketplace."""
        return next(r for r in self.listings(seller_id, marketplace_id) if r.sku == sku)

    def update_listing(self, seller_id: str, sku: str, **changes: Any) -> str:
        """Changes a listing (`marketplaceId`, `quantity`, `title`) now; returns its new lastUpdatedDate."""
        path = f"/sellers/{seller_id}/listings/{quote(sku, safe='')}"
        return str(self._call("PATCH", path, json=changes)["lastUpdated"])

    def orders(self, seller_id: str) -> list[OrderInfo]:
        """The seller's orders."""
        return [OrderInfo.model_validate(o) for o in self._call("GET", f"/sellers/{seller_id}/orders")]

    def add_order(self, seller_id: str, **spec: Any) -> OrderInfo:
        """Creates an order (marketplaceId, fulfilledBy, status, prime, business, lines, buyerCancel, skus)."""
        return OrderInfo.model_validate(self._call("POST", f"/sellers/{seller_id}/orders", json=spec))

    def order(self, order_id: str) -> OrderInfo:
        """One order (any seller's) as Amazon holds it."""
        return OrderInfo.model_validate(self._call("GET", f"/orders/{order_id}"))

    def update_order(self, order_id: str, **changes: Any) -> OrderInfo:
        """Changes status (cancelledBy, cancelReason) and/or adds a buyerCancelReason (buyerCancelItems)."""
        return OrderInfo.model_validate(self._call("PATCH", f"/orders/{order_id}", json=changes))

    def request_buyer_cancellation(self, order_id: str, reason: str, item_ids: list[str] | None = None) -> OrderInfo:
        """Marks the order's items (or the given ones) with a buyer cancellation request, as a buyer would."""
        changes: dict[str, Any] = {"buyerCancelReason": reason}
        if item_ids:
            changes["buyerCancelItems"] = item_ids
        return self.update_order(order_id, **changes)

    def shipments(self, seller_id: str) -> list[dict[str, Any]]:
        """confirmShipment calls received."""
        return list(self._call("GET", f"/sellers/{seller_id}/shipments"))

    def feeds(self, seller_id: str) -> list[FeedInfo]:
        """The seller's feeds."""
        return [FeedInfo.model_validate(f) for f in self._call("GET", f"/sellers/{seller_id}/feeds")]

    def reports(self, seller_id: str) -> list[ReportInfo]:
        """The seller's reports, in request order."""
        return [ReportInfo.model_validate(r) for r in self._call("GET", f"/sellers/{seller_id}/reports")]

    def report_outcome(self, seller_id: str, outcome: str | None) -> None:
        """How the seller's reports requested from now on end: stays_in_queue, stays_in_progress, fatal, cancelled;
        None: DONE again."""
        outcomes = dict(self.faults()["report_outcomes"])
        outcomes.pop(seller_id, None)
        self.set_faults(report_outcomes=outcomes | ({seller_id: outcome} if outcome else {}))

    def storm(self, seller_id: str, operation: str, status: int, calls: int) -> None:
        """The seller's next `calls` calls of `operation` answered `status` (429 or 500); replaces every storm."""
        self.set_faults(storms=[{"seller_id": seller_id, "operation": operation, "status": status, "calls": calls}])

    def storms(self) -> list[dict[str, Any]]:
        """The storms set, each with the calls it has `left`."""
        return list(self._call("GET", "/faults/storms"))

    def acknowledgements(self, seller_id: str) -> list[AcknowledgementInfo]:
        """Every message of the seller's order acknowledgement feeds, refused ones included, in processing order."""
        found = self._call("GET", f"/sellers/{seller_id}/acknowledgements")
        return [AcknowledgementInfo.model_validate(a) for a in found]

    def notifications(self, seller_id: str | None = None) -> list[DeliveryInfo]:
        """Notification deliveries."""
        params = {"sellerId": seller_id} if seller_id else None
        return [DeliveryInfo.model_validate(d) for d in self._call("GET", "/notifications", params=params)]

    def authorize(self, seller_id: str) -> str:
        """Grants the app without the consent pages; returns the refresh token."""
        return str(self._call("POST", f"/sellers/{seller_id}/authorize")["refreshToken"])

    def revoke(self, seller_id: str, at: str | None = None) -> None:
        """Revokes the seller's authorizations now or at a sandbox time (ISO 8601)."""
        self._call("POST", f"/sellers/{seller_id}/revoke", json={"at": at} if at else {})

    def faults(self) -> dict[str, Any]:
        """Current fault settings."""
        return dict(self._call("GET", "/faults"))

    def set_faults(self, **settings: Any) -> dict[str, Any]:
        """Changes the given fault settings (others keep their values)."""
        return dict(self._call("PATCH", "/faults", json=settings))

    def drop_shipments(self, seller_ids: list[str] | None = None, order_ids: list[str] | None = None) -> None:
        """From now on confirmShipment answers these sellers' / orders' valid calls 204 and records nothing
        (the #5232 "204 that is not proof" case); empty lists switch it off."""
        self.set_faults(unrecorded_shipment_sellers=seller_ids or [], unrecorded_shipment_orders=order_ids or [])

    def sign_in(self, seller_id: str | None) -> None:
        """Chooses the seller the consent page shows."""
        self._call("PUT", "/consent/seller", json={"sellingPartnerId": seller_id})

    def advance(self, seconds: float) -> str:
        """Moves sandbox time forward; returns the new sandbox time."""
        return str(self._call("POST", "/clock/advance", json={"seconds": seconds})["now"])

    def now(self) -> str:
        """Sandbox time (ISO 8601)."""
        return str(self._call("GET", "/clock")["now"])

    def reset(self) -> None:
        """Regenerates the world from its seed."""
        self._call("POST", "/reset")

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._session.request(method, self.base_url + path, timeout=self._timeout, **kwargs)
        response.raise_for_status()
        return response.json()
