"""cdk-nag acknowledgments: each accepted finding with its reason, applied to one construct, never to the stack.

cdk-nag 3 runs as a CDK policy-validation plugin: an unacknowledged finding fails `app.synth()`. Acknowledgments are
CDK's own (`Validations.of(construct).acknowledge`) and hold for that construct and its children only.
"""

from typing import cast

from aws_cdk import Acknowledgment, CfnElement, Stack, Validations
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from constructs import IConstruct

# AwsSolutions-IAM5 findings of CDK grants. The finding id names the wildcard, so each is acknowledged on its own.
XRAY_WILDCARD = (
    "X-Ray PutTraceSegments/PutTelemetryRecords have no resource-level permissions; CDK adds them for active tracing."
)
TABLE_INDEX_WILDCARD = (
    "CDK's table grant covers the table's indexes as <table ARN>/index/*; the table is one the sync type declares."
)
KMS_ACTION_FAMILY = (
    "CDK's grants on the stack key use the GenerateDataKey*/ReEncrypt* action families, scoped to that one key."
)
FUNCTION_VERSIONS_WILDCARD = (
    "CDK's invoke grant covers the function's versions and aliases as <function ARN>:*; it names only this function."
)
# Other rules.
LWA_SECRET_ROTATION = (
    "The LWA client secret is rotated through Amazon's Application Management API, which issues the new value on an "
    "SQS queue, not in a Secrets Manager rotation call: the secret_rotation function requests it daily when due and "
    "stores it as a new version (docs/operations.md, Client secret rotation)."
)
INVITE_KEY_ROTATION = (
    "Rotating the connect-link signing key only invalidates outstanding links (they expire within days anyway); "
    "an operator who wants to rotate it puts a new random value, no rotation Lambda is needed."
)
PUBLIC_OAUTH_ROUTE = (
    "A seller's browser reaches the OAuth endpoints without AWS credentials or a session; each request is "
    "authorized by what it carries instead: a signed, expiring, single-use connect link, or a single-use 256-bit "
    "state bound to one."
)
PINNED_RUNTIME = (
    "python3.13 is pinned on purpose: the dependency layer is built from cp313 aarch64 wheels and the code targets "
    "3.13; a runtime upgrade is a deliberate change of pyproject, layer and infra together."
)
EVENT_TARGET_DLQ = (
    "This queue is itself a dead-letter queue: an EventBridge rule target's, for jobs the rule could not deliver to "
    "the work queue. cdk-nag recognizes only queues named in another queue's redrive policy as DLQs."
)
SCHEDULER_DLQ = (
    "This queue is itself a dead-letter queue: EventBridge Scheduler's, for dispatch invocations it could not "
    "deliver. cdk-nag recognizes only queues named in another queue's redrive policy as DLQs."
)


def acknowledge(scope: IConstruct, rule: str, reason: str) -> None:
    """Accepts one cdk-nag finding (`AwsSolutions-XX` or `AwsSolutions-XX[finding]`) on `scope` and its children."""
    Validations.of(scope).acknowledge(Acknowledgment(id=rule, reason=reason))


def acknowledge_resource(scope: IConstruct, rule: str, reason: str) -> None:
    """Accepts one finding on the CloudFormation resource of an L2 construct only (not its other children)."""
    acknowledge(scope.node.default_child or scope, rule, reason)


def acknowledge_policy(role: iam.Role, rule: str, reason: str) -> None:
    """Accepts one finding on a role's default policy, where CDK grants put their statements."""
    policy = role.node.try_find_child("DefaultPolicy")
    if policy is None:
        raise ValueError(f"{role.node.path} has no grants yet: acknowledge {rule} after granting")
    acknowledge(policy, rule, reason)


def acknowledge_table_index(role: iam.Role, table: dynamodb.Table) -> None:
    """Accepts the `<table ARN>/index/*` wildcard of CDK's table grant on a role (call it for tables with an index)."""
    logical_id = Stack.of(table).get_logical_id(cast(CfnElement, table.node.default_child))
    acknowledge_policy(role, f"AwsSolutions-IAM5[Resource::<{logical_id}.Arn>/index/*]", TABLE_INDEX_WILDCARD)
