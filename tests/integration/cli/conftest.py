"""The `sellersync` stack commands against the embedded AWS (moto) and the local Amazon sandbox.

Each test gets a fresh set of tables and a state file that makes `--local` find them, exactly as a running
`sellersync local up` would be found; the commands are run through typer's CliRunner.
"""

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from local import state as local_state
from local.aws import LocalAws
from local.endpoints import sandbox_endpoints
from local.sandbox import SandboxConfig, SandboxInspector, SandboxServer
from local.sandbox.config import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET
from tests.dynamodb import create_table
from tests.integration.cli.harness import CliStack


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    """The local Amazon (no new orders arrive during the tests)."""
    with SandboxServer(SandboxConfig(seed=7, orders_per_hour=0)) as running:
        yield running


@pytest.fixture(scope="module")
def shared_resources(local_aws: LocalAws) -> dict[str, str]:
    """What a module's tests share: the KMS key, the secrets and the event bus (with a queue receiving its events)."""
    suffix = uuid.uuid4().hex[:8]
    kms, secrets = local_aws.client("kms"), local_aws.client("secretsmanager")
    lwa = {"client_id": DEFAULT_CLIENT_ID, "client_secret": DEFAULT_CLIENT_SECRET, "application_id": "amzn1.sp.x"}
    events, sqs = local_aws.client("events"), local_aws.client("sqs")
    bus = events.create_event_bus(Name=f"bus-{suffix}")["EventBusArn"].rsplit("/", 1)[1]
    queue_url = sqs.create_queue(QueueName=f"events-{suffix}")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name="all", EventBusName=bus, EventPattern=json.dumps({"source": ["sellersync.connections"]}))
    events.put_targets(Rule="all", EventBusName=bus, Targets=[{"Id": "queue", "Arn": queue_arn}])
    return {
        "KmsKeyArn": kms.create_key(Description=f"cli-{suffix}")["KeyMetadata"]["Arn"],
        "LwaSecretArn": secrets.create_secret(Name=f"lwa-{suffix}", SecretString=json.dumps(lwa))["ARN"],
        "InviteKeySecretArn": secrets.create_secret(Name=f"invite-{suffix}", SecretString="k" * 48)["ARN"],
        "EventBusName": bus,
        "ApiUrl": "http://127.0.0.1:9/",
        "_events_queue_url": queue_url,
    }


@pytest.fixture
def stack(
    local_aws: LocalAws,
    sandbox: SandboxServer,
    shared_resources: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> CliStack:
    """Fresh tables, the module's key and secrets, a reset sandbox, and the state file `--local` reads."""
    dynamodb = local_aws.client("dynamodb")
    outputs = {k: v for k, v in shared_resources.items() if not k.startswith("_")} | {
        "ConnectionsTableName": create_table(dynamodb, "connections", gsi1=True),
        "OauthStatesTableName": create_table(dynamodb, "oauth_states", ttl="expires_at"),
        "OrdersTableName": create_table(dynamodb, "orders", gsi1=True),
        "RateLimitsTableName": create_table(dynamodb, "rate_limits", sort_key=False, ttl="expires_at"),
    }
    state_file = tmp_path / "state.json"
    running = local_state.LocalState(
        local_aws.endpoint_url,
        local_aws.region,
        "SellerSync",
        "http://127.0.0.1:9",
        outputs,
        os.getpid(),
        sandbox_endpoints(sandbox.url),
    )
    local_state.write_state(running, state_file)
    monkeypatch.setattr(local_state, "STATE_FILE", state_file)
    inspector = SandboxInspector(sandbox.url)
    inspector.reset()
    return CliStack(local_aws, outputs, sandbox, inspector, shared_resources["_events_queue_url"], state_file)
