"""The repositories and Amazon clients of a target stack, built from its outputs (as the functions build theirs).

Each builder imports its repository or client when called: a command loads only what it uses (docs/cli.md,
"Start-up").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cli.target import Target
from infra.names import Table
from infra.outputs import Output, table_output_key

if TYPE_CHECKING:
    import requests

    from shared.repositories.cancellations import CancellationsRepository
    from shared.repositories.connections import ConnectionsRepository
    from shared.repositories.encryption import KmsEncryptor
    from shared.repositories.feeds import FeedsRepository
    from shared.repositories.inventory import InventoryRepository
    from shared.repositories.listings import ListingsRepository
    from shared.repositories.oauth_states import OAuthStatesRepository
    from shared.repositories.orders import OrdersRepository
    from shared.repositories.shipments import ShipmentsRepository
    from shared.repositories.sku_map import SkuMapRepository
    from shared.repositories.subscriptions import SubscriptionsRepository
    from shared.repositories.sync_status import SyncStatusRepository
    from shared.spapi.client import SpApiClient
    from shared.spapi.lwa import LwaClient
    from shared.spapi.marketplaces import Region
    from shared.spapi.tokens import TokenProvider
    from shared.spapi.transport import RetryPolicy


class KmsOnFirstUse:
    """The stack's KmsEncryptor, its KMS client made when a token is first encrypted or decrypted: reading
    connections and settings (`connections list`, `settings get`) never pays for it."""

    def __init__(self, target: Target) -> None:
        self._target = target
        self._encryptor: KmsEncryptor | None = None

    def _kms(self) -> KmsEncryptor:
        from shared.repositories.encryption import KmsEncryptor

        if self._encryptor is None:
            self._encryptor = KmsEncryptor(self._target.output(Output.KMS_KEY_ARN), self._target.client("kms"))
        return self._encryptor

    def encrypt(self, plaintext: bytes, context: dict[str, str]) -> bytes:
        """KmsEncryptor.encrypt."""
        return self._kms().encrypt(plaintext, context)

    def decrypt(self, ciphertext: bytes, context: dict[str, str]) -> bytes:
        """KmsEncryptor.decrypt."""
        return self._kms().decrypt(ciphertext, context)


def connections_repository(target: Target) -> ConnectionsRepository:
    """Connections and settings, with the stack's KMS key for refresh tokens."""
    from shared.repositories.connections import ConnectionsRepository

    target.output(Output.KMS_KEY_ARN)  # a stack without its key is reported before anything is read
    return ConnectionsRepository(
        target.output(table_output_key(Table.CONNECTIONS)), target.client("dynamodb"), KmsOnFirstUse(target)
    )


def subscriptions_repository(target: Target) -> SubscriptionsRepository:
    """The recorded notification subscriptions."""
    from shared.repositories.subscriptions import SubscriptionsRepository

    return SubscriptionsRepository(target.output(table_output_key(Table.CONNECTIONS)), target.client("dynamodb"))


def sync_status_repository(target: Target) -> SyncStatusRepository:
    """The sync status items."""
    from shared.repositories.sync_status import SyncStatusRepository

    return SyncStatusRepository(target.output(table_output_key(Table.CONNECTIONS)), target.client("dynamodb"))


def states_repository(target: Target) -> OAuthStatesRepository:
    """Invites and OAuth states."""
    from shared.repositories.oauth_states import OAuthStatesRepository

    return OAuthStatesRepository(target.output(table_output_key(Table.OAUTH_STATES)), target.client("dynamodb"))


def orders_repository(target: Target) -> OrdersRepository:
    """The imported orders."""
    from shared.repositories.orders import OrdersRepository

    return OrdersRepository(target.output(table_output_key(Table.ORDERS)), target.client("dynamodb"))


def inventory_repository(target: Target) -> InventoryRepository:
    """The SKU states of the inventory pipeline (buckets per connection)."""
    from shared.repositories.inventory import InventoryRepository

    return InventoryRepository(target.output(table_output_key(Table.INVENTORY)), target.client("dynamodb"))


def feeds_repository(target: Target) -> FeedsRepository:
    """The submitted inventory feeds."""
    from shared.repositories.feeds import FeedsRepository

    return FeedsRepository(target.output(table_output_key(Table.FEEDS)), target.client("dynamodb"))


def shipments_repository(target: Target) -> ShipmentsRepository:
    """Packages and their orders' aggregates (the shipments table)."""
    from shared.repositories.shipments import ShipmentsRepository

    return ShipmentsRepository(target.output(table_output_key(Table.SHIPMENTS)), target.client("dynamodb"))


def cancellations_repository(target: Target) -> CancellationsRepository:
    """Cancellation requests (the shipments table)."""
    from shared.repositories.cancellations import CancellationsRepository

    return CancellationsRepository(target.output(table_output_key(Table.SHIPMENTS)), target.client("dynamodb"))


def listings_repository(target: Target) -> ListingsRepository:
    """The imported catalog: listings and the catalog sync state per (connection, marketplace)."""
    from shared.repositories.listings import ListingsRepository

    return ListingsRepository(target.output(table_output_key(Table.LISTINGS)), target.client("dynamodb"))


def sku_map_repository(target: Target) -> SkuMapRepository:
    """The SKU map (Amazon SKU -> merchant SKU), in the listings table."""
    from shared.repositories.sku_map import SkuMapRepository

    return SkuMapRepository(target.output(table_output_key(Table.LISTINGS)), target.client("dynamodb"))


def shipments_input_queue_url(target: Target) -> str:
    """Where `shipments confirm|import` and `orders cancel` send their requests."""
    return target.output(Output.SHIPMENTS_INPUT_QUEUE_URL)


def inventory_input_queue_url(target: Target) -> str:
    """The inventory pipeline's input queue (InventoryChanged events and CLI batches)."""
    return target.output(Output.INVENTORY_INPUT_QUEUE_URL)


def invite_key(target: Target) -> bytes:
    """The connect-link signing key from its secret."""
    from shared.secrets import load_invite_key

    return load_invite_key(target.client("secretsmanager"), target.output(Output.INVITE_KEY_SECRET_ARN))


def lwa_client(target: Target, session: requests.Session) -> LwaClient:
    """LWA with the app credentials from the stack's secret, at the sandbox's token URL locally."""
    from shared.secrets import load_lwa_app
    from shared.spapi.lwa import LwaClient

    app = load_lwa_app(target.client("secretsmanager"), target.output(Output.LWA_SECRET_ARN))
    return LwaClient(app.credentials, session, target.lwa_token_url)


def spapi_client(
    target: Target,
    connection_id: str,
    region: Region,
    tokens: TokenProvider,
    session: requests.Session,
    retry: RetryPolicy | None = None,
) -> SpApiClient:
    """An SP-API client on the stack's shared rate-limit buckets: the CLI and the functions share Amazon's limits."""
    from shared.spapi.client import SpApiClient
    from shared.spapi.ratelimit_dynamodb import DynamoDbRateLimiter

    limiter = DynamoDbRateLimiter(target.output(table_output_key(Table.RATE_LIMITS)), target.client("dynamodb"))
    return SpApiClient(
        connection_id, region, tokens, limiter, session, endpoint_override=target.spapi_endpoint_url, retry=retry
    )
