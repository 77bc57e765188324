"""The `authorization` sync's real handler on the embedded AWS (moto) and the local Amazon sandbox.

The handler is called in-process with Lambda's event shapes and a fake context; its environment points boto3 at moto
and LWA at the sandbox. Jobs travel through a real SQS queue: the dispatch enqueues them, the test receives them and
hands them to the handler as the event source mapping would. Amazon's side is steered through the sandbox's
inspection API (authorize, revoke).
"""

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import SecretStr

import functions.sync_authorization as handler_module
from local.aws import LocalAws
from local.sandbox import SandboxConfig, SandboxInspector, SandboxServer
from local.sandbox.config import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET
from local.sandbox.inspector import SellerInfo
from local.workers import LambdaContext
from shared.env import Env
from shared.models.connection import Connection, ConnectionStatus
from shared.models.settings import ConnectionSettings
from shared.models.sync import SyncState
from shared.repositories import ConnectionsRepository, KmsEncryptor, SyncStatusRepository
from shared.spapi.marketplaces import Region
from tests.dynamodb import create_table
from tests.integration.handler_world import clear_caches

pytestmark = pytest.mark.integration

DISPATCH = {"sync_type": "authorization", "action": "dispatch"}
AUTHORIZED_DAYS_AGO = 100


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    """The local Amazon, its world frozen (no new orders)."""
    with SandboxServer(SandboxConfig(seed=11, orders_per_hour=0)) as running:
        yield running


@pytest.fixture(scope="module")
def key_arn(local_aws: LocalAws) -> str:
    key = local_aws.client("kms").create_key(Description=f"sync-authorization-{uuid.uuid4().hex[:8]}")
    return str(key["KeyMetadata"]["Arn"])


def _secret(local_aws: LocalAws, client_secret: str) -> str:
    value = {"client_id": DEFAULT_CLIENT_ID, "client_secret": client_secret, "application_id": "amzn1.sp.solution.x"}
    created = local_aws.client("secretsmanager").create_secret(
        Name=f"lwa-{uuid.uuid4().hex[:8]}", SecretString=json.dumps(value)
    )
    return str(created["ARN"])


@dataclass
class Stack:
    """One test's resources (a fresh table and queues, so dispatch sees only this test's connections)."""

    aws: LocalAws
    table: str
    queue_url: str
    dlq_url: str
    connections: ConnectionsRepository
    statuses: SyncStatusRepository
    inspector: SandboxInspector

    def connect(self, seller: SellerInfo, status: ConnectionStatus = ConnectionStatus.ACTIVE) -> str:
        """Stores a connection of the seller with a refresh token the sandbox issued; returns its id."""
        token = self.inspector.authorize(seller.selling_partner_id)
        return self.store(seller.selling_partner_id, seller.marketplace_ids, SecretStr(token), status)

    def store(self, seller_id: str, marketplaces: list[str], token: SecretStr, status: ConnectionStatus) -> str:
        at = datetime.now(UTC) - timedelta(days=AUTHORIZED_DAYS_AGO, hours=1)
        connection = Connection(
            selling_partner_id=seller_id,
            region=Region.EU,
            name="Test shop",
            marketplace_ids=tuple(marketplaces),
            status=status,
            authorized_at=at,
            created_at=at,
            updated_at=at,
        )
        self.connections.put_connection(connection, token)
        return connection.connection_id

    def receive(self, url: str | None = None) -> list[dict[str, Any]]:
        """Every message waiting on the work queue (or another queue), with its attributes."""
        sqs, found = self.aws.client("sqs"), []
        while batch := sqs.receive_message(
            QueueUrl=url or self.queue_url,
            MaxNumberOfMessages=10,
            MessageAttributeNames=["All"],
            AttributeNames=["All"],
        ).get("Messages", []):
            found.extend(batch)
        return found


@pytest.fixture
def stack(
    local_aws: LocalAws, sandbox: SandboxServer, key_arn: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Stack]:
    """Fresh table and queues, the function's environment set, and the handler's caches emptied before and after."""
    dynamodb, sqs = local_aws.client("dynamodb"), local_aws.client("sqs")
    table = create_table(dynamodb, "connections", gsi1=True)
    suffix = uuid.uuid4().hex[:8]
    dlq_url = sqs.create_queue(QueueName=f"authorization-dlq-{suffix}")["QueueUrl"]
    queue_url = sqs.create_queue(QueueName=f"authorization-{suffix}")["QueueUrl"]
    environment = local_aws.env() | {
        Env.SERVICE_NAME: "sellersync-authorization",
        Env.METRICS_NAMESPACE: "SellerSyncTest",
        Env.SYNC_TYPE: "authorization",
        Env.SYNC_QUEUE_URL: queue_url,
        Env.SYNC_DLQ_URL: dlq_url,
        Env.CONNECTIONS_TABLE: table,
        Env.EVENT_BUS_NAME: "bus",
        Env.LWA_SECRET_ARN: _secret(local_aws, DEFAULT_CLIENT_SECRET),
        Env.KMS_KEY_ARN: key_arn,
        Env.LWA_TOKEN_URL: f"{sandbox.url}/auth/o2/token",
    }
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME", raising=False)
    _clear_handler_caches()
    inspector = SandboxInspector(sandbox.url)
    inspector.reset()
    encryptor = KmsEncryptor(key_arn, local_aws.client("kms"))
    yield Stack(
        local_aws,
        table,
        queue_url,
        dlq_url,
        ConnectionsRepository(table, dynamodb, encryptor),
        SyncStatusRepository(table, dynamodb),
        inspector,
    )
    _clear_handler_caches()


def _clear_handler_caches() -> None:
    clear_caches([handler_module])


def invoke(event: dict[str, Any]) -> Any:
    context = LambdaContext("sellersync-authorization", 256, "arn:aws:lambda:eu-west-1:1:function:x", "req-1", 1e12)
    return handler_module.lambda_handler(event, context)


def as_sqs_event(messages: list[dict[str, Any]]) -> dict[str, Any]:
    """Received messages in the shape Lambda's SQS event source hands them over."""
    return {
        "Records": [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": m.get("Attributes", {}),
                "messageAttributes": {},
                "md5OfBody": m["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:eu-west-1:123456789012:authorization",
                "awsRegion": "eu-west-1",
            }
            for m in messages
        ]
    }


def emitted(out: str) -> list[tuple[str, dict[str, str], float]]:
    """(metric, dimensions, value) of every data point in the EMF blobs Powertools printed."""
    points: list[tuple[str, dict[str, str], float]] = []
    for line in out.splitlines():
        if not line.startswith("{") or "_aws" not in line:
            continue
        blob = json.loads(line)
        for directive in blob["_aws"]["CloudWatchMetrics"]:
            dimensions = {name: blob[name] for names in directive["Dimensions"] for name in names}
            for metric in directive["Metrics"]:
                values = blob[metric["Name"]]
                points.extend(
                    (metric["Name"], dimensions, v) for v in (values if isinstance(values, list) else [values])
                )
    return points


def sellers(stack: Stack) -> list[SellerInfo]:
    return [s for s in stack.inspector.sellers() if s.region == "EU"]


def test_dispatch_enqueues_a_job_for_each_active_connection_only(
    stack: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given two ACTIVE connections (one syncing nothing else) and one waiting for re-authorization
    first, second = sellers(stack)
    active = stack.connect(first)
    idle = stack.connect(second)
    waiting = stack.store(
        "ABCDEF123", first.marketplace_ids, SecretStr("Atzr|x"), ConnectionStatus.NEEDS_REAUTHORIZATION
    )
    assert stack.connections.get_settings(idle).enabled_syncs == frozenset()

    result = invoke(DISPATCH)

    jobs = [json.loads(m["Body"]) for m in stack.receive()]
    assert sorted(job["connection_id"] for job in jobs) == sorted([active, idle])
    assert {(job["sync_type"], job["trigger"]) for job in jobs} == {("authorization", "schedule")}
    assert result == {
        "sync_type": "authorization",
        "active_connections": 2,
        "enqueued": 2,
        "not_enabled": 0,
        "invalid_settings": 0,
        "paused": 0,
    }
    assert ("ConnectionsNeedingReauthorization", {"sync_type": "authorization"}, 1.0) in emitted(
        capsys.readouterr().out
    )
    assert stack.statuses.get(waiting, "authorization") is None


def test_a_job_refreshes_the_stored_token_and_records_the_days_left(
    stack: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    seller = sellers(stack)[0]
    cid = stack.connect(seller)
    invoke(DISPATCH)
    capsys.readouterr()

    result = invoke(as_sqs_event(stack.receive()))

    assert result == {"batchItemFailures": []}
    status = stack.statuses.get(cid, "authorization")
    assert status is not None and status.state is SyncState.OK
    expected_days = 365 - AUTHORIZED_DAYS_AGO - 1
    assert status.counts == {"days_until_reauthorization": expected_days}
    assert status.last_success_at == status.last_run_at and status.last_error is None
    connection = stack.connections.get_connection(cid)
    assert connection is not None and connection.status is ConnectionStatus.ACTIVE
    points = emitted(capsys.readouterr().out)
    assert ("DaysUntilReauthorization", {"sync_type": "authorization"}, float(expected_days)) in points
    assert {name for name, dims, _ in points if dims != {"sync_type": "authorization"}} == set()


def test_a_revoked_seller_turns_needs_reauthorization_with_its_settings_untouched(
    stack: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a connection with tuned settings whose seller then removes the app in Seller Central
    seller = sellers(stack)[0]
    cid = stack.connect(seller)
    tuned = ConnectionSettings(inventory_buffer=4, enabled_syncs=frozenset({"orders"}))
    stack.connections.put_settings(cid, tuned, expected_version=1)
    invoke(DISPATCH)
    stack.inspector.revoke(seller.selling_partner_id)
    capsys.readouterr()

    # When the job runs
    result = invoke(as_sqs_event(stack.receive()))

    # Then the connection waits for re-authorization, the status item says why, nothing is retried
    assert result == {"batchItemFailures": []}
    connection = stack.connections.get_connection(cid)
    assert connection is not None and connection.status is ConnectionStatus.NEEDS_REAUTHORIZATION
    assert connection.status_reason is not None and "invalid_grant" in connection.status_reason
    status = stack.statuses.get(cid, "authorization")
    assert status is not None and status.state is SyncState.ERROR
    assert status.last_error == connection.status_reason and status.last_success_at is None
    assert stack.connections.get_versioned_settings(cid) == (tuned, 2)
    assert stack.receive(stack.dlq_url) == []
    assert ("ConnectionsNeedingReauthorization", {"sync_type": "authorization"}, 1.0) in emitted(
        capsys.readouterr().out
    )
    # And the next run skips it, keeping the error
    assert invoke({"sync_type": "authorization", "action": "run", "connection_id": cid})["state"] == "SKIPPED"
    skipped = stack.statuses.get(cid, "authorization")
    assert skipped is not None and skipped.last_error == status.last_error


def test_a_token_amazon_never_issued_is_refused_like_a_revoked_one(stack: Stack) -> None:
    seller = sellers(stack)[0]
    cid = stack.store(
        seller.selling_partner_id, seller.marketplace_ids, SecretStr("Atzr|forged"), ConnectionStatus.ACTIVE
    )

    result = invoke({"sync_type": "authorization", "action": "run", "connection_id": cid})

    assert (result["state"], result["counts"]) == ("ERROR", {})
    connection = stack.connections.get_connection(cid)
    assert connection is not None and connection.status is ConnectionStatus.NEEDS_REAUTHORIZATION


def test_wrong_app_credentials_fail_the_record_so_it_is_retried(
    stack: Stack, local_aws: LocalAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given an LWA secret holding a wrong client secret (e.g. rotated at Amazon but not here)
    monkeypatch.setenv(Env.LWA_SECRET_ARN, _secret(local_aws, "not-the-secret"))
    _clear_handler_caches()
    cid = stack.connect(sellers(stack)[0])
    invoke(DISPATCH)
    messages = stack.receive()

    result = invoke(as_sqs_event(messages))

    assert result == {"batchItemFailures": [{"itemIdentifier": messages[0]["MessageId"]}]}
    status = stack.statuses.get(cid, "authorization")
    assert status is not None and status.state is SyncState.ERROR
    assert status.last_error is not None and status.last_error.startswith("InvalidClientError: ")
    connection = stack.connections.get_connection(cid)
    assert connection is not None and connection.status is ConnectionStatus.ACTIVE


def test_a_job_that_can_never_succeed_lands_in_the_dlq_with_its_reason(stack: Stack) -> None:
    sqs = stack.aws.client("sqs")
    sqs.send_message(QueueUrl=stack.queue_url, MessageBody='{"sync_type": "authorization"}')
    gone = '{"sync_type": "authorization", "connection_id": "eu-gone", "requested_at": "2026-03-01T12:00:00Z"}'
    sqs.send_message(QueueUrl=stack.queue_url, MessageBody=gone)

    result = invoke(as_sqs_event(stack.receive()))

    assert result == {"batchItemFailures": []}
    dead = {m["Body"]: m["MessageAttributes"]["reason"]["StringValue"] for m in stack.receive(stack.dlq_url)}
    assert dead[gone] == "no connection 'eu-gone'"
    assert dead['{"sync_type": "authorization"}'].startswith("malformed job: connection_id: Field required")


def test_a_malformed_invocation_raises_a_clear_error(stack: Stack) -> None:
    with pytest.raises(ValueError, match="invalid sync event"):
        invoke({"sync_type": "authorization", "action": "everything"})
