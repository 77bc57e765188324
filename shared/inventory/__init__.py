"""Inventory, handling time and price to Amazon (README, "Inventory"): the rules, the per-SKU state, the pipeline."""

SYNC_TYPE = "inventory"
