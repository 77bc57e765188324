"""The DynamoDB tables and their key design.

Every table: on-demand capacity, point-in-time recovery, encrypted with the stack's customer-managed KMS key.
Business data (connections, orders, feeds, inventory) is RETAINed when the stack is deleted; connections and orders
also carry deletion protection. Short-lived state (OAuth states, rate-limit buckets) expires by TTL and is destroyed
with the stack. Only tables some code reads or writes are deployed: a capability that needs one adds it here, with its
calls in `infra/access.py` TABLE_USES.

Generic layout: partition key `pk` (S), sort key `sk` (S), one GSI `gsi1` on `gsi1pk`/`gsi1sk` (S), projection ALL.
Items that need no secondary access path leave `gsi1pk` unset, so the index stays sparse.

connections (deletion protection, RETAIN)
    pk `CONN#<connection_id>`, sk `META` | `SETTINGS` | `SYNC#<sync_type>`
    gsi1 on `SYNC#` items: gsi1pk `DUE#<sync_type>`, gsi1sk `<next_due_iso>#<connection_id>`
    reads: a connection with its settings and sync states (query pk); the connections due for a sync type, oldest
    first (query gsi1 with gsi1sk <= now)
oauth_states (TTL `expires_at`, DESTROY)
    pk `STATE#<nonce>`, sk `STATE`; no gsi1: nothing looks a state up other than by its nonce
    reads: get and delete a state once (conditional delete makes it single-use)
orders (deletion protection, RETAIN)
    pk `ORDER#<order_id>`, sk `META` | `ITEM#<item_id>`
    gsi1 on `META`: gsi1pk `CONN#<connection_id>`, gsi1sk `<last_updated_iso>#<order_id>`
    reads: an order with its items; a connection's orders by last update
feeds (RETAIN)
    pk `FEED#<feed_id>`, sk `META` | `PART#<n>` (the feed's entries, in parts: a feed of 10,000 messages does not fit
    one 400 KB item)
    gsi1 on `META`: gsi1pk `CONN#<connection_id>#STATUS#<status>`, gsi1sk `<submitted_iso>#<feed_id>`
    reads: a feed with its parts (query pk); a connection's feeds in one status, oldest first
inventory (RETAIN)
    pk `CONN#<connection_id>`, sk `BUCKET#<nnnn>`: the SKU states of one connection, hashed into 4096 buckets, one
    item per bucket holding the states as JSON `skus` and a `version` for conditional writes; no gsi1
    reads: one bucket (get, then a write conditional on its version); every bucket of a connection (query pk, the
    daily reconciliation)
shipments (RETAIN)
    pk `ORDER#<connection_id>#<order_id>`, sk `ORDER` (the aggregate: units in packages not rejected per order item,
    packageReferenceIds taken, a version for conditional writes) | `PACKAGE#<reference>` | `CANCEL`; pk
    `CONN#<connection_id>`, sk `CANCEL_FEED` (the feed gate: one cancellation feed per window); pk `FEED#<feed_id>`,
    sk `CANCEL_FEED` (a submitted feed's MessageID -> order map)
    gsi1 on `ORDER`: gsi1pk `CONN#<connection_id>`, gsi1sk `<updated_iso>#<order_id>` (a connection's orders with
    shipment activity, newest first); on a pending `CANCEL`: gsi1pk `CANCELS#PENDING#<connection_id>`, gsi1sk
    `<requested_iso>#<order_id>` (what the next feed takes), moved to gsi1pk `CANCELS#DONE#<connection_id>` once
    claimed (the connection's other cancellations, for `sellersync shipments status`)
    reads: an order's packages and cancellation (query pk); the connection's orders; its pending cancellations
listings (RETAIN)
    pk `LISTINGS#<connection_id>#<marketplace_id>`, sk `SKU#<sku>` (a listing, with its content hash for conditional
    writes) | `STATE` (the pair's catalog sync state: the pending report, cursors, last counts)
    gsi1 on a variation child: gsi1pk `FAMILY#<connection_id>#<marketplace_id>#<parent_sku>`, gsi1sk `<sku>`
    reads: a marketplace's catalog in SKU order (query pk); a family's children (query gsi1)
    pk `SKUMAP#<connection_id>`, sk `SKU#<amazon_sku>`: the SKU map (`merchant_sku`); gsi1pk
    `SKUMAP#<connection_id>#<merchant_sku>`, gsi1sk `<amazon_sku>`; reads: a connection's whole map (query pk), the
    Amazon SKUs of a merchant SKU (query gsi1)
audit (TTL `expires_at`, 90 days; RETAIN)
    pk `AUDIT#<connection_id>`, sk `<at>#<kind>#<ref>` (one send to Amazon: a feed, patch, confirmation,
    cancellation feed or secret rotation, with its request id, entries and answer) | `<at>#<kind>#<ref>#PART#<nnn>` (a
    large feed's further entries); no gsi1: `--sku` / `--order` read the connection's window and keep what touches
    them (shared/repositories/audit.py says why)
    reads: a connection's sends since a time, newest first (query pk, sk >= since)
rate_limits (TTL `expires_at`, DESTROY)
    partition key `pk` only: `BUCKET#<connection_id>#<operation>`, one token bucket shared by all functions

oauth_states keeps the generic `pk`/`sk` pair (sk is the constant `STATE`) so one repository helper serves every
generic table.
"""

from dataclasses import dataclass

from aws_cdk import RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kms as kms
from constructs import Construct

from infra.config import Table, camel

GSI1 = "gsi1"


@dataclass(frozen=True)
class TableSpec:
    """Key schema and lifecycle of one table."""

    partition_key: str = "pk"
    sort_key: str | None = "sk"
    gsi1: bool = True
    ttl_attribute: str | None = None
    retain: bool = True
    deletion_protection: bool = False


SPECS: dict[Table, TableSpec] = {
    Table.CONNECTIONS: TableSpec(deletion_protection=True),
    Table.OAUTH_STATES: TableSpec(gsi1=False, ttl_attribute="expires_at", retain=False),
    Table.ORDERS: TableSpec(deletion_protection=True),
    Table.FEEDS: TableSpec(),
    Table.RATE_LIMITS: TableSpec(sort_key=None, gsi1=False, ttl_attribute="expires_at", retain=False),
    Table.INVENTORY: TableSpec(gsi1=False),
    Table.SHIPMENTS: TableSpec(),
    Table.LISTINGS: TableSpec(),
    Table.AUDIT: TableSpec(gsi1=False, ttl_attribute="expires_at"),
}


def _string(name: str) -> dynamodb.Attribute:
    return dynamodb.Attribute(name=name, type=dynamodb.AttributeType.STRING)


class Data(Construct):
    """One DynamoDB table per `Table`, built from `SPECS`."""

    def __init__(self, scope: Construct, construct_id: str, *, key: kms.IKey) -> None:
        super().__init__(scope, construct_id)
        self.tables: dict[Table, dynamodb.Table] = {table: self._table(table, SPECS[table], key) for table in Table}

    def _table(self, table: Table, spec: TableSpec, key: kms.IKey) -> dynamodb.Table:
        built = dynamodb.Table(
            self,
            camel(table.value),
            partition_key=_string(spec.partition_key),
            sort_key=_string(spec.sort_key) if spec.sort_key else None,
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED,
            encryption_key=key,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            time_to_live_attribute=spec.ttl_attribute,
            deletion_protection=spec.deletion_protection,
            removal_policy=RemovalPolicy.RETAIN if spec.retain else RemovalPolicy.DESTROY,
        )
        if spec.gsi1:
            built.add_global_secondary_index(
                index_name=GSI1,
                partition_key=_string("gsi1pk"),
                sort_key=_string("gsi1sk"),
                projection_type=dynamodb.ProjectionType.ALL,
            )
        return built
