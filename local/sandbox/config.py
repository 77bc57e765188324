"""Configuration of the local Amazon sandbox: identity of the fake app, time, generated world and faults."""

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

# Obviously fake LWA credentials: nothing here may ever look like a real client id or secret.
DEFAULT_CLIENT_ID = "amzn1.application-oa2-client.local-sandbox"
DEFAULT_CLIENT_SECRET = "local-sandbox-secret"
DEFAULT_APPLICATION_ID = "amzn1.sp.solution.local-sandbox"
DEFAULT_REDIRECT_URI = "http://127.0.0.1:8000/amazon/oauth/callback"


# What a seller's reports do instead of finishing DONE: stay IN_QUEUE (cancellable) or IN_PROGRESS (not) for ever, end
# FATAL with an error document, or end CANCELLED (Amazon's "no data").
ReportOutcome = Literal["stays_in_queue", "stays_in_progress", "fatal", "cancelled"]


class Storm(BaseModel):
    """The next `calls` calls of `operation` by `seller_id` answered `status` (429 QuotaExceeded or 500)."""

    model_config = ConfigDict(extra="forbid")

    seller_id: str
    operation: str
    status: Literal[429, 500]
    calls: int = Field(ge=1)


class FaultConfig(BaseModel):
    """Shares (0..1) of requests or notifications that misbehave; all zero by default."""

    model_config = ConfigDict(extra="forbid")

    throttle_share: float = Field(0.0, ge=0, le=1, description="SP-API calls answered 429 despite a full bucket")
    error_share: float = Field(0.0, ge=0, le=1, description="SP-API calls answered 500 InternalFailure")
    slow_share: float = Field(0.0, ge=0, le=1, description="SP-API calls delayed by slow_seconds (real time)")
    slow_seconds: float = Field(2.0, ge=0, le=120)
    drop_share: float = Field(0.0, ge=0, le=1, description="SP-API calls whose connection is closed unanswered")
    duplicate_notification_share: float = Field(0.0, ge=0, le=1, description="notifications delivered twice")
    late_notification_share: float = Field(0.0, ge=0, le=1, description="notifications delivered late")
    late_notification_seconds: float = Field(600.0, ge=0, description="delay of a late notification (sandbox time)")
    # The #5232 case: confirmShipment answers 204 yet no package is recorded (the call is still logged, marked so).
    unrecorded_shipment_sellers: list[str] = Field(
        default_factory=list, description="sellers whose valid confirmShipment calls get 204 but record nothing"
    )
    unrecorded_shipment_orders: list[str] = Field(
        default_factory=list, description="orders whose valid confirmShipment calls get 204 but record nothing"
    )

    report_outcomes: dict[str, ReportOutcome] = Field(
        default_factory=dict, description="per seller: how reports requested from now on end (instead of DONE)"
    )
    storms: list[Storm] = Field(
        default_factory=list, description="per seller and operation: the next N calls answered 429 or 500"
    )

    @field_validator("unrecorded_shipment_sellers", "unrecorded_shipment_orders", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        """--fault unrecorded_shipment_orders=A,B on the command line gives a comma-separated string."""
        return [part for part in value.split(",") if part] if isinstance(value, str) else value


class SandboxConfig(BaseModel):
    """Everything a sandbox run depends on; the same seed and config give the same world."""

    model_config = ConfigDict(extra="forbid")

    seed: int = 1
    time_scale: float = Field(1.0, gt=0, description="sandbox seconds per real second")
    start_time: datetime | None = Field(None, description="sandbox time at start (UTC); default: now")

    client_id: str = DEFAULT_CLIENT_ID
    client_secret: str = DEFAULT_CLIENT_SECRET
    application_id: str = DEFAULT_APPLICATION_ID
    application_name: str = "Seller Sync (local sandbox)"
    redirect_uris: list[str] = Field(default_factory=lambda: [DEFAULT_REDIRECT_URI])
    login_uri: str | None = Field(None, description="when set, consent goes through the Log-in URI hop first")
    draft_app: bool = Field(True, description="a Draft app needs version=beta on the consent URI (else MD1000)")

    orders_per_hour: float = Field(2.0, ge=0, description="new orders per seller per sandbox hour")
    pending_seconds: float = Field(1800.0, ge=0, description="sandbox seconds a new order stays PENDING")
    initial_orders: int = Field(14, ge=0, le=500, description="generated orders per seller")
    feed_queue_seconds: float = Field(30.0, ge=0, description="sandbox seconds a feed stays IN_QUEUE")
    feed_processing_seconds: float = Field(60.0, ge=0, description="sandbox seconds a feed stays IN_PROGRESS")
    report_processing_seconds: float = Field(45.0, ge=0)

    aws_endpoint_url: str | None = Field(None, description="SQS endpoint for notifications (moto locally)")
    aws_region: str = "eu-west-1"

    validate_responses: bool = Field(False, description="test mode: every SP-API response checked against its model")
    faults: FaultConfig = Field(default_factory=FaultConfig)
