"""Lambda: LWA client secret rotation (docs/operations.md, "Client secret rotation").

Thin: wiring only. Invoked by its daily schedule (`{"action": "check"}`), on demand (`{"action": "rotate"}` rotates
whatever the secret's age: `sellersync secret rotate`) and by its queue, where Amazon delivers
APPLICATION_OAUTH_CLIENT_NEW_SECRET and APPLICATION_OAUTH_CLIENT_SECRET_EXPIRY. A message that can never be processed
is logged with its reason (never its body: it holds a secret), counted as a failed rotation and left to the queue's
redrive into the DLQ.
"""

from functools import cache
from typing import Any

import requests
from aws_lambda_powertools import Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared import aws
from shared.clock import utc_now
from shared.credentials.metrics import CredentialMetric
from shared.credentials.new_secret import (
    CredentialDeps,
    UnprocessableCredentialNotificationError,
    handle_credential_notification,
)
from shared.credentials.rotation import RotationDeps, check_rotation
from shared.runtime.logs import function_logger
from shared.runtime.secret_rotation import RotationTarget, rotation_deps
from shared.settings import SecretRotationSettings, load_settings

logger = function_logger()
metrics = Metrics()
tracer = Tracer()


@cache
def _deps() -> tuple[RotationDeps, CredentialDeps]:
    settings = load_settings(SecretRotationSettings)
    metrics.namespace = settings.metrics_namespace
    target = RotationTarget(
        lwa_secret_arn=settings.lwa_secret_arn,
        connections_table=settings.connections_table,
        spapi_endpoint_url=settings.spapi_endpoint_url,
        lwa_token_url=settings.lwa_token_url,
        rotate_after_days=settings.rotate_after_days,
        audit_table=settings.audit_table,
    )
    return rotation_deps(target, aws.client("secretsmanager"), aws.client("dynamodb"), metrics, requests.Session())


def handle_records(records: list[dict[str, Any]], deps: CredentialDeps) -> dict[str, Any]:
    """An SQS batch: each message handled; the ids of those that failed reported (partial batch failure)."""
    failures = []
    for record in records:
        message_id = record.get("messageId", "")
        try:
            outcome = handle_credential_notification(record.get("body", ""), deps, utc_now())
        except UnprocessableCredentialNotificationError as exc:
            logger.error("rotation notification refused", extra={"message_id": message_id, "reason": str(exc)})
            deps.metrics.add_metric(name=CredentialMetric.SECRET_ROTATION_FAILURES, unit=MetricUnit.Count, value=1)
            failures.append({"itemIdentifier": message_id})
            continue
        logger.info("rotation notification handled", extra={"message_id": message_id, "outcome": outcome.value})
    return {"batchItemFailures": failures}


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """A queue batch, or a check (`action` check, the default) or forced rotation (`action` rotate)."""
    check, consumer = _deps()
    if "Records" in event:
        return handle_records(event["Records"], consumer)
    result = check_rotation(check, utc_now(), force=event.get("action") == "rotate")
    return {
        "outcome": result.outcome.value,
        "age_days": result.age_days,
        "next_rotation_at": result.next_rotation_at.isoformat(),
        "error": result.error,
    }
