"""Lambda: the OAuth endpoints (`GET /connect`, `GET /oauth/login`, `GET /oauth/callback`) behind the HTTP API.

Thin: wiring, logs and metrics here; the workflow is shared/oauth (flow.py for the steps, http.py for requests).
"""

from collections.abc import Mapping
from functools import cache
from typing import Any

from aws_lambda_powertools import Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit, single_metric
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared import aws
from shared.bus import EventBusPublisher
from shared.oauth.flow import Connected
from shared.oauth.http import handle_request
from shared.oauth.metrics import OUTCOME_DIMENSION, OAuthMetric
from shared.oauth.outcomes import OUTCOMES, Outcome
from shared.runtime.logs import function_logger
from shared.runtime.oauth import build_deps, connection_event, http_context, oauth_config
from shared.settings import OAuthSettings, load_settings

# Names only: Powertools reads the service and namespace from the environment when the objects are used.
logger = function_logger()
metrics = Metrics()
tracer = Tracer()


@cache
def _settings() -> OAuthSettings:
    return load_settings(OAuthSettings)


@cache
def _deps() -> Any:
    return build_deps(_settings())


def _events() -> Any:
    return aws.client("events")


@cache
def _publisher() -> EventBusPublisher:
    """The bus adapter every capability publishes through (failed entries re-sent with backoff)."""
    return EventBusPublisher(_events())


def _record(outcome: Outcome, status: int, context: Mapping[str, str], error: BaseException | None = None) -> None:
    fields = {"outcome": outcome.value, "status": status, **context}
    info = OUTCOMES.get(outcome)
    if error is not None:
        logger.exception("OAuth request failed unexpectedly", extra=fields)
    elif info is not None and info.ours:
        logger.error("OAuth request failed on our side", extra=fields)
    elif status >= 400:
        logger.warning("OAuth request refused", extra=fields)
    else:
        logger.info("OAuth request handled", extra=fields)
    with single_metric(
        name=OAuthMetric.CONNECT_OUTCOMES, unit=MetricUnit.Count, value=1, namespace=_settings().metrics_namespace
    ) as metric:
        metric.add_dimension(name=OUTCOME_DIMENSION, value=outcome.value)
    if status >= 500:
        metrics.add_metric(name=OAuthMetric.CONNECT_SERVER_ERRORS, unit=MetricUnit.Count, value=1)
    if outcome in (Outcome.CONNECTED, Outcome.REAUTHORIZED):
        metrics.add_metric(name=OAuthMetric.CONNECTIONS_AUTHORIZED, unit=MetricUnit.Count, value=1)


def _publish(connected: Connected) -> None:
    """Announces the connection on the bus; a failure is logged and counted, the seller still sees success."""
    try:
        _publisher().publish([connection_event(connected, _settings().event_bus_name)])
    except Exception:  # noqa: BLE001  (the connection is stored; the event is a notice)
        logger.exception("could not publish ConnectionAuthorized", extra={"invite_id": connected.invite_id})
        metrics.add_metric(name=OAuthMetric.CONNECTION_EVENT_FAILURES, unit=MetricUnit.Count, value=1)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
# The responses carry the state nonce (Location, Set-Cookie): never record them in X-Ray.
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """API Gateway HTTP API (payload 2.0) event in, redirect or HTML page out."""
    settings = _settings()
    logger.append_keys(route=str(event.get("rawPath", ""))[:100])
    return handle_request(
        event, oauth_config(settings), _deps, http_context(settings), _record, _publish, context=context
    )
