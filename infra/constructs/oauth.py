"""The OAuth endpoints: one function behind three public routes of the HTTP API, and its alarm.

Routes: `GET /connect` (a connect link: records a state, sends the seller to Seller Central), `GET /oauth/login`
(Amazon's Log-in URI hop) and `GET /oauth/callback` (the registered Redirect URI: exchanges the code, stores the
connection). The Redirect URI defaults to `<API endpoint>/oauth/callback`; a custom domain sets it with the
`sellersync:redirectUri` context key, and `sellersync:draftApp` (default true) adds `version=beta` while the app is a
Draft in Seller Central.
"""

from dataclasses import replace

from aws_cdk import Duration
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from constructs import Construct

from infra import nag
from infra.config import METRICS_NAMESPACE, Table
from infra.constructs.alarms import Row
from infra.constructs.functions import build_function
from infra.constructs.resources import StackResources
from infra.spec import FunctionSpec, Tokens
from shared.env import Env
from shared.oauth.metrics import SERVICE_DIMENSION, OAuthMetric
from shared.settings import OAuthSettings

ROUTES = ("/connect", "/oauth/login", "/oauth/callback")
CALLBACK_PATH = "/oauth/callback"
REDIRECT_URI_CONTEXT_KEY = "sellersync:redirectUri"
DRAFT_APP_CONTEXT_KEY = "sellersync:draftApp"
# Exactly what the flow calls: it looks up (GetItem) and stores (a transaction of Puts, or an UpdateItem when the
# seller re-authorizes) one connection, and records, reads, binds and consumes states and invites. It never lists
# connections (no Query, no Scan).
TABLE_ACTIONS: dict[Table, tuple[str, ...]] = {
    Table.CONNECTIONS: ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"),
    Table.OAUTH_STATES: ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"),
}
# Reserved concurrency: a public endpoint with no authorizer; a flood of requests takes at most this many instances
# (and LWA/SP-API calls at once) instead of the account's concurrency. A connect is 3 requests of about a second each;
# ten at once serve hundreds of sellers connecting per minute, far above what a deployment sees.
RESERVED_CONCURRENCY = 10
# Exchanging the code and reading the marketplaces takes two Amazon calls with retries: well under 30 s.
TIMEOUT_SECONDS = 29
# The redirect URI and the API URL are the stack's own (`environment`, set when the API exists). Its alarm is on our
# own failures (below), not on the function's errors: a seller's bad request is no error of ours.
FUNCTION = FunctionSpec(
    name="oauth",
    handler="functions.oauth.lambda_handler",
    description="OAuth endpoints: connect links, Log-in URI and Redirect URI",
    settings=OAuthSettings,
    timeout_seconds=TIMEOUT_SECONDS,
    memory_mb=512,
    tables=TABLE_ACTIONS,
    # The code exchange needs the app's client id and secret.
    reads_lwa_secret=True,
    reads_invite_key=True,
    puts_events=True,
    # It encrypts the refresh token it receives and never decrypts a stored one.
    tokens=Tokens.ENCRYPT,
    reserved_concurrency=RESERVED_CONCURRENCY,
    alarms=False,
)
# The OAuth function's service name: the value of the `service` dimension of its metrics (shared/oauth/metrics.py).
OAUTH_SERVICE = FUNCTION.service


class OAuthEndpoints(Construct):
    """The OAuth function, its grants and routes, and an alarm on failures that are ours (not the seller's)."""

    def __init__(
        self, scope: Construct, construct_id: str, *, http_api: apigwv2.HttpApi, resources: StackResources
    ) -> None:
        super().__init__(scope, construct_id)
        redirect_uri = self.node.try_get_context(REDIRECT_URI_CONTEXT_KEY) or f"{http_api.api_endpoint}{CALLBACK_PATH}"
        draft = self.node.try_get_context(DRAFT_APP_CONTEXT_KEY)
        environment: dict[str, str] = {
            Env.API_URL: http_api.api_endpoint,
            Env.OAUTH_REDIRECT_URI: str(redirect_uri),
            Env.OAUTH_DRAFT_APP: "false" if str(draft).lower() == "false" else "true",
        }
        built = build_function(self, replace(FUNCTION, environment=environment), resources)
        self.function = built.function
        integration = integrations.HttpLambdaIntegration("Integration", self.function)
        for path in ROUTES:
            for route in http_api.add_routes(path=path, methods=[apigwv2.HttpMethod.GET], integration=integration):
                nag.acknowledge(route, "AwsSolutions-APIG4", nag.PUBLIC_OAUTH_ROUTE)
        self.alarm = cloudwatch.Alarm(
            self,
            "ServerErrorsAlarm",
            metric=cloudwatch.Metric(
                namespace=METRICS_NAMESPACE,
                metric_name=OAuthMetric.CONNECT_SERVER_ERRORS,
                dimensions_map={SERVICE_DIMENSION: OAUTH_SERVICE},
                statistic="Sum",
                period=Duration.minutes(5),
            ),
            threshold=0,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluation_periods=1,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_description=(
                "A seller could not connect because of our side: LWA app credentials rejected, Amazon or AWS "
                "failing. See the OAuth function's logs."
            ),
        )
        self.alarm.add_alarm_action(actions.SnsAction(resources.alarm_topic))
        self.alarms: list[cloudwatch.Alarm] = [self.alarm]
        # Its requests show in the dashboard's HTTP API widget.
        self.widget_rows: list[Row] = []
