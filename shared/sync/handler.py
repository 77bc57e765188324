"""The generic sync handler: routes the three events (shared/sync/events.py) to dispatch, an on-demand run or the
SQS batch, with Powertools' BatchProcessor reporting partial batch failures.

Per SQS record: a body that is no SyncJob, a job of another sync type or one naming no connection can never succeed,
so it is sent to the DLQ with a `reason` attribute and acknowledged (not retried); an exception that may pass (LWA or
AWS unavailable, a bug) reports the record in `batchItemFailures`, so it returns to the queue and, after
MAX_RECEIVE_COUNT receives, lands in the DLQ. Re-running a job is harmless: a sync is idempotent and the status
repository never lets an older run overwrite a newer outcome.
"""

from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from pydantic import ValidationError

from shared.models.sync import SyncJob, SyncState
from shared.sync.dependencies import SyncDependencies, UnprocessableJobError, connection_log_keys
from shared.sync.dispatch import dispatch
from shared.sync.events import DispatchEvent, InvalidEventError, RunEvent, SyncResult, describe, parse_event
from shared.sync.jobs import error_text, run_job


def handle_event(
    event: Mapping[str, Any], deps: SyncDependencies, remaining_time_ms: Callable[[], int] | None = None
) -> dict[str, Any]:
    """Handles one invocation; raises InvalidEventError for an event it does not understand."""
    parsed = parse_event(event)
    name = deps.definition.name
    deps.logger.append_keys(sync_type=name)
    if isinstance(parsed, DispatchEvent | RunEvent) and parsed.sync_type != name:
        raise InvalidEventError(f"a {parsed.action!r} event for sync type {parsed.sync_type!r} reached {name!r}")
    if isinstance(parsed, DispatchEvent):
        return dispatch(deps).as_response()
    if isinstance(parsed, RunEvent):
        return run_on_demand(parsed, deps, remaining_time_ms).as_response()
    return process_batch(event, deps, remaining_time_ms)


def run_on_demand(
    event: RunEvent, deps: SyncDependencies, remaining_time_ms: Callable[[], int] | None = None
) -> SyncResult:
    """Runs one connection's job now and answers its outcome (an error becomes an ERROR result, never a retry)."""
    job = SyncJob(
        sync_type=event.sync_type, connection_id=event.connection_id, requested_at=deps.clock(), trigger="on_demand"
    )
    with connection_log_keys(deps.logger, job.connection_id):
        try:
            return run_job(job, deps, remaining_time_ms)
        except Exception as exc:  # already recorded and logged by run_job, or unprocessable
            error = str(exc) if isinstance(exc, UnprocessableJobError) else error_text(exc)
            return SyncResult(
                connection_id=job.connection_id, sync_type=job.sync_type, state=SyncState.ERROR, error=error
            )


def process_batch(
    event: Mapping[str, Any], deps: SyncDependencies, remaining_time_ms: Callable[[], int] | None = None
) -> dict[str, Any]:
    """Processes an SQS batch; answers `{"batchItemFailures": [...]}` for the records to retry."""
    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    handler = partial(_process_record, deps=deps, remaining_time_ms=remaining_time_ms)
    return dict(process_partial_response(event=dict(event), record_handler=handler, processor=processor))


def _process_record(record: SQSRecord, deps: SyncDependencies, remaining_time_ms: Callable[[], int] | None) -> None:
    try:
        job = SyncJob.model_validate_json(record.body)
    except ValidationError as exc:
        _dead_letter(record, deps, f"malformed job: {describe(exc)}")
        return
    with connection_log_keys(deps.logger, job.connection_id):
        try:
            run_job(job, deps, remaining_time_ms)
        except UnprocessableJobError as exc:
            _dead_letter(record, deps, str(exc))


def _dead_letter(record: SQSRecord, deps: SyncDependencies, reason: str) -> None:
    """Moves a job that can never succeed to the DLQ with its reason; it is then acknowledged, not retried."""
    deps.queue.send_to_dlq(record.body, reason, record.message_id)
    deps.logger.error("job sent to the DLQ", extra={"reason": reason, "message_id": record.message_id})
