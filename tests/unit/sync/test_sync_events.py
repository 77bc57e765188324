"""The three sync events and the job body: what is accepted, and that anything else is refused with a clear error."""

from typing import Any

import pytest

from shared.models.sync import SyncJob
from shared.sync.events import DispatchEvent, InvalidEventError, RunEvent, SqsEvent, parse_event
from tests.unit.sync.fakes import T0, sqs_event


def test_the_scheduler_payload_is_a_dispatch() -> None:
    assert parse_event({"sync_type": "authorization", "action": "dispatch"}) == DispatchEvent(
        sync_type="authorization", action="dispatch"
    )


def test_an_on_demand_run_names_its_connection() -> None:
    parsed = parse_event({"sync_type": "authorization", "action": "run", "connection_id": "eu-a1b2c3"})
    assert isinstance(parsed, RunEvent) and parsed.connection_id == "eu-a1b2c3"


def test_an_sqs_event_keeps_each_body_unparsed() -> None:
    parsed = parse_event(sqs_event("not json", "{}"))
    assert isinstance(parsed, SqsEvent)
    assert [(r.messageId, r.body) for r in parsed.Records] == [("m0", "not json"), ("m1", "{}")]


@pytest.mark.parametrize(
    ("event", "names"),
    [
        ({}, "discriminator 'action'"),
        ({"sync_type": "authorization", "action": "sync"}, "'dispatch', 'run'"),
        ({"sync_type": "authorization", "action": "run"}, "run.connection_id: Field required"),
        ({"sync_type": "authorization", "action": "run", "connection_id": "EU-A1"}, "run.connection_id"),
        ({"sync_type": "Authorization", "action": "dispatch"}, "dispatch.sync_type"),
        ({"sync_type": "authorization", "action": "dispatch", "connection_id": "eu-a1"}, "Extra inputs"),
        ({"Records": []}, "Records"),
        ({"Records": [{"messageId": "m0", "body": "{}", "eventSource": "aws:kinesis"}]}, "eventSource"),
        (["dispatch"], "must be a JSON object, got list"),
    ],
)
def test_a_malformed_event_is_refused_naming_the_problem(event: Any, names: str) -> None:
    with pytest.raises(InvalidEventError, match="expected") as raised:
        parse_event(event)
    assert names in str(raised.value)


def test_a_job_round_trips_through_its_json_body() -> None:
    job = SyncJob(sync_type="authorization", connection_id="na-a9", requested_at=T0, trigger="on_demand")
    assert SyncJob.model_validate_json(job.model_dump_json()) == job


@pytest.mark.parametrize(
    "body",
    [
        {"sync_type": "authorization", "connection_id": "na-a9"},
        {"sync_type": "authorization", "connection_id": "na-a9", "requested_at": "2026-03-01T12:00:00"},
        {"sync_type": "authorization", "connection_id": "na-a9", "requested_at": T0.isoformat(), "trigger": "x"},
    ],
)
def test_a_job_needs_an_aware_request_time_and_a_known_trigger(body: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="requested_at|trigger"):
        SyncJob.model_validate(body)
