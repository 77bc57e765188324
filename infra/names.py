"""The stack's table and queue names, apart from the sync-type registry: the operator CLI reads its outputs by these
without importing what `infra/config.py` imports (the sync definitions, pydantic settings models, Powertools)."""

from enum import StrEnum


def camel(name: str) -> str:
    """`snake_case` to `CamelCase`, for construct ids, output keys and metric names."""
    return "".join(part.capitalize() for part in name.split("_"))


class Table(StrEnum):
    """The DynamoDB tables, one per access pattern family (key design: README, 'Data model')."""

    CONNECTIONS = "connections"
    OAUTH_STATES = "oauth_states"
    ORDERS = "orders"
    FEEDS = "feeds"
    RATE_LIMITS = "rate_limits"
    INVENTORY = "inventory"
    SHIPMENTS = "shipments"
    LISTINGS = "listings"
    AUDIT = "audit"


class Queue(StrEnum):
    """The inventory pipeline's queues, each with its DLQ (declared in `infra/constructs/inventory.py`, built by the
    stack's queues step, `infra/constructs/resources.py`).

    A sync type is told the URL of every one its settings model declares (`queue_env_key`) and may send to those its
    entry lists in `sends_to`.
    """

    INVENTORY_INPUT = "inventory_input"
    INVENTORY_CHANGES = "inventory_changes"
    INVENTORY_FASTLANE = "inventory_fastlane"
    INVENTORY_RESULTS = "inventory_results"
