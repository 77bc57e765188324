"""What every capability builds on, passed as one value (`StackResources`), and the shared queues, built first.

The stack builds security, data, messaging, the packaging and then every queue some capability's function reaches
(`Queues`), before any function: a function that consumes, sends to or names a queue finds it built, whichever
capability owns the consumer (the notifications consumer sends to the inventory results queue, the inventory
functions name the notifications queue to Amazon).
"""

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import cast

from aws_cdk import CfnElement, Duration, Names, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_kms as kms
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.config import DLQ_RETENTION_DAYS, MAX_RECEIVE_COUNT, WORK_QUEUE_RETENTION_DAYS
from infra.constructs.common import sse_sqs_queue
from infra.constructs.packaging import Packaging
from infra.names import Table, camel
from infra.spec import FunctionSpec, QueueSpec


@dataclass(frozen=True)
class SharedQueue:
    """A queue with its DLQ and the declaration that names them in functions' environments."""

    spec: QueueSpec
    queue: sqs.Queue
    dlq: sqs.Queue

    @property
    def event_source_id(self) -> str:
        """The construct id of an SQS event source on this queue: CDK's (`SqsEventSource:<the queue's unique id>`), or
        for a queue with `kept_paths` the one CDK gave it at its old path, so its event source mapping is not replaced
        either (Lambda refuses a second mapping of the same function and queue while the first exists)."""
        if self.spec.kept_paths is None:
            return f"SqsEventSource:{Names.node_unique_id(self.queue.node)}"
        stack_id = Stack.of(self.queue).node.id
        return f"SqsEventSource:{unique_id(stack_id, *self.spec.kept_paths[0].split('/'))}"

    def environment(self) -> dict[str, str]:
        """The env values this queue offers a function (those its settings declare are kept)."""
        offered = {self.spec.url_env: self.queue.queue_url, self.spec.dlq_env: self.dlq.queue_url}
        offered[self.spec.arn_env] = self.queue.queue_arn
        return {str(key): value for key, value in offered.items() if key is not None}


@dataclass(frozen=True)
class StackResources:
    """The stack-wide resources a capability's functions are granted from or told about."""

    key: kms.IKey
    tables: Mapping[Table, dynamodb.Table]
    bus: events.IEventBus
    lwa_secret: secretsmanager.ISecret
    invite_key: secretsmanager.ISecret
    alarm_topic: sns.ITopic
    packaging: Packaging
    queues: Mapping[str, SharedQueue]


class Queues(Construct):
    """Every shared queue (`QueueSpec`) with its DLQ; `queues` by key.

    Each has exactly one consumer among `consumers`, whose timeout (and batching window) sets its visibility timeout.
    """

    def __init__(
        self, scope: Construct, construct_id: str, *, specs: Sequence[QueueSpec], consumers: Sequence[FunctionSpec]
    ) -> None:
        super().__init__(scope, construct_id)
        self.queues: dict[str, SharedQueue] = {}
        for spec in specs:
            if spec.key in self.queues:
                raise ValueError(f"queue {spec.key} is declared twice")
            self.queues[spec.key] = self._build(spec, _consumer(spec, consumers))

    def _build(self, spec: QueueSpec, consumer: FunctionSpec) -> SharedQueue:
        title = camel(spec.key)
        dlq = sse_sqs_queue(self, f"{title}Dlq", retention_period=Duration.days(DLQ_RETENTION_DAYS))
        queue = sse_sqs_queue(
            self,
            title,
            visibility_timeout=Duration.seconds(consumer.visibility_timeout_seconds),
            retention_period=Duration.days(WORK_QUEUE_RETENTION_DAYS),
            dead_letter_queue=sqs.DeadLetterQueue(max_receive_count=MAX_RECEIVE_COUNT, queue=dlq),
        )
        if spec.kept_paths is not None:
            for built, path in zip((queue, dlq), spec.kept_paths, strict=True):
                _keep_logical_ids(built, path)
        return SharedQueue(spec=spec, queue=queue, dlq=dlq)


def _keep_logical_ids(queue: sqs.Queue, path: str) -> None:
    """Gives the queue and its policy the logical ids they had at `path`. The policy too: CloudFormation would create
    the renamed policy, then delete the old one, and deleting an AWS::SQS::QueuePolicy empties the queue's policy."""
    cast(CfnElement, queue.node.default_child).override_logical_id(unique_id(*path.split("/"), "Resource"))
    policy = queue.node.try_find_child("Policy")
    if policy is None:
        raise ValueError(f"queue {path} has no policy to keep (every queue enforces TLS through one)")
    cast(CfnElement, policy.node.default_child).override_logical_id(unique_id(*path.split("/"), "Policy", "Resource"))


def _consumer(spec: QueueSpec, consumers: Sequence[FunctionSpec]) -> FunctionSpec:
    found = [c for c in consumers if c.consumes is not None and c.consumes.queue == spec.key]
    if len(found) != 1:
        raise ValueError(f"queue {spec.key} needs exactly one consumer, has {[c.name for c in found]}")
    return found[0]


def unique_id(*components: str) -> str:
    """The id CDK derives from construct path components (its `makeUniqueId`, as logical ids and `Names.node_unique_id`
    are made): the components but `Resource`, then the first 8 hex digits of the MD5 of the whole path."""
    digest = hashlib.md5("/".join(components).encode(), usedforsecurity=False).hexdigest()[:8].upper()
    return "".join(re.sub("[^A-Za-z0-9]", "", c) for c in components if c != "Resource") + digest
