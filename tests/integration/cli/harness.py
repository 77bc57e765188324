"""A stack for CLI tests: its outputs, repositories on its tables, the sandbox, and `run` to invoke a command."""

import dataclasses
import io
import json
import uuid
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from typer.testing import CliRunner, Result

from cli.main import app
from infra.outputs import function_output_key
from local import state as local_state
from local.aws import LocalAws
from local.sandbox import SandboxInspector, SandboxServer
from local.sandbox.inspector import SellerInfo
from shared.env import Env
from shared.models.connection import Connection, ConnectionStatus
from shared.repositories import ConnectionsRepository, KmsEncryptor, OAuthStatesRepository
from shared.repositories.orders import OrdersRepository
from shared.repositories.subscriptions import SubscriptionsRepository
from shared.repositories.sync_status import SyncStatusRepository
from shared.spapi.marketplaces import Region


def days_ago(days: int) -> datetime:
    """An aware UTC time `days` ago, an hour earlier still so that whole days are unambiguous."""
    return datetime.now(UTC) - timedelta(days=days, hours=1)


@dataclass
class CliStack:
    """One test's stack as the CLI sees it through `--local`."""

    aws: LocalAws
    outputs: dict[str, str]
    sandbox: SandboxServer
    inspector: SandboxInspector
    events_queue_url: str
    state_file: Path

    def set_output(self, key: str, value: str) -> None:
        """Changes one output of the stack as `--local` finds it."""
        self.outputs[key] = value
        running = local_state.read_state(self.state_file)
        assert running is not None
        local_state.write_state(dataclasses.replace(running, outputs=dict(self.outputs)), self.state_file)

    def deploy_sync_function(self, sync_type: str, extra_env: dict[str, str] | None = None) -> str:
        """Records a sync type's function in the embedded Lambda as the stack deploys it (handler, environment:
        the sync's own work queue and DLQ, the connections table, the bus, the LWA secret and key, plus `extra_env`);
        `sellersync sync` then runs its handler locally."""
        aws, suffix = self.aws, uuid.uuid4().hex[:8]
        role = aws.client("iam").create_role(
            RoleName=f"sync-{suffix}",
            AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}),
        )["Role"]["Arn"]
        sqs = aws.client("sqs")
        environment = {
            Env.SERVICE_NAME: "sellersync",
            Env.METRICS_NAMESPACE: "SellerSyncTest",
            Env.SYNC_TYPE: sync_type,
            Env.SYNC_QUEUE_URL: sqs.create_queue(QueueName=f"{sync_type}-{suffix}")["QueueUrl"],
            Env.SYNC_DLQ_URL: sqs.create_queue(QueueName=f"{sync_type}-dlq-{suffix}")["QueueUrl"],
            Env.CONNECTIONS_TABLE: self.table,
            Env.EVENT_BUS_NAME: self.outputs["EventBusName"],
            Env.LWA_SECRET_ARN: self.outputs["LwaSecretArn"],
            Env.KMS_KEY_ARN: self.outputs["KmsKeyArn"],
            **(extra_env or {}),
        }
        code = io.BytesIO()
        with zipfile.ZipFile(code, "w") as archive:
            archive.writestr("placeholder.py", "")
        name = f"SellerSync-Sync{sync_type.title()}-{suffix}"
        aws.client("lambda").create_function(
            FunctionName=name,
            Runtime="python3.13",
            Role=role,
            Handler=f"functions.sync_{sync_type}.lambda_handler",
            Code={"ZipFile": code.getvalue()},
            Timeout=60,
            MemorySize=256,
            Environment={"Variables": {str(k): v for k, v in environment.items()}},
        )
        self.set_output(function_output_key(sync_type), name)
        return name

    def run(self, *args: str, input: str | None = None, local: bool = True) -> Result:
        """Runs `sellersync <args> [--local]` and returns its result (stdout and stderr kept apart)."""
        return CliRunner().invoke(app, [*args, *(["--local"] if local else [])], input=input)

    def json(self, *args: str, input: str | None = None) -> Any:
        """Runs a command with `--json` and parses its stdout; the command must succeed."""
        result = self.run(*args, "--json", input=input)
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    @property
    def table(self) -> str:
        """The connections table."""
        return self.outputs["ConnectionsTableName"]

    @cached_property
    def connections(self) -> ConnectionsRepository:
        """The connections repository of the stack."""
        encryptor = KmsEncryptor(self.outputs["KmsKeyArn"], self.aws.client("kms"))
        return ConnectionsRepository(self.table, self.aws.client("dynamodb"), encryptor)

    @cached_property
    def subscriptions(self) -> SubscriptionsRepository:
        """The recorded subscriptions."""
        return SubscriptionsRepository(self.table, self.aws.client("dynamodb"))

    @cached_property
    def statuses(self) -> SyncStatusRepository:
        """The sync status items."""
        return SyncStatusRepository(self.table, self.aws.client("dynamodb"))

    @cached_property
    def states(self) -> OAuthStatesRepository:
        """Invites and OAuth states."""
        return OAuthStatesRepository(self.outputs["OauthStatesTableName"], self.aws.client("dynamodb"))

    @cached_property
    def orders(self) -> OrdersRepository:
        """The orders table."""
        return OrdersRepository(self.outputs["OrdersTableName"], self.aws.client("dynamodb"))

    def seller(self, region: str = "EU") -> SellerInfo:
        """The first sandbox seller of a region."""
        return self.inspector.seller(region)

    def connect(
        self,
        seller: SellerInfo,
        *,
        name: str = "Test shop",
        authorized_days_ago: int = 100,
        status: ConnectionStatus = ConnectionStatus.ACTIVE,
    ) -> tuple[str, str]:
        """Stores a connection of the seller with a refresh token the sandbox issued; returns its id and the token."""
        token = self.inspector.authorize(seller.selling_partner_id)
        at = days_ago(authorized_days_ago)
        connection = Connection(
            selling_partner_id=seller.selling_partner_id,
            region=Region(seller.region),
            name=name,
            marketplace_ids=tuple(seller.marketplace_ids),
            status=status,
            authorized_at=at,
            created_at=at,
            updated_at=at,
        )
        self.connections.put_connection(connection, SecretStr(token))
        return connection.connection_id, token

    def events(self) -> list[dict[str, Any]]:
        """The events the bus delivered to the test queue (consumed)."""
        sqs = self.aws.client("sqs")
        messages = sqs.receive_message(QueueUrl=self.events_queue_url, MaxNumberOfMessages=10).get("Messages", [])
        for message in messages:
            sqs.delete_message(QueueUrl=self.events_queue_url, ReceiptHandle=message["ReceiptHandle"])
        return [json.loads(m["Body"]) for m in messages]


def no_secret(result: Result, *secrets: str) -> None:
    """Neither stdout nor stderr holds any of the secrets."""
    for value in secrets:
        assert value not in result.stdout and value not in result.stderr
