"""SP-API operation handlers, one module per API; importing this package registers them all."""

from local.sandbox.operations import applications, feeds, listings, notifications, orders, reports, sellers, shipments

__all__ = ["applications", "feeds", "listings", "notifications", "orders", "reports", "sellers", "shipments"]
