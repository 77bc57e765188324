"""Records of what the app did in the sandbox: authorizations and tokens, documents, feeds, reports,
notification destinations and subscriptions, delivered notifications. Plain dataclasses; times are sandbox seconds."""

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Authorization:
    """One seller's grant to the app in one region; refresh tokens hang off it and die with it."""

    authorization_id: str
    selling_partner_id: str
    region: str
    refresh_token: str
    created: float
    revoked_at: float | None = None

    def revoked(self, now: float) -> bool:
        """True once the (possibly scheduled) revocation time has passed."""
        return self.revoked_at is not None and self.revoked_at <= now


@dataclass
class AuthCode:
    """An spapi_oauth_code: single use, valid 5 minutes, bound to the redirect URI of its consent."""

    code: str
    selling_partner_id: str
    region: str
    redirect_uri: str
    issued: float
    used: bool = False


@dataclass
class AccessToken:
    """An LWA access token: a seller's (from a refresh token) or grantless (client_credentials + scope)."""

    token: str
    expires: float
    authorization_id: str | None = None
    scope: str | None = None


@dataclass
class Document:
    """A feed input, feed result or report document, served by the sandbox at presigned-style URLs."""

    document_id: str
    owner: str
    kind: str
    content_type: str
    created: float
    content: bytes | None = None
    compression: str | None = None


@dataclass
class Feed:
    """A submitted feed moving IN_QUEUE -> IN_PROGRESS -> DONE | FATAL."""

    feed_id: str
    seller_id: str
    feed_type: str
    marketplace_ids: list[str]
    input_document_id: str
    created: float
    status: str = "IN_QUEUE"
    started: float | None = None
    ended: float | None = None
    result_document_id: str | None = None
    summary: dict[str, int] = field(default_factory=dict)


@dataclass
class Report:
    """A requested report moving IN_QUEUE -> IN_PROGRESS -> DONE | FATAL | CANCELLED."""

    report_id: str
    seller_id: str
    report_type: str
    marketplace_ids: list[str]
    created: float
    status: str = "IN_QUEUE"
    started: float | None = None
    ended: float | None = None
    document_id: str | None = None
    outcome: str | None = None  # a steered fault (FaultConfig.report_outcomes) taken when it was requested


@dataclass
class Destination:
    """A notification destination (application-wide, created grantless)."""

    destination_id: str
    name: str
    sqs_arn: str | None
    event_bridge: dict[str, str] | None = None


@dataclass
class Subscription:
    """A seller's subscription of one notification type to a destination."""

    subscription_id: str
    seller_id: str
    notification_type: str
    payload_version: str
    destination_id: str
    processing_directive: dict[str, Any] | None = None


@dataclass
class Delivery:
    """A notification due for (or given to) its destination: an SQS queue (`queue_arn`), or for an EventBridge
    destination the partner event source `event_source` in `event_region` (`queue_arn` empty)."""

    notification_id: str
    destination_id: str
    queue_arn: str
    body: str
    due: float
    seller_id: str
    notification_type: str
    subject: str
    status: str = "PENDING"
    error: str | None = None
    event_source: str | None = None
    event_region: str | None = None


@dataclass
class Acknowledgement:
    """One Message of a POST_ORDER_ACKNOWLEDGEMENT_DATA feed and what Amazon made of it."""

    feed_id: str
    order_id: str
    status_code: str
    cancel_reasons: dict[str, str]
    applied: bool
    message: str
    seller_id: str = ""
    message_id: str = ""
    merchant_order_id: str | None = None
    result_code: str | None = None  # None (success), Error or Warning, as in the processing report
    result_message_code: str | None = None
    cancelled: bool = False
    at: float = 0.0


@dataclass
class ClientSecrets:
    """The app's LWA client secrets (local/sandbox/rotation.py): the current one, the one a rotation replaced (valid
    until `previous_expires`), and the queue registered under "Application Client New Secret" in the console."""

    current: str
    previous: str | None = None
    previous_expires: float | None = None
    current_created: float = 0.0
    rotation_queue_arn: str | None = None
    rotations: int = 0
