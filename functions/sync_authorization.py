"""Lambda: the `authorization` sync (hourly LWA refresh of every ACTIVE connection; README, "Syncs").

Thin: wiring only. Settings, AWS clients and the LWA client are built on first use and cached for warm starts; the
LWA app secret is read only when a job needs it, so a dispatch works even before the secret is filled in.
"""

from functools import cache
from typing import Any

import requests
from aws_lambda_powertools import Metrics, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import SecretStr

from shared import aws
from shared.repositories.connections import ConnectionsRepository
from shared.repositories.encryption import KmsEncryptor
from shared.repositories.sync_status import SyncStatusRepository
from shared.runtime.function_settings import settings_with_metrics
from shared.runtime.logs import function_logger
from shared.runtime.reauthorization import build_announcer
from shared.secrets import load_lwa_app
from shared.settings import AuthorizationSyncSettings
from shared.spapi.lwa import AccessToken, LwaClient, LwaCredentials
from shared.sync import SqsJobQueue, SyncDependencies, handle_event
from shared.sync.authorization import authorization_sync

# Names only: Powertools reads the environment when the objects are used. `service=""` keeps Powertools from adding
# its `service` dimension: the sync metrics carry `sync_type` alone (infra/constructs/observability.py).
logger = function_logger()
metrics = Metrics(service="")
tracer = Tracer()


@cache
def _settings() -> AuthorizationSyncSettings:
    return settings_with_metrics(AuthorizationSyncSettings, metrics)


@cache
def _lwa_client() -> LwaClient:
    settings = _settings()

    def credentials() -> LwaCredentials:
        return load_lwa_app(aws.client("secretsmanager"), settings.lwa_secret_arn).credentials

    # `reload`: after a client secret rotation, a warm container whose secret LWA refuses reads the new one.
    return LwaClient(credentials(), requests.Session(), settings.lwa_token_url, reload=credentials)


def _refresh(refresh_token: SecretStr) -> AccessToken:
    return _lwa_client().refresh_access_token(refresh_token)


@cache
def _dependencies() -> SyncDependencies:
    settings = _settings()
    dynamodb = aws.client("dynamodb")
    encryptor = KmsEncryptor(settings.kms_key_arn, aws.client("kms"))
    connections = ConnectionsRepository(settings.connections_table, dynamodb, encryptor)
    definition = authorization_sync(
        connections=connections,
        tokens=connections,
        refresh=_refresh,
        metrics=metrics,
        announce=build_announcer(settings),
    )
    return SyncDependencies(
        definition=definition,
        connections=connections,
        statuses=SyncStatusRepository(settings.connections_table, dynamodb),
        queue=SqsJobQueue(aws.client("sqs"), settings.sync_queue_url, settings.sync_dlq_url),
        metrics=metrics,
        logger=logger,
    )


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Scheduler dispatch, on-demand run or SQS batch of `authorization` jobs (shared/sync/events.py)."""
    return handle_event(event, _dependencies(), context.get_remaining_time_in_millis)
