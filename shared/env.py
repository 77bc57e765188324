"""Environment variable names: the one list shared by the settings models and the CDK app."""

from enum import StrEnum


class Env(StrEnum):
    """Names of the environment variables our Lambda functions read. Values are names and ARNs, never secrets."""

    # Powertools
    SERVICE_NAME = "POWERTOOLS_SERVICE_NAME"
    METRICS_NAMESPACE = "POWERTOOLS_METRICS_NAMESPACE"
    LOG_LEVEL = "POWERTOOLS_LOG_LEVEL"
    # Data
    CONNECTIONS_TABLE = "CONNECTIONS_TABLE"
    OAUTH_STATES_TABLE = "OAUTH_STATES_TABLE"
    ORDERS_TABLE = "ORDERS_TABLE"
    FEEDS_TABLE = "FEEDS_TABLE"
    RATE_LIMITS_TABLE = "RATE_LIMITS_TABLE"
    INVENTORY_TABLE = "INVENTORY_TABLE"
    SHIPMENTS_TABLE = "SHIPMENTS_TABLE"
    LISTINGS_TABLE = "LISTINGS_TABLE"
    AUDIT_TABLE = "AUDIT_TABLE"
    # Messaging and security
    EVENT_BUS_NAME = "EVENT_BUS_NAME"
    SYNC_QUEUE_URL = "SYNC_QUEUE_URL"
    SYNC_TYPE = "SYNC_TYPE"
    SYNC_DLQ_URL = "SYNC_DLQ_URL"
    KMS_KEY_ARN = "KMS_KEY_ARN"
    # The queue Amazon delivers notifications to (ORDER_CHANGE, FEED_PROCESSING_FINISHED); its ARN names the destination
    NOTIFICATIONS_QUEUE_ARN = "NOTIFICATIONS_QUEUE_ARN"
    NOTIFICATIONS_DLQ_URL = "NOTIFICATIONS_DLQ_URL"
    # The inventory pipeline's queues (README, "Inventory"): input (events and CLI), changes (feed lane), fast lane
    # (stock-outs) and feed results; each with its DLQ, where a message that cannot be processed goes with a reason
    INVENTORY_INPUT_QUEUE_URL = "INVENTORY_INPUT_QUEUE_URL"
    INVENTORY_INPUT_DLQ_URL = "INVENTORY_INPUT_DLQ_URL"
    INVENTORY_CHANGES_QUEUE_URL = "INVENTORY_CHANGES_QUEUE_URL"
    INVENTORY_CHANGES_DLQ_URL = "INVENTORY_CHANGES_DLQ_URL"
    INVENTORY_FASTLANE_QUEUE_URL = "INVENTORY_FASTLANE_QUEUE_URL"
    INVENTORY_FASTLANE_DLQ_URL = "INVENTORY_FASTLANE_DLQ_URL"
    INVENTORY_RESULTS_QUEUE_URL = "INVENTORY_RESULTS_QUEUE_URL"
    INVENTORY_RESULTS_DLQ_URL = "INVENTORY_RESULTS_DLQ_URL"
    # Seconds between getFeed checks of a submitted feed (the fallback when FEED_PROCESSING_FINISHED does not come)
    INVENTORY_FEED_POLL_SECONDS = "INVENTORY_FEED_POLL_SECONDS"
    # Shipments and cancellations (docs/shipments.md): input (events and CLI), verification (delayed checks and
    # order events), cancellations (feed submission and reports); each with its DLQ
    SHIPMENTS_INPUT_QUEUE_URL = "SHIPMENTS_INPUT_QUEUE_URL"
    SHIPMENTS_INPUT_DLQ_URL = "SHIPMENTS_INPUT_DLQ_URL"
    SHIPMENTS_VERIFY_QUEUE_URL = "SHIPMENTS_VERIFY_QUEUE_URL"
    SHIPMENTS_VERIFY_DLQ_URL = "SHIPMENTS_VERIFY_DLQ_URL"
    SHIPMENTS_CANCELLATIONS_QUEUE_URL = "SHIPMENTS_CANCELLATIONS_QUEUE_URL"
    SHIPMENTS_CANCELLATIONS_DLQ_URL = "SHIPMENTS_CANCELLATIONS_DLQ_URL"
    # Seconds after a 204 before a package is checked against Amazon's order (when no order event confirmed it)
    SHIPMENTS_VERIFY_DELAY_SECONDS = "SHIPMENTS_VERIFY_DELAY_SECONDS"
    # A connection gets at most one cancellation feed per this many seconds
    CANCELLATION_FEED_WINDOW_SECONDS = "CANCELLATION_FEED_WINDOW_SECONDS"
    # The catalog's listings notifications queue (fed by the partner event bus's rule) and its DLQ
    CATALOG_NOTIFICATIONS_QUEUE_URL = "CATALOG_NOTIFICATIONS_QUEUE_URL"
    CATALOG_NOTIFICATIONS_DLQ_URL = "CATALOG_NOTIFICATIONS_DLQ_URL"
    # The AWS account and region of the EventBridge destination the listings notifications are subscribed to
    LISTINGS_DESTINATION_ACCOUNT = "LISTINGS_DESTINATION_ACCOUNT"
    LISTINGS_DESTINATION_REGION = "LISTINGS_DESTINATION_REGION"
    LWA_SECRET_ARN = "LWA_SECRET_ARN"
    # Client secret rotation (docs/operations.md): the queue Amazon sends new secrets to, and the age that triggers one
    SECRET_ROTATION_QUEUE_ARN = "SECRET_ROTATION_QUEUE_ARN"
    SECRET_ROTATE_AFTER_DAYS = "SECRET_ROTATE_AFTER_DAYS"
    INVITE_KEY_SECRET_ARN = "INVITE_KEY_SECRET_ARN"
    # OAuth: the registered Redirect URI, the public base URL of the API, and whether the app is still a Draft
    OAUTH_REDIRECT_URI = "OAUTH_REDIRECT_URI"
    API_URL = "API_URL"
    OAUTH_DRAFT_APP = "OAUTH_DRAFT_APP"
    # Amazon endpoints (overrides reach the local sandbox, Amazon's sandbox or any other test double)
    SPAPI_ENDPOINT_URL = "SPAPI_ENDPOINT_URL"
    LWA_TOKEN_URL = "LWA_TOKEN_URL"
    SELLER_CENTRAL_URL = "SELLER_CENTRAL_URL"
    SPAPI_TIME_SCALE = "SPAPI_TIME_SCALE"
    SPAPI_CLOCK_ORIGIN = "SPAPI_CLOCK_ORIGIN"
    # Where boto3 sends AWS calls; set only by the embedded default (moto server).
    AWS_ENDPOINT_URL = "AWS_ENDPOINT_URL"
