"""Re-sending the entries of a batch call that the service reports as failed (SQS SendMessageBatch, PutEvents)."""

import time
from collections.abc import Callable
from dataclasses import dataclass, field

# One attempt: sends the entries, returns those the service failed on its side and their error codes.
type Attempt[E] = Callable[[list[E]], tuple[list[E], set[str]]]


@dataclass(frozen=True)
class BatchRetry:
    """Up to `max_attempts` sends, waiting `base_delay * 2**(n-1)` seconds after failed attempt n."""

    max_attempts: int = 4
    base_delay: float = 0.2
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)

    def send[E](self, entries: list[E], attempt: Attempt[E]) -> tuple[list[E], set[str]]:
        """Sends, then re-sends what failed; returns what still failed after the last attempt, with its codes."""
        pending, codes = entries, set[str]()
        for number in range(1, self.max_attempts + 1):
            pending, codes = attempt(pending)
            if not pending:
                return [], set()
            if number < self.max_attempts:
                self.sleep(self.base_delay * 2 ** (number - 1))
        return pending, codes
