"""The metrics the OAuth function emits (functions/oauth.py) and its alarm reads (infra/constructs/oauth.py).

Every one carries Powertools' `service` dimension (the function's POWERTOOLS_SERVICE_NAME); ConnectOutcomes also
carries `outcome` (an `Outcome` value), counted per request.
"""

from enum import StrEnum

from shared.metrics import MetricKey, declare

SERVICE_DIMENSION = "service"
OUTCOME_DIMENSION = "outcome"


class OAuthMetric(StrEnum):
    """Metric names of the OAuth endpoints."""

    # Every request, by outcome.
    CONNECT_OUTCOMES = "ConnectOutcomes"
    # Requests that failed on our side (HTTP 5xx): the alarm's metric.
    CONNECT_SERVER_ERRORS = "ConnectServerErrors"
    # Connections stored (new or re-authorized).
    CONNECTIONS_AUTHORIZED = "ConnectionsAuthorized"
    # ConnectionAuthorized events that could not be put on the bus.
    CONNECTION_EVENT_FAILURES = "ConnectionEventFailures"


DECLARED: dict[str, MetricKey] = {
    **declare([OAuthMetric.CONNECT_OUTCOMES], SERVICE_DIMENSION, OUTCOME_DIMENSION),
    **declare(
        [OAuthMetric.CONNECT_SERVER_ERRORS, OAuthMetric.CONNECTIONS_AUTHORIZED, OAuthMetric.CONNECTION_EVENT_FAILURES],
        SERVICE_DIMENSION,
    ),
}
