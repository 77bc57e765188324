"""The sandbox's mutable world behind one re-entrant lock, plus seeded ID generation and the event schedule."""

import heapq
import itertools
import random
import string
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from local.sandbox.config import FaultConfig
from local.sandbox.entities import Order, Seller
from local.sandbox.records import (
    AccessToken,
    Acknowledgement,
    AuthCode,
    Authorization,
    ClientSecrets,
    Delivery,
    Destination,
    Document,
    Feed,
    Report,
    Subscription,
)

# Order-ID prefixes as seen per region (3-7-7 digits); only the shape matters to clients.
ORDER_PREFIXES = {"NA": ("111", "112", "113", "114"), "EU": ("202", "203", "204", "205"), "FE": ("249", "250")}


class Ids:
    """Seeded identifiers, so one seed and one sequence of calls give the same IDs."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._counter = itertools.count(1)

    def digits(self, n: int) -> str:
        """n random digits."""
        return "".join(self._rng.choice(string.digits) for _ in range(n))

    def upper(self, n: int) -> str:
        """n random upper-case letters and digits."""
        return "".join(self._rng.choice(string.ascii_uppercase + string.digits) for _ in range(n))

    def uuid(self) -> str:
        """A seeded version-4 UUID."""
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def order_id(self, region: str) -> str:
        """An AmazonOrderId (3-7-7 digits)."""
        return f"{self._rng.choice(ORDER_PREFIXES[region])}-{self.digits(7)}-{self.digits(7)}"

    def order_item_id(self) -> str:
        """An order item ID: 14 digits, as AmazonOrderItemCode."""
        return self.digits(14)

    def asin(self) -> str:
        """A fake ASIN."""
        return "B0" + self.upper(8)

    def numeric(self, base: int) -> str:
        """An increasing numeric ID (feed and report IDs are numeric strings)."""
        return str(base + next(self._counter) * 7 + self._rng.randint(0, 6))

    def document_id(self, region: str) -> str:
        """A document ID shaped like Amazon's (amzn1.tortuga...) but marked as the sandbox's."""
        return f"amzn1.tortuga.4.{region.lower()}.{self.uuid()}.SANDBOX"


@dataclass(order=True)
class _Event:
    due: float
    seq: int
    action: Callable[[float], None] = field(compare=False)


class Scheduler:
    """Events due at sandbox times; run in time order, each told its own due time."""

    def __init__(self) -> None:
        self._events: list[_Event] = []
        self._seq = itertools.count()

    def at(self, due: float, action: Callable[[float], None]) -> None:
        """Runs action(due) once sandbox time reaches due."""
        heapq.heappush(self._events, _Event(due, next(self._seq), action))

    def run_due(self, now: float) -> int:
        """Runs every event due by now, including ones scheduled meanwhile; returns how many ran."""
        ran = 0
        while self._events and self._events[0].due <= now:
            event = heapq.heappop(self._events)
            event.action(event.due)
            ran += 1
        return ran

    def __len__(self) -> int:
        return len(self._events)


@dataclass
class PageCursor:
    """Server-side state behind a searchOrders nextToken."""

    seller_id: str
    fingerprint: str
    after_key: tuple[float, str]
    before: float
    expires: float


@dataclass
class SandboxState:
    """All mutable data; callers hold `lock` while reading or changing it."""

    rng: random.Random
    ids: Ids
    faults: FaultConfig
    sellers: dict[str, Seller] = field(default_factory=dict)
    authorizations: dict[str, Authorization] = field(default_factory=dict)
    auth_codes: dict[str, AuthCode] = field(default_factory=dict)
    access_tokens: dict[str, AccessToken] = field(default_factory=dict)
    documents: dict[str, Document] = field(default_factory=dict)
    feeds: dict[str, Feed] = field(default_factory=dict)
    reports: dict[str, Report] = field(default_factory=dict)
    destinations: dict[str, Destination] = field(default_factory=dict)
    subscriptions: dict[str, Subscription] = field(default_factory=dict)
    deliveries: list[Delivery] = field(default_factory=list)
    acknowledgements: list[Acknowledgement] = field(default_factory=list)
    shipment_log: list[dict[str, Any]] = field(default_factory=list)
    page_cursors: dict[str, PageCursor] = field(default_factory=dict)
    consent_seller: str | None = None
    # None until a rotation or the console registration: the config's client secret alone (local/sandbox/rotation.py)
    client_secrets: ClientSecrets | None = None
    login_states: dict[str, dict[str, Any]] = field(default_factory=dict)
    scheduler: Scheduler = field(default_factory=Scheduler)
    lock: threading.RLock = field(default_factory=threading.RLock)

    def seller(self, selling_partner_id: str) -> Seller | None:
        """The seller with this ID, if any."""
        return self.sellers.get(selling_partner_id)

    def find_order(self, order_id: str) -> Order | None:
        """An order of any seller by its ID."""
        for seller in self.sellers.values():
            if order_id in seller.orders:
                return seller.orders[order_id]
        return None
