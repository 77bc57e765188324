"""Catalog import (issue 17): the seller's listings read from Amazon (the All Listings Report for the complete SKU
list, the Listings Items API for what the report lacks or garbles), kept per (connection, marketplace, SKU), and the
events that announce their changes."""

# The sync type's name (its function, queue, schedule and status item are derived from it in infra/config.py).
SYNC_TYPE = "catalog"
