"""A few changes patched at once: which ones of a patch-first message the fast lane hands to the feed lane instead.

Input sends a small set of changes (at most the settings' `patch_first_max_changes` per connection and batch) to the
fast lane alone: patched within seconds, with no feed document, no processing report to wait for and no feed-lane,
notification or results invocation. The fast lane hands to the feed lane:
- every positive quantity while a feed of the connection and marketplace is in flight (SUBMITTED): Amazon keeps what
  it processes last, so the newer value follows the older feed in the feed lane instead of overtaking it (a zero is
  patched all the same, as every stock-out is: the stock-out watch repairs it should that feed carry an older
  positive quantity, shared/inventory/watch.py);
- every positive quantity while the seller's patchListingsItem bucket is busy (its next token more than
  PATCH_WAIT_SECONDS away): stock-outs keep the bucket, and a stream of changes ends up in feeds, not in a queue of
  patches;
- whatever Amazon left unanswered (429 or 5xx after the client's retries): the feed lane retries in its own way.
"""

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace
from functools import cache

from shared.inventory.answers import Outcome
from shared.models.inventory import Change

# Longer than this to the next patchListingsItem token (5 a second per seller): the positive changes go by feed.
PATCH_WAIT_SECONDS = 2.0


@dataclass(frozen=True)
class Handover:
    """What deciding and handing over needs (the runtime's; tests pass fakes)."""

    # connection -> the marketplaces with a feed of theirs SUBMITTED and not yet done
    feeds_in_flight: Callable[[str], Collection[str]]
    # connection -> seconds to its next patchListingsItem token
    patch_wait: Callable[[str], float]
    # (connection, marketplace, changes) -> queued on the feed lane
    send: Callable[[str, str, Sequence[Change]], None]

    def for_message(self) -> "Handover":
        """The same, looking the feeds in flight up once for a message's marketplaces (the patch bucket's wait is
        asked each time: the message's own patches take its tokens)."""
        return replace(self, feeds_in_flight=cache(self.feeds_in_flight))


def split(
    connection_id: str, marketplace_id: str, todo: Sequence[Change], handover: Handover
) -> tuple[list[Change], list[Change]]:
    """The changes to patch now, and those to hand to the feed lane (see the module doc)."""
    positive = [c for c in todo if c.values.quantity > 0]
    if not positive:
        return list(todo), []
    busy = marketplace_id in handover.feeds_in_flight(connection_id) or (
        handover.patch_wait(connection_id) > PATCH_WAIT_SECONDS
    )
    if not busy:
        return list(todo), []
    return [c for c in todo if c.values.quantity == 0], positive


def unanswered(sent: Sequence[Change], answered: Sequence[Outcome]) -> list[Change]:
    """The sent changes Amazon gave no answer to."""
    done = {(o.change.sku, o.change.rev) for o in answered}
    return [c for c in sent if (c.sku, c.rev) not in done]
