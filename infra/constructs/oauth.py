"""The OAuth endpoints: one function behind three public routes of the HTTP API, and its alarm.

Routes: `GET /connect` (a connect link: records a state, sends the seller to Seller Central), `GET /oauth/login`
(Amazon's Log-in URI hop) and `GET /oauth/callback` (the registered Redirect URI: exchanges the code, stores the
connection). The Redirect URI defaults to `<API endpoint>/oauth/callback`; a custom domain sets it with the
`sellersync:redirectUri` context key, and `sellersync:draftApp` (default true) adds `version=beta` while the app is a
Draft in Seller Central.
"""

from collections.abc import Mapping

from aws_cdk import Duration
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_kms as kms
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sns as sns
from constructs import Construct

from infra import nag
from infra.config import METRICS_NAMESPACE, SERVICE_NAME, Table
from infra.constructs.common import deny_token_decryption, grant_table
from infra.constructs.data import SPECS
from infra.constructs.functions import FunctionShape, Packaging, python_function
from infra.environment import function_environment
from shared.env import Env
from shared.oauth.metrics import SERVICE_DIMENSION, OAuthMetric
from shared.settings import OAuthSettings

HANDLER = "functions.oauth.lambda_handler"
ROUTES = ("/connect", "/oauth/login", "/oauth/callback")
CALLBACK_PATH = "/oauth/callback"
REDIRECT_URI_CONTEXT_KEY = "sellersync:redirectUri"
DRAFT_APP_CONTEXT_KEY = "sellersync:draftApp"
# The OAuth function's service name: the value of the `service` dimension of its metrics (shared/oauth/metrics.py).
OAUTH_SERVICE = f"{SERVICE_NAME}-oauth"
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


class OAuthEndpoints(Construct):
    """The OAuth function, its grants and routes, and an alarm on failures that are ours (not the seller's)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        packaging: Packaging,
        http_api: apigwv2.HttpApi,
        key: kms.IKey,
        tables: Mapping[Table, dynamodb.Table],
        bus: events.IEventBus,
        lwa_secret: secretsmanager.ISecret,
        invite_key: secretsmanager.ISecret,
        topic: sns.ITopic,
    ) -> None:
        super().__init__(scope, construct_id)
        redirect_uri = self.node.try_get_context(REDIRECT_URI_CONTEXT_KEY) or f"{http_api.api_endpoint}{CALLBACK_PATH}"
        draft = self.node.try_get_context(DRAFT_APP_CONTEXT_KEY)
        supplied: dict[str, str] = {
            Env.SERVICE_NAME: OAUTH_SERVICE,
            Env.METRICS_NAMESPACE: METRICS_NAMESPACE,
            Env.CONNECTIONS_TABLE: tables[Table.CONNECTIONS].table_name,
            Env.OAUTH_STATES_TABLE: tables[Table.OAUTH_STATES].table_name,
            Env.KMS_KEY_ARN: key.key_arn,
            Env.LWA_SECRET_ARN: lwa_secret.secret_arn,
            Env.INVITE_KEY_SECRET_ARN: invite_key.secret_arn,
            Env.EVENT_BUS_NAME: bus.event_bus_name,
            Env.API_URL: http_api.api_endpoint,
            Env.OAUTH_REDIRECT_URI: str(redirect_uri),
            Env.OAUTH_DRAFT_APP: "false" if str(draft).lower() == "false" else "true",
        }
        shape = FunctionShape(
            description="OAuth endpoints: connect links, Log-in URI and Redirect URI",
            handler=HANDLER,
            timeout_seconds=TIMEOUT_SECONDS,
            memory_mb=512,
            environment=function_environment("the OAuth endpoints", OAuthSettings, supplied),
        )
        self.function, role = python_function(
            self, packaging, shape, reserved_concurrent_executions=RESERVED_CONCURRENCY
        )
        for table, used in TABLE_ACTIONS.items():
            grant_table(tables[table], self.function, used, key)
        # It encrypts the refresh token it receives and never decrypts a stored one.
        key.grant_encrypt(self.function)
        deny_token_decryption(role, key)
        # The code exchange needs the app's client id and secret.
        lwa_secret.grant_read(self.function)
        invite_key.grant_read(self.function)
        bus.grant_put_events_to(self.function)
        nag.acknowledge_policy(role, "AwsSolutions-IAM5[Resource::*]", nag.XRAY_WILDCARD)
        for family in ("kms:GenerateDataKey*", "kms:ReEncrypt*"):
            nag.acknowledge_policy(role, f"AwsSolutions-IAM5[Action::{family}]", nag.KMS_ACTION_FAMILY)
        for table in TABLE_ACTIONS:
            if SPECS[table].gsi1:
                nag.acknowledge_table_index(role, tables[table])
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
        self.alarm.add_alarm_action(actions.SnsAction(topic))
