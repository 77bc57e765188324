"""Which DynamoDB actions a function gets on a table: its access (read, read-write) narrowed to what our code calls.

Every FunctionSpec and SyncType names its tables with an `Access`; the builder grants `table_actions` of each.
"""

from enum import StrEnum

from infra.names import Table


class Access(StrEnum):
    """How a function uses a table; each maps to the narrowest CDK grant."""

    READ = "read"
    READ_WRITE = "read_write"


# The DynamoDB actions each access allows. A function gets those of its access that our repositories call on the table
# (`TABLE_USES`), so no role can Scan or BatchWriteItem (nothing calls them) and, e.g., BatchGetItem is granted on the
# inventory table only. TransactWriteItems needs the PutItem of each of its Puts; a Query through the paginator is a
# Query.
TABLE_ACTIONS: dict[Access, frozenset[str]] = {
    Access.READ: frozenset({"dynamodb:GetItem", "dynamodb:Query", "dynamodb:BatchGetItem"}),
    Access.READ_WRITE: frozenset(
        {
            "dynamodb:GetItem",
            "dynamodb:Query",
            "dynamodb:BatchGetItem",
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
            "dynamodb:DeleteItem",
            # A TransactWriteItems' ConditionCheck (a cancellation checks the order's packages did not change).
            "dynamodb:ConditionCheckItem",
        }
    ),
}
# What shared/ calls on each table (grep the repositories for the client calls when one changes; an infra test pins
# every function's resulting actions). connections: ConnectionsRepository, SyncStatusRepository, OrderCursorRepository
# and SubscriptionsRepository; orders: OrdersRepository; feeds: FeedsRepository; inventory: InventoryRepository;
# rate_limits: the DynamoDB rate limiter; oauth_states: OAuthStatesRepository. A table no code calls has no entry: a
# capability that needs a table adds it to `Table` with its calls here (docs/decisions.md, 2026-12-07).
TABLE_USES: dict[Table, frozenset[str]] = {
    Table.CONNECTIONS: frozenset(
        {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"}
    ),
    Table.OAUTH_STATES: frozenset(
        {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"}
    ),
    Table.ORDERS: frozenset({"dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem"}),
    Table.FEEDS: frozenset({"dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem"}),
    Table.RATE_LIMITS: frozenset({"dynamodb:GetItem", "dynamodb:UpdateItem"}),
    Table.INVENTORY: frozenset({"dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:PutItem"}),
    # ListingsRepository (conditional updates and deletes, the sync state's conditional put, the outbox's puts and
    # deletes, the catalog import's stored listings read by the batch; `get_many`, the inventory input's look-up of
    # its records' SKUs, a BatchGetItem).
    Table.LISTINGS: frozenset(
        {
            "dynamodb:GetItem",
            "dynamodb:Query",
            "dynamodb:BatchGetItem",
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
            "dynamodb:DeleteItem",
        }
    ),
    Table.AUDIT: frozenset({"dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem"}),  # AuditRepository
    # ShipmentsRepository and CancellationsRepository (transactions of Puts, Updates and ConditionChecks).
    Table.SHIPMENTS: frozenset(
        {
            "dynamodb:GetItem",
            "dynamodb:Query",
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
            "dynamodb:ConditionCheckItem",
        }
    ),
}


def table_actions(table: Table, access: Access) -> tuple[str, ...]:
    """The DynamoDB actions a function with this access to the table is granted: those of the access our code calls.

    Raises ValueError when our code calls none of them (a grant that would allow nothing, or a table no code uses).
    """
    actions = tuple(sorted(TABLE_ACTIONS[access] & TABLE_USES[table]))
    if not actions:
        raise ValueError(f"no code calls {access} actions on the {table} table: add its calls to TABLE_USES")
    return actions
