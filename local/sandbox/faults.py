"""Seeded fault injection: which SP-API call misbehaves, and how notifications are duplicated or delayed.

Besides the random shares, storms are steered per seller: the next N calls of one operation answered 429 or 500, so
a test sees exactly when a storm starts and ends while other sellers of the same sandbox are untouched.
"""

import random
import threading
from dataclasses import dataclass
from enum import StrEnum

from local.sandbox.config import FaultConfig


class Fault(StrEnum):
    """What to do to one SP-API call instead of (or before) answering it normally."""

    THROTTLE = "throttle"
    ERROR = "error"
    DROP = "drop"
    SLOW = "slow"


@dataclass(frozen=True)
class DeliveryPlan:
    """How one notification is delivered: how many copies and how late (sandbox seconds)."""

    copies: int
    delay: float


class FaultInjector:
    """Draws faults from its own seeded RNG, so the world's IDs don't shift when fault shares change."""

    def __init__(self, config: FaultConfig, seed: int) -> None:
        self._lock = threading.Lock()
        self.config = config
        self._rng = random.Random(f"faults-{seed}")

    @property
    def config(self) -> FaultConfig:
        """The fault settings; setting them starts their storms afresh."""
        return self._config

    @config.setter
    def config(self, config: FaultConfig) -> None:
        with self._lock:
            self._config = config
            self._storm_calls = [storm.calls for storm in config.storms]

    def storms_left(self) -> list[int]:
        """Calls left in each storm of the settings, in their order (0: over)."""
        with self._lock:
            return list(self._storm_calls)

    def storm(self, seller_id: str | None, operation: str) -> Fault | None:
        """THROTTLE or ERROR while a storm on this seller's `operation` has calls left (each call spends one)."""
        with self._lock:
            for index, storm in enumerate(self._config.storms):
                if storm.seller_id == seller_id and storm.operation == operation and self._storm_calls[index] > 0:
                    self._storm_calls[index] -= 1
                    return Fault.THROTTLE if storm.status == 429 else Fault.ERROR
        return None

    def request_fault(self) -> Fault | None:
        """One draw per SP-API call; the shares are disjoint slices of [0, 1), checked in a fixed order."""
        with self._lock:
            draw = self._rng.random()
        threshold = 0.0
        for fault, share in (
            (Fault.THROTTLE, self.config.throttle_share),
            (Fault.ERROR, self.config.error_share),
            (Fault.DROP, self.config.drop_share),
            (Fault.SLOW, self.config.slow_share),
        ):
            threshold += share
            if draw < threshold:
                return fault
        return None

    def records_shipment(self, seller_id: str, order_id: str) -> bool:
        """False when a confirmShipment for this seller or order is to be answered 204 without recording it."""
        config = self.config
        return seller_id not in config.unrecorded_shipment_sellers and order_id not in config.unrecorded_shipment_orders

    def delivery_plan(self) -> DeliveryPlan:
        """Copies and delay for one notification."""
        with self._lock:
            duplicate = self._rng.random() < self.config.duplicate_notification_share
            late = self._rng.random() < self.config.late_notification_share
        return DeliveryPlan(2 if duplicate else 1, self.config.late_notification_seconds if late else 0.0)
