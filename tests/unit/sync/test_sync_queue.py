"""SqsJobQueue on a fake SQS client: batches of ten, re-sending what SQS failed, and the DLQ's reason attribute."""

from dataclasses import dataclass, field
from typing import Any

import pytest

from shared.models.sync import SyncJob
from shared.sync.queue import JobQueueError, SqsJobQueue
from tests.unit.sync.fakes import T0


@dataclass
class FakeSqs:
    """Records calls; `fail` lists, per call, the entry ids to report as failed (and whether as the sender's fault)."""

    fail: list[dict[str, bool]] = field(default_factory=list)
    batches: list[list[dict[str, str]]] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)

    def send_message_batch(self, QueueUrl: str, Entries: list[dict[str, str]]) -> dict[str, Any]:  # noqa: N803
        self.batches.append(Entries)
        failing = self.fail.pop(0) if self.fail else {}
        failed = [
            {"Id": e["Id"], "SenderFault": failing[e["Id"]], "Code": "Boom"} for e in Entries if e["Id"] in failing
        ]
        return {"Successful": [{"Id": e["Id"]} for e in Entries if e["Id"] not in failing], "Failed": failed}

    def send_message(self, **kwargs: Any) -> dict[str, Any]:
        self.messages.append(kwargs)
        return {"MessageId": "dlq-1"}


def jobs(count: int) -> list[SyncJob]:
    return [SyncJob(sync_type="authorization", connection_id=f"eu-a{n}", requested_at=T0) for n in range(count)]


def queue(sqs: FakeSqs, sleeps: list[float]) -> SqsJobQueue:
    return SqsJobQueue(sqs, "https://work", "https://dlq", max_attempts=3, sleep=sleeps.append)  # type: ignore[arg-type]


def test_jobs_go_out_ten_to_a_batch() -> None:
    sqs = FakeSqs()
    sleeps: list[float] = []

    assert queue(sqs, sleeps).send_jobs(jobs(23)) == 23

    assert [len(b) for b in sqs.batches] == [10, 10, 3]
    sent = [SyncJob.model_validate_json(e["MessageBody"]).connection_id for b in sqs.batches for e in b]
    assert sent == [f"eu-a{n}" for n in range(23)]
    assert sleeps == []


def test_no_jobs_no_call() -> None:
    sqs = FakeSqs()
    assert queue(sqs, []).send_jobs([]) == 0
    assert sqs.batches == []


def test_entries_sqs_failed_are_sent_again_alone_with_backoff() -> None:
    sqs = FakeSqs(fail=[{"1": False, "4": False}, {"4": False}])
    sleeps: list[float] = []

    queue(sqs, sleeps).send_jobs(jobs(5))

    assert [[e["Id"] for e in b] for b in sqs.batches] == [["0", "1", "2", "3", "4"], ["1", "4"], ["4"]]
    assert sqs.batches[2][0]["MessageBody"] == jobs(5)[4].model_dump_json()
    assert sleeps == [0.2, 0.4]


def test_entries_still_failing_after_the_attempts_fail_the_dispatch() -> None:
    sqs = FakeSqs(fail=[{"0": False}] * 3)

    with pytest.raises(JobQueueError, match="1 job\\(s\\) not enqueued after 3 attempts: Boom"):
        queue(sqs, []).send_jobs(jobs(2))
    assert len(sqs.batches) == 3


def test_an_entry_refused_as_the_senders_fault_is_not_retried() -> None:
    sqs = FakeSqs(fail=[{"0": True}])

    with pytest.raises(JobQueueError, match="SQS refused 1 job"):
        queue(sqs, []).send_jobs(jobs(2))
    assert len(sqs.batches) == 1


def test_a_dead_letter_keeps_the_body_and_carries_the_reason() -> None:
    sqs = FakeSqs()

    queue(sqs, []).send_to_dlq("not json", "malformed job: " + "x" * 2000, "m-7")

    (message,) = sqs.messages
    assert (message["QueueUrl"], message["MessageBody"]) == ("https://dlq", "not json")
    attributes = message["MessageAttributes"]
    assert attributes["reason"]["DataType"] == "String"
    assert attributes["reason"]["StringValue"].startswith("malformed job: ")
    assert len(attributes["reason"]["StringValue"]) == 1000
    assert attributes["original_message_id"] == {"DataType": "String", "StringValue": "m-7"}
