"""The one builder of every Lambda function: `build_function` turns a `FunctionSpec` (infra/spec.py) into resources.

Every function runs the pinned Python runtime on arm64, traced (Active or PassThrough: infra/tracing.py), logging to
its own retained log group, with its own role, its code from `functions/` + `shared/` and its dependencies from the one
layer. Its environment holds what its settings model declares of the names the stack offers it
(infra/environment.py); its grants, event source, schedule, cdk-nag acknowledgments and errors/throttles alarms all
follow from the spec, here and nowhere else.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra import nag
from infra.amazon_endpoints import AMAZON_ENDPOINTS_CONTEXT_KEY, endpoint_overrides
from infra.config import ARCHITECTURE, DLQ_RETENTION_DAYS, METRICS_NAMESPACE, SERVICE_NAME, table_env_key
from infra.constructs.alarms import PERIOD, alarm, dlq_alarm
from infra.constructs.common import deny_token_decryption, grant_table, kms_queue, log_group
from infra.constructs.data import SPECS
from infra.constructs.packaging import ARCHITECTURES
from infra.constructs.resources import SharedQueue, StackResources
from infra.constructs.schedules import add_schedule
from infra.environment import function_environment
from infra.spec import Ack, Consumes, FunctionSpec, Tokens
from infra.tracing import TRACING_CONTEXT_KEY, is_active, tracing_mode
from shared.env import Env

# Findings every role of ours has: CDK's grants for active tracing and on the stack key.
ROLE_ACKS = (
    Ack("AwsSolutions-IAM5[Resource::*]", nag.XRAY_WILDCARD),
    Ack("AwsSolutions-IAM5[Action::kms:GenerateDataKey*]", nag.KMS_ACTION_FAMILY),
    Ack("AwsSolutions-IAM5[Action::kms:ReEncrypt*]", nag.KMS_ACTION_FAMILY),
)


@dataclass(frozen=True)
class BuiltFunction:
    """A built spec: the function, its role, the alarms it contributes and (if scheduled) its scheduler's DLQ."""

    spec: FunctionSpec
    function: lambda_.Function
    role: iam.Role
    alarms: tuple[cloudwatch.Alarm, ...]
    schedule_dlq: sqs.Queue | None = None


def build_function(
    scope: Construct,
    spec: FunctionSpec,
    resources: StackResources,
    *,
    queues: Mapping[str, SharedQueue] | None = None,
) -> BuiltFunction:
    """The function (construct id `Function`), role (`Role`) and log group (`Logs`) of `spec` under `scope`.

    `queues` are those it may consume, send to or be told about: the stack's shared queues unless given (a sync type
    adds its own work queue). The Amazon endpoint overrides of the context (`sellersync:amazonEndpoints`,
    infra/amazon_endpoints.py), when set, go into every function's environment.
    """
    queues = resources.queues if queues is None else queues
    reached = (*spec.sends_to, *((spec.consumes.queue,) if spec.consumes else ()))
    missing = sorted(set(reached) - set(queues))
    if missing:
        raise ValueError(f"function {spec.name} consumes or sends to {missing}, which this stack does not have")
    role = iam.Role(
        scope,
        "Role",
        assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
        description=f"{SERVICE_NAME}: {spec.description}"[:1000],
    )
    logs = log_group(scope, "Logs")
    logs.grant_write(role)
    overrides = endpoint_overrides(scope.node.try_get_context(AMAZON_ENDPOINTS_CONTEXT_KEY))
    supplied = _supplied(spec, resources, queues)
    function = lambda_.Function(
        scope,
        "Function",
        description=spec.description,
        runtime=resources.packaging.runtime,
        architecture=ARCHITECTURES[ARCHITECTURE],
        handler=spec.handler,
        code=resources.packaging.code,
        layers=[resources.packaging.layer],
        timeout=Duration.seconds(spec.timeout_seconds),
        memory_size=spec.memory_mb,
        tracing=_tracing(scope, spec),
        log_group=logs,
        role=role,
        environment={**function_environment(f"function {spec.name}", spec.settings, supplied), **overrides},
        reserved_concurrent_executions=spec.reserved_concurrency,
    )
    nag.acknowledge_resource(function, "AwsSolutions-L1", nag.PINNED_RUNTIME)
    _grant(spec, function, role, resources, queues)
    if spec.consumes is not None:
        _consume(function, spec.consumes, queues[spec.consumes.queue])
    _acknowledge(spec, role, resources)
    return _observed(scope, spec, function, role, resources)


def _tracing(scope: Construct, spec: FunctionSpec) -> lambda_.Tracing:
    """Active or PassThrough, from the spec's `traced` and the context's `sellersync:tracing` (infra/tracing.py)."""
    mode = tracing_mode(scope.node.try_get_context(TRACING_CONTEXT_KEY))
    return lambda_.Tracing.ACTIVE if is_active(mode, spec.traced) else lambda_.Tracing.PASS_THROUGH


def _consume(function: lambda_.Function, consumes: Consumes, queue: SharedQueue) -> None:
    """What CDK's `SqsEventSource` does, under the construct id the queue gives (kept across construct moves)."""
    window = consumes.batching_window_seconds
    function.add_event_source_mapping(
        queue.event_source_id,
        event_source_arn=queue.queue.queue_arn,
        batch_size=consumes.batch_size,
        max_batching_window=Duration.seconds(window) if window else None,
        max_concurrency=consumes.max_concurrency,
        report_batch_item_failures=True,
    )
    queue.queue.grant_consume_messages(function)


def _supplied(spec: FunctionSpec, resources: StackResources, queues: Mapping[str, SharedQueue]) -> dict[str, str]:
    """Env values the stack gives this function: names and ARNs of what it is granted, of every queue it is given,
    and of anything in its `names_only`; never secrets."""
    named: dict[str, str] = {table_env_key(table): built.table_name for table, built in resources.tables.items()}
    named[Env.EVENT_BUS_NAME] = resources.bus.event_bus_name
    named[Env.LWA_SECRET_ARN] = resources.lwa_secret.secret_arn
    named[Env.INVITE_KEY_SECRET_ARN] = resources.invite_key.secret_arn
    granted = {table_env_key(table) for table in spec.tables}
    granted |= {Env.EVENT_BUS_NAME} if spec.puts_events else set()
    granted |= {Env.LWA_SECRET_ARN} if spec.reads_lwa_secret else set()
    granted |= {Env.INVITE_KEY_SECRET_ARN} if spec.reads_invite_key else set()
    supplied = {key: value for key, value in named.items() if key in granted or key in spec.names_only}
    supplied.update(
        {
            Env.SERVICE_NAME: spec.service,
            Env.METRICS_NAMESPACE: METRICS_NAMESPACE,
            Env.KMS_KEY_ARN: resources.key.key_arn,
        }
    )
    for queue in queues.values():
        supplied.update(queue.environment())
    supplied.update(spec.environment)
    return supplied


def _grant(
    spec: FunctionSpec,
    function: lambda_.Function,
    role: iam.Role,
    resources: StackResources,
    queues: Mapping[str, SharedQueue],
) -> None:
    """Least privilege from the spec: the table actions (and the key actions they need), the secrets, the bus, the
    queues, and the refresh tokens only to those that call Amazon with them."""
    key = resources.key
    for table in spec.tables:
        grant_table(resources.tables[table], function, spec.table_actions(table), key)
    if spec.tokens is Tokens.DECRYPT:
        key.grant_decrypt(function)
    else:
        if spec.tokens is Tokens.ENCRYPT:
            key.grant_encrypt(function)
        deny_token_decryption(role, key)
    if spec.reads_lwa_secret:
        resources.lwa_secret.grant_read(function)
    if spec.reads_invite_key:
        resources.invite_key.grant_read(function)
    if spec.puts_events:
        resources.bus.grant_put_events_to(function)
    if spec.consumes is not None:
        # A message that can never be processed goes straight to the DLQ with its reason.
        queues[spec.consumes.queue].dlq.grant_send_messages(function)
    for name in spec.sends_to:
        queues[name].queue.grant_send_messages(function)


def _acknowledge(spec: FunctionSpec, role: iam.Role, resources: StackResources) -> None:
    for ack in (*ROLE_ACKS, *spec.acks):
        nag.acknowledge_policy(role, ack.rule, ack.reason)
    for table in spec.tables:
        if SPECS[table].gsi1:
            nag.acknowledge_table_index(role, resources.tables[table])


def _observed(
    scope: Construct, spec: FunctionSpec, function: lambda_.Function, role: iam.Role, resources: StackResources
) -> BuiltFunction:
    """The schedule (with its DLQ) and the alarms the spec asks for."""
    topic, alarms = resources.alarm_topic, []
    if spec.alarms:
        errors, throttles = function.metric_errors(period=PERIOD), function.metric_throttles(period=PERIOD)
        alarms.append(
            alarm(scope, f"{spec.title}Errors", errors, f"{SERVICE_NAME}: {spec.label} function errors", topic)
        )
        alarms.append(
            alarm(scope, f"{spec.title}Throttles", throttles, f"{SERVICE_NAME}: {spec.label} function throttled", topic)
        )
    schedule_dlq = None
    if spec.schedule is not None:
        schedule_dlq = kms_queue(
            scope, "ScheduleDlq", resources.key, retention_period=Duration.days(DLQ_RETENTION_DAYS)
        )
        nag.acknowledge_resource(schedule_dlq, "AwsSolutions-SQS3", nag.SCHEDULER_DLQ)
        add_schedule(scope, spec.schedule, function, dlq=schedule_dlq, key=resources.key)
        description = f"{SERVICE_NAME}: {spec.label} dispatch undeliverable"
        alarms.append(dlq_alarm(scope, f"{spec.title}ScheduleDlqMessages", schedule_dlq, description, topic))
    return BuiltFunction(spec=spec, function=function, role=role, alarms=tuple(alarms), schedule_dlq=schedule_dlq)
