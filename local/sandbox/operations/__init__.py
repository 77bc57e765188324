"""SP-API operation handlers, one module per API; importing this package registers them all."""

from local.sandbox.operations import feeds, listings, notifications, orders, reports, sellers, shipments

__all__ = ["feeds", "listings", "notifications", "orders", "reports", "sellers", "shipments"]
