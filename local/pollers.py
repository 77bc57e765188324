"""The local stand-in for Lambda's SQS event source mappings: receive, invoke, delete what succeeded.

Without a batching window one ReceiveMessage (at most 10 messages) is the batch, as Lambda does. With one
(`MaximumBatchingWindowInSeconds`), receiving goes on until the batch size is reached (up to 10,000), the window has
passed since the first message arrived, or the next message would take the event past Lambda's 6 MB invocation
payload; that message goes back to the queue for the next batch.
"""

import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from local.specs import EventSourceSpec
from local.workers import InvocationResult

log = logging.getLogger(__name__)
Invoke = Callable[[str, Any], InvocationResult]
# SQS hands out at most 10 messages per ReceiveMessage.
MAX_RECEIVE = 10
# Lambda's payload limit for a synchronous invocation (an event source mapping invokes synchronously): 6 MB.
MAX_PAYLOAD_BYTES = 6 * 1024 * 1024
_ENVELOPE_BYTES = len(json.dumps({"Records": []}))


def sqs_event(messages: list[dict[str, Any]], spec: EventSourceSpec, region: str) -> dict[str, Any]:
    """The event Lambda passes for a batch of SQS messages (same keys as the real one)."""
    return {"Records": [sqs_record(msg, spec, region) for msg in messages]}


def sqs_record(msg: dict[str, Any], spec: EventSourceSpec, region: str) -> dict[str, Any]:
    """One record of the event Lambda passes for SQS messages."""
    attrs = msg.get("Attributes", {})
    return {
        "messageId": msg["MessageId"],
        "receiptHandle": msg["ReceiptHandle"],
        "body": msg["Body"],
        "attributes": {
            "ApproximateReceiveCount": attrs.get("ApproximateReceiveCount", "1"),
            "SentTimestamp": attrs.get("SentTimestamp", str(int(time.time() * 1000))),
            "SenderId": attrs.get("SenderId", "local"),
            "ApproximateFirstReceiveTimestamp": attrs.get("ApproximateFirstReceiveTimestamp", "0"),
            **({"MessageGroupId": attrs["MessageGroupId"]} if "MessageGroupId" in attrs else {}),
        },
        "messageAttributes": {
            k: {
                "stringValue": v.get("StringValue"),
                "binaryValue": v.get("BinaryValue"),
                "stringListValues": [],
                "binaryListValues": [],
                "dataType": v["DataType"],
            }
            for k, v in msg.get("MessageAttributes", {}).items()
        },
        "md5OfBody": msg.get("MD5OfBody") or hashlib.md5(msg["Body"].encode()).hexdigest(),  # noqa: S324
        "eventSource": "aws:sqs",
        "eventSourceARN": spec.queue_arn,
        "awsRegion": region,
    }


def failed_ids(result: InvocationResult, batch: list[dict[str, Any]], reports_failures: bool) -> set[str]:
    """Message ids to leave on the queue: all of them when the invocation failed, else the reported failures."""
    all_ids = {m["MessageId"] for m in batch}
    if not result.ok:
        return all_ids
    if not reports_failures or not isinstance(result.payload, dict):
        return set()
    failures = result.payload.get("batchItemFailures") or []
    ids = {str(f.get("itemIdentifier")) for f in failures if isinstance(f, dict)}
    # Lambda treats an unknown or empty identifier as a failure of the whole batch.
    return all_ids if not ids <= all_ids else ids


class QueuePoller(threading.Thread):
    """Polls one queue for one event source mapping until stopped."""

    def __init__(
        self,
        spec: EventSourceSpec,
        sqs: Any,
        invoke: Invoke,
        region: str,
        retry_visibility_seconds: int | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(daemon=True, name=f"esm:{spec.function}")
        self.spec, self.sqs, self.invoke, self.region = spec, sqs, invoke, region
        # None keeps the queue's visibility timeout (as in the cloud); tests shorten it to see retries and DLQs.
        self.retry_visibility_seconds = retry_visibility_seconds
        self.monotonic = monotonic
        self.stopped = threading.Event()
        self.invocations = 0

    def poll_once(self, wait_seconds: int = 1) -> int:
        """Receives one batch (within the batching window, if any) and processes it; returns its size.

        A poller stopped within a window gives the messages it holds back to the queue and invokes nothing.
        """
        batch = self._receive(min(self.spec.batch_size, MAX_RECEIVE), wait_seconds)
        if batch and self.spec.batching_window_seconds > 0:
            batch = self._fill(batch)
        if not batch:
            return 0
        self.invocations += 1
        result = self.invoke(self.spec.function, sqs_event(batch, self.spec, self.region))
        if not result.ok:
            log.warning("%s failed: %s", self.spec.function, result.error_message)
        keep = failed_ids(result, batch, self.spec.report_batch_item_failures)
        for msg in batch:
            if msg["MessageId"] not in keep:
                self.sqs.delete_message(QueueUrl=self.spec.queue_url, ReceiptHandle=msg["ReceiptHandle"])
            elif self.retry_visibility_seconds is not None:
                self.sqs.change_message_visibility(
                    QueueUrl=self.spec.queue_url,
                    ReceiptHandle=msg["ReceiptHandle"],
                    VisibilityTimeout=self.retry_visibility_seconds,
                )
        return len(batch)

    def _receive(self, count: int, wait_seconds: int) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = self.sqs.receive_message(
            QueueUrl=self.spec.queue_url,
            MaxNumberOfMessages=count,
            WaitTimeSeconds=wait_seconds,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        return messages

    def _fill(self, received: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Receives on until the batch is full, the window has passed or the payload limit is near."""
        deadline = self.monotonic() + self.spec.batching_window_seconds
        batch: list[dict[str, Any]] = []
        size = _ENVELOPE_BYTES
        while True:
            for index, msg in enumerate(received):
                # The record and its separator in the event's JSON.
                grown = size + len(json.dumps(sqs_record(msg, self.spec, self.region)).encode()) + 2
                if batch and grown > MAX_PAYLOAD_BYTES:
                    self._release(received[index:])
                    return batch
                batch.append(msg)
                size = grown
            wanted = self.spec.batch_size - len(batch)
            if wanted <= 0 or self.monotonic() >= deadline:
                return batch
            if self.stopped.is_set():
                self._release(batch)
                return []
            # Long polls of a second: the window is checked at least once a second (it may run over by up to one).
            received = self._receive(min(wanted, MAX_RECEIVE), 1)

    def _release(self, messages: list[dict[str, Any]]) -> None:
        """Makes received messages visible again at once, for the next batch."""
        for msg in messages:
            self.sqs.change_message_visibility(
                QueueUrl=self.spec.queue_url, ReceiptHandle=msg["ReceiptHandle"], VisibilityTimeout=0
            )

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                self.poll_once()
            except Exception:  # keep polling, as Lambda's poller does; the error is logged
                log.exception("poller for %s", self.spec.function)
                self.stopped.wait(1)

    def stop(self) -> None:
        """Asks the poller to stop after its current receive."""
        self.stopped.set()
