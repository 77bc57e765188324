"""The public HTTP API (API Gateway v2). It has no routes yet: the OAuth capability adds them."""

import jsii
from aws_cdk import Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_apigatewayv2 as apigwv2
from constructs import Construct

from infra.config import SERVICE_NAME
from infra.constructs.common import log_group

# JSON access log: one line per request, without query strings (the OAuth callback carries the code in one).
ACCESS_LOG_FORMAT = (
    '{"requestId":"$context.requestId","ip":"$context.identity.sourceIp","requestTime":"$context.requestTime",'
    '"httpMethod":"$context.httpMethod","routeKey":"$context.routeKey","status":"$context.status",'
    '"protocol":"$context.protocol","responseLength":"$context.responseLength",'
    '"integrationError":"$context.integrationErrorMessage"}'
)
# The API serves a handful of people clicking through OAuth; a low limit caps what abuse can cost.
THROTTLE_RATE_LIMIT = 10
THROTTLE_BURST_LIMIT = 20


@jsii.implements(apigwv2.IAccessLogSettings)
class _AccessLogSettings:
    """IAccessLogSettings is a jsii interface, not a struct: Python must pass an object implementing it."""

    def __init__(self, destination: apigwv2.IAccessLogDestination) -> None:
        self._destination = destination

    @property
    def destination(self) -> apigwv2.IAccessLogDestination:
        return self._destination

    @property
    def format(self) -> apigw.AccessLogFormat:
        return apigw.AccessLogFormat.custom(ACCESS_LOG_FORMAT)


class Api(Construct):
    """HTTP API with an auto-deployed `$default` stage, throttled and access-logged to its own log group."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.http_api = apigwv2.HttpApi(
            self,
            "HttpApi",
            api_name=f"{Stack.of(self).stack_name}-api",
            description=f"{SERVICE_NAME}: OAuth endpoints",
            create_default_stage=False,
        )
        self.access_logs = log_group(self, "AccessLogs")
        self.stage = apigwv2.HttpStage(
            self,
            "DefaultStage",
            http_api=self.http_api,
            auto_deploy=True,
            throttle=apigwv2.ThrottleSettings(rate_limit=THROTTLE_RATE_LIMIT, burst_limit=THROTTLE_BURST_LIMIT),
            access_log_settings=_AccessLogSettings(apigwv2.LogGroupLogDestination(self.access_logs)),
        )

    @property
    def url(self) -> str:
        """Base URL of the API (the `$default` stage serves the root)."""
        return self.stage.url
