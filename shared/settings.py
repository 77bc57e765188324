"""Settings of the Lambda functions, read from the environment once per container and validated by pydantic."""

import os
from collections.abc import Mapping
from functools import cache
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from shared.env import Env
from shared.metrics import NAMESPACE


class SettingsError(RuntimeError):
    """The environment does not hold valid settings for this function."""


class FunctionSettings(BaseModel):
    """What every function reads: Powertools names and the optional Amazon endpoint overrides."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    service_name: Annotated[str, Field(alias=Env.SERVICE_NAME)]
    metrics_namespace: Annotated[str, Field(alias=Env.METRICS_NAMESPACE)] = NAMESPACE
    spapi_endpoint_url: Annotated[str | None, Field(alias=Env.SPAPI_ENDPOINT_URL)] = None
    lwa_token_url: Annotated[str | None, Field(alias=Env.LWA_TOKEN_URL)] = None
    seller_central_url: Annotated[str | None, Field(alias=Env.SELLER_CENTRAL_URL)] = None
    spapi_time_scale: Annotated[float, Field(alias=Env.SPAPI_TIME_SCALE, gt=0)] = 1.0
    spapi_clock_origin: Annotated[AwareDatetime | None, Field(alias=Env.SPAPI_CLOCK_ORIGIN)] = None


class SyncSettings(FunctionSettings):
    """What a sync-type function reads: its type, its work queue, the connection data and the bus."""

    sync_type: Annotated[str, Field(alias=Env.SYNC_TYPE, min_length=1)]
    sync_queue_url: Annotated[str, Field(alias=Env.SYNC_QUEUE_URL, min_length=1)]
    sync_dlq_url: Annotated[str, Field(alias=Env.SYNC_DLQ_URL, min_length=1)]
    connections_table: Annotated[str, Field(alias=Env.CONNECTIONS_TABLE, min_length=1)]
    event_bus_name: Annotated[str, Field(alias=Env.EVENT_BUS_NAME, min_length=1)]


class SellerSyncSettings(SyncSettings):
    """A sync that acts for a seller at Amazon: also the LWA app secret and the KMS key that decrypts the
    connections' refresh tokens."""

    lwa_secret_arn: Annotated[str, Field(alias=Env.LWA_SECRET_ARN, min_length=1)]
    kms_key_arn: Annotated[str, Field(alias=Env.KMS_KEY_ARN, min_length=1)]


class OrdersSyncSettings(SellerSyncSettings):
    """The `orders` sync: also the orders table, the shared rate-limit buckets and the notifications queue it
    subscribes sellers to (ORDER_CHANGE is delivered there)."""

    orders_table: Annotated[str, Field(alias=Env.ORDERS_TABLE, min_length=1)]
    rate_limits_table: Annotated[str, Field(alias=Env.RATE_LIMITS_TABLE, min_length=1)]
    notifications_queue_arn: Annotated[str, Field(alias=Env.NOTIFICATIONS_QUEUE_ARN, pattern=r"^arn:aws[a-z-]*:sqs:")]
    # The SKU map (listings table): order events name each line's merchant SKU; None: the Amazon SKU.
    listings_table: Annotated[str | None, Field(alias=Env.LISTINGS_TABLE, min_length=1)] = None


class CatalogSyncSettings(SellerSyncSettings):
    """The `catalog` sync: the listings table, and the rate-limit buckets shared by every function calling Amazon."""

    listings_table: Annotated[str, Field(alias=Env.LISTINGS_TABLE, min_length=1)]
    rate_limits_table: Annotated[str, Field(alias=Env.RATE_LIMITS_TABLE, min_length=1)]


class InventoryQueues(BaseModel):
    """The inventory pipeline's queues and their DLQs (every inventory function knows all of them)."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore", frozen=True)

    inventory_changes_queue_url: Annotated[str, Field(alias=Env.INVENTORY_CHANGES_QUEUE_URL, min_length=1)]
    inventory_fastlane_queue_url: Annotated[str, Field(alias=Env.INVENTORY_FASTLANE_QUEUE_URL, min_length=1)]
    inventory_results_queue_url: Annotated[str, Field(alias=Env.INVENTORY_RESULTS_QUEUE_URL, min_length=1)]


class InventorySyncSettings(SyncSettings, InventoryQueues):
    """The `inventory` sync (daily reconciliation): also the inventory table, and the queues it re-sends into.

    It never calls Amazon (the pipeline's functions do), so no LWA secret; the key builds the connections repository.
    """

    kms_key_arn: Annotated[str, Field(alias=Env.KMS_KEY_ARN, min_length=1)]
    inventory_table: Annotated[str, Field(alias=Env.INVENTORY_TABLE, min_length=1)]
    # The stored catalog (Amazon-fulfilled listings, starting quantities: shared/inventory/seed.py); None: not read.
    listings_table: Annotated[str | None, Field(alias=Env.LISTINGS_TABLE, min_length=1)] = None


class InventorySettings(FunctionSettings, InventoryQueues):
    """The inventory pipeline's functions (input, feeds, fast lane, results): data, queues, Amazon and the bus."""

    connections_table: Annotated[str, Field(alias=Env.CONNECTIONS_TABLE, min_length=1)]
    inventory_table: Annotated[str, Field(alias=Env.INVENTORY_TABLE, min_length=1)]
    feeds_table: Annotated[str, Field(alias=Env.FEEDS_TABLE, min_length=1)]
    rate_limits_table: Annotated[str, Field(alias=Env.RATE_LIMITS_TABLE, min_length=1)]
    event_bus_name: Annotated[str, Field(alias=Env.EVENT_BUS_NAME, min_length=1)]
    lwa_secret_arn: Annotated[str, Field(alias=Env.LWA_SECRET_ARN, min_length=1)]
    kms_key_arn: Annotated[str, Field(alias=Env.KMS_KEY_ARN, min_length=1)]
    inventory_input_dlq_url: Annotated[str, Field(alias=Env.INVENTORY_INPUT_DLQ_URL, min_length=1)]
    inventory_changes_dlq_url: Annotated[str, Field(alias=Env.INVENTORY_CHANGES_DLQ_URL, min_length=1)]
    inventory_fastlane_dlq_url: Annotated[str, Field(alias=Env.INVENTORY_FASTLANE_DLQ_URL, min_length=1)]
    inventory_results_dlq_url: Annotated[str, Field(alias=Env.INVENTORY_RESULTS_DLQ_URL, min_length=1)]
    feed_poll_seconds: Annotated[int, Field(alias=Env.INVENTORY_FEED_POLL_SECONDS, ge=1, le=900)] = 300
    # The SKU map's items (listings table): read by the input function; None: every record stays on its own SKU.
    listings_table: Annotated[str | None, Field(alias=Env.LISTINGS_TABLE, min_length=1)] = None
    # Where FEED_PROCESSING_FINISHED is delivered (the notifications queue); None: the feed lane relies on polling.
    notifications_queue_arn: Annotated[
        str | None, Field(alias=Env.NOTIFICATIONS_QUEUE_ARN, pattern=r"^arn:aws[a-z-]*:sqs:")
    ] = None


class NotificationsSettings(FunctionSettings):
    """The notifications consumer: reads Amazon's notifications, fetches and stores orders, publishes events."""

    connections_table: Annotated[str, Field(alias=Env.CONNECTIONS_TABLE, min_length=1)]
    orders_table: Annotated[str, Field(alias=Env.ORDERS_TABLE, min_length=1)]
    rate_limits_table: Annotated[str, Field(alias=Env.RATE_LIMITS_TABLE, min_length=1)]
    event_bus_name: Annotated[str, Field(alias=Env.EVENT_BUS_NAME, min_length=1)]
    lwa_secret_arn: Annotated[str, Field(alias=Env.LWA_SECRET_ARN, min_length=1)]
    kms_key_arn: Annotated[str, Field(alias=Env.KMS_KEY_ARN, min_length=1)]
    notifications_dlq_url: Annotated[str, Field(alias=Env.NOTIFICATIONS_DLQ_URL, min_length=1)]
    # The SKU map (listings table): order events name each line's merchant SKU; None: the Amazon SKU.
    listings_table: Annotated[str | None, Field(alias=Env.LISTINGS_TABLE, min_length=1)] = None
    # FEED_PROCESSING_FINISHED is handed to the inventory results queue.
    inventory_results_queue_url: Annotated[str, Field(alias=Env.INVENTORY_RESULTS_QUEUE_URL, min_length=1)]
    # FEED_PROCESSING_FINISHED of an order acknowledgement feed goes to the cancellations queue.
    shipments_cancellations_queue_url: Annotated[
        str | None, Field(alias=Env.SHIPMENTS_CANCELLATIONS_QUEUE_URL, min_length=1)
    ] = None


class ShipmentsSettings(FunctionSettings):
    """The shipments functions (input, verification, cancellations): each is told every queue of the capability."""

    connections_table: Annotated[str, Field(alias=Env.CONNECTIONS_TABLE, min_length=1)]
    orders_table: Annotated[str, Field(alias=Env.ORDERS_TABLE, min_length=1)]
    shipments_table: Annotated[str, Field(alias=Env.SHIPMENTS_TABLE, min_length=1)]
    rate_limits_table: Annotated[str, Field(alias=Env.RATE_LIMITS_TABLE, min_length=1)]
    event_bus_name: Annotated[str, Field(alias=Env.EVENT_BUS_NAME, min_length=1)]
    lwa_secret_arn: Annotated[str, Field(alias=Env.LWA_SECRET_ARN, min_length=1)]
    kms_key_arn: Annotated[str, Field(alias=Env.KMS_KEY_ARN, min_length=1)]
    shipments_input_queue_url: Annotated[str, Field(alias=Env.SHIPMENTS_INPUT_QUEUE_URL, min_length=1)]
    shipments_input_dlq_url: Annotated[str, Field(alias=Env.SHIPMENTS_INPUT_DLQ_URL, min_length=1)]
    shipments_verify_queue_url: Annotated[str, Field(alias=Env.SHIPMENTS_VERIFY_QUEUE_URL, min_length=1)]
    shipments_verify_dlq_url: Annotated[str, Field(alias=Env.SHIPMENTS_VERIFY_DLQ_URL, min_length=1)]
    shipments_cancellations_queue_url: Annotated[str, Field(alias=Env.SHIPMENTS_CANCELLATIONS_QUEUE_URL, min_length=1)]
    shipments_cancellations_dlq_url: Annotated[str, Field(alias=Env.SHIPMENTS_CANCELLATIONS_DLQ_URL, min_length=1)]
    # The SKU map (listings table): a package item may name the merchant SKU of an order line; read by the input.
    listings_table: Annotated[str | None, Field(alias=Env.LISTINGS_TABLE, min_length=1)] = None
    verify_delay_seconds: Annotated[int, Field(alias=Env.SHIPMENTS_VERIFY_DELAY_SECONDS, ge=1, le=900)] = 120
    cancellation_window_seconds: Annotated[int, Field(alias=Env.CANCELLATION_FEED_WINDOW_SECONDS, ge=1, le=900)] = 60


def env_keys(model: type[BaseModel]) -> set[str]:
    """Every environment variable name a settings model reads (its field aliases)."""
    return {f.alias or name for name, f in model.model_fields.items()}


def required_env_keys(model: type[BaseModel]) -> set[str]:
    """The environment variable names a settings model cannot do without."""
    return {f.alias or name for name, f in model.model_fields.items() if f.is_required()}


def parse_settings[S: BaseModel](model: type[S], environ: Mapping[str, str]) -> S:
    """Validates settings from a mapping; raises SettingsError naming each missing or invalid variable."""
    try:
        return model.model_validate(dict(environ))
    except ValidationError as exc:
        problems = ", ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise SettingsError(f"invalid {model.__name__} environment: {problems}") from exc


@cache
def load_settings[S: BaseModel](model: type[S]) -> S:
    """Settings from os.environ, read on first use and cached for warm starts (never at import time)."""
    return parse_settings(model, os.environ)


class OAuthSettings(FunctionSettings):
    """What the OAuth endpoints read: the connection data, the secrets they may open, and how Amazon calls back."""

    connections_table: Annotated[str, Field(alias=Env.CONNECTIONS_TABLE, min_length=1)]
    oauth_states_table: Annotated[str, Field(alias=Env.OAUTH_STATES_TABLE, min_length=1)]
    kms_key_arn: Annotated[str, Field(alias=Env.KMS_KEY_ARN, min_length=1)]
    lwa_secret_arn: Annotated[str, Field(alias=Env.LWA_SECRET_ARN, min_length=1)]
    invite_key_secret_arn: Annotated[str, Field(alias=Env.INVITE_KEY_SECRET_ARN, min_length=1)]
    event_bus_name: Annotated[str, Field(alias=Env.EVENT_BUS_NAME, min_length=1)]
    api_url: Annotated[str, Field(alias=Env.API_URL, pattern=r"^https?://")]
    oauth_redirect_uri: Annotated[str, Field(alias=Env.OAUTH_REDIRECT_URI, pattern=r"^https?://")]
    oauth_draft_app: Annotated[bool, Field(alias=Env.OAUTH_DRAFT_APP)] = True
