"""The local stand-in for Lambda's SQS event source mappings: receive, invoke, delete what succeeded."""

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from local.specs import EventSourceSpec
from local.workers import InvocationResult

log = logging.getLogger(__name__)
Invoke = Callable[[str, Any], InvocationResult]


def sqs_event(messages: list[dict[str, Any]], spec: EventSourceSpec, region: str) -> dict[str, Any]:
    """The event Lambda passes for a batch of SQS messages (same keys as the real one)."""
    records = []
    for msg in messages:
        attrs = msg.get("Attributes", {})
        records.append(
            {
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
        )
    return {"Records": records}


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
        self, spec: EventSourceSpec, sqs: Any, invoke: Invoke, region: str, retry_visibility_seconds: int | None = None
    ) -> None:
        super().__init__(daemon=True, name=f"esm:{spec.function}")
        self.spec, self.sqs, self.invoke, self.region = spec, sqs, invoke, region
        # None keeps the queue's visibility timeout (as in the cloud); tests shorten it to see retries and DLQs.
        self.retry_visibility_seconds = retry_visibility_seconds
        self.stopped = threading.Event()
        self.invocations = 0

    def poll_once(self, wait_seconds: int = 1) -> int:
        """Receives one batch and processes it; returns how many messages it received."""
        batch = self.sqs.receive_message(
            QueueUrl=self.spec.queue_url,
            MaxNumberOfMessages=min(self.spec.batch_size, 10),
            WaitTimeSeconds=wait_seconds,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
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
