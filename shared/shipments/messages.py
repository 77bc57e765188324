"""The messages the shipments functions pass each other on their own queues (JSON bodies, our own shapes).

- verification queue: `PackageCheck`, sent with a delay after Amazon answered 204, to confirm the package against
  Amazon's order when no order event did it first; order events of the bus (sellersync.orders, whole) arrive there too;
  `HeldRelease`, queued by `connections resume`: send the packages held while the connection was paused.
- cancellations queue: `CancellationFlush` (a connection has pending cancellations: submit them in one feed, at most
  one feed per window) and `CancellationReport` (a feed of ours is done, or is due a poll: read its report).
"""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter


class _Message(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PackageCheck(_Message):
    """Check one sent package against Amazon's order (once: the stored order, else one getOrder)."""

    kind: Literal["package_check"] = "package_check"
    connection_id: str
    order_id: str
    reference: str


class HeldRelease(_Message):
    """Send every package of the connection held while its shipments were paused (shared/shipments/hold.py)."""

    kind: Literal["held_release"] = "held_release"
    connection_id: str


class CancellationFlush(_Message):
    """Submit the connection's pending cancellations."""

    kind: Literal["cancellation_flush"] = "cancellation_flush"
    connection_id: str


class CancellationReport(_Message):
    """Read a cancellation feed's outcome; `polls` counts the checks that found it still processing."""

    kind: Literal["cancellation_report"] = "cancellation_report"
    feed_id: str
    connection_id: str | None = None
    polls: int = 0


CancellationMessage = Annotated[CancellationFlush | CancellationReport, Field(discriminator="kind")]
CANCELLATION_MESSAGE: TypeAdapter[CancellationFlush | CancellationReport] = TypeAdapter(CancellationMessage)
