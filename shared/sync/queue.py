"""A sync type's work queue and its dead-letter queue, over SQS.

Jobs go out with SendMessageBatch, ten to a call (SQS's limit). Entries SQS reports as failed on its side are sent
again with backoff; an entry refused as the sender's fault (e.g. too large) cannot succeed and fails the dispatch at
once. A job that can never succeed goes to the DLQ with a `reason` message attribute, so the operator sees why
without digging through logs, and the DLQ alarm fires.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from itertools import batched
from typing import TYPE_CHECKING, Protocol

from shared.batches import BatchRetry
from shared.models.sync import SyncJob

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import SendMessageBatchRequestEntryTypeDef

SQS_BATCH_LIMIT = 10
# SQS message attribute values may be up to the message size; a reason is read by people, keep it short.
MAX_REASON_CHARS = 1000
# Receives before SQS moves a message to its DLQ (infra/config.py's MAX_RECEIVE_COUNT, checked equal by a test): a
# handler that dead-letters a message itself on its last receive gives it a reason SQS's redrive would not.
MAX_RECEIVE_COUNT = 5
# SQS delays a message by at most 15 minutes.
MAX_DELAY_SECONDS = 900


class JobQueueError(RuntimeError):
    """Jobs could not be enqueued; the dispatch fails and the scheduler retries it (re-sent jobs are harmless)."""


class JobQueue(Protocol):
    """Where jobs go: the sync type's work queue, and its DLQ for jobs that can never succeed."""

    def send_jobs(self, jobs: Sequence[SyncJob]) -> int:
        """Enqueues every job; returns how many. Raises JobQueueError if some could not be enqueued."""
        ...

    def send_to_dlq(self, body: str, reason: str, message_id: str) -> None:
        """Puts a received message's body on the DLQ with the reason it can never succeed."""
        ...


class SqsJobQueue:
    """JobQueue over SQS (see the module doc for the retry rules)."""

    def __init__(
        self,
        sqs_client: SQSClient,
        queue_url: str,
        dlq_url: str,
        *,
        max_attempts: int = 4,
        base_delay: float = 0.2,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._sqs = sqs_client
        self._queue_url = queue_url
        self._dlq_url = dlq_url
        self._retry = BatchRetry(max_attempts, base_delay, sleep)

    def send_jobs(self, jobs: Sequence[SyncJob]) -> int:
        """Sends the jobs in batches of ten, re-sending the entries SQS failed on its side."""
        for chunk in batched(jobs, SQS_BATCH_LIMIT, strict=False):
            self._send_batch([(str(index), job.model_dump_json()) for index, job in enumerate(chunk)])
        return len(jobs)

    def _send_batch(self, entries: list[tuple[str, str]]) -> None:
        failed, codes = self._retry.send(entries, self._attempt)
        if failed:
            raise JobQueueError(
                f"{len(failed)} job(s) not enqueued after {self._retry.max_attempts} attempts: "
                f"{', '.join(sorted(codes)) or 'no code'}"
            )

    def _attempt(self, pending: list[tuple[str, str]]) -> tuple[list[tuple[str, str]], set[str]]:
        """One SendMessageBatch of (id, body) entries; an entry refused as our fault can never succeed."""
        entries: list[SendMessageBatchRequestEntryTypeDef] = [{"Id": i, "MessageBody": body} for i, body in pending]
        failed = self._sqs.send_message_batch(QueueUrl=self._queue_url, Entries=entries).get("Failed", [])
        refused = [f for f in failed if f.get("SenderFault")]
        if refused:
            raise JobQueueError(f"SQS refused {len(refused)} job(s): {_codes(refused)}")
        failed_ids = {f["Id"] for f in failed}
        return [entry for entry in pending if entry[0] in failed_ids], {str(f.get("Code", "?")) for f in failed}

    def send_to_dlq(self, body: str, reason: str, message_id: str) -> None:
        """Sends the body unchanged, with `reason` and the original `message_id` as message attributes."""
        send_to_dlq(self._sqs, self._dlq_url, body, reason, message_id)

    def send_later(self, job: SyncJob, delay_seconds: float) -> None:
        """Enqueues one job, invisible for `delay_seconds` (SQS allows up to 900)."""
        delay = max(0, min(MAX_DELAY_SECONDS, round(delay_seconds)))
        self._sqs.send_message(QueueUrl=self._queue_url, MessageBody=job.model_dump_json(), DelaySeconds=delay)


def send_to_dlq(sqs_client: SQSClient, dlq_url: str, body: str, reason: str, message_id: str) -> None:
    """Puts a message that can never succeed on a DLQ, unchanged, with its reason and original id as attributes."""
    sqs_client.send_message(
        QueueUrl=dlq_url,
        MessageBody=body,
        MessageAttributes={
            "reason": {"DataType": "String", "StringValue": reason[:MAX_REASON_CHARS] or "unknown"},
            "original_message_id": {"DataType": "String", "StringValue": message_id},
        },
    )


def _codes(failed: Sequence[Mapping[str, object]]) -> str:
    codes = sorted({str(f.get("Code", "?")) for f in failed})
    return ", ".join(codes) or "no code"
