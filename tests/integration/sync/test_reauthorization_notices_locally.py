"""Re-authorization notices end to end on the embedded default: the production template's `authorization` function,
with the environment and grants the template gives it, puts one `ConnectionReauthorizationDue` on the stack's bus for
a connection 13 days from its deadline, with a `--reauthorize` link recorded in the oauth_states table; a second run
the same day sends nothing."""

import json
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from pydantic import SecretStr

from infra.config import AUTHORIZATION, Table
from infra.outputs import Output, function_output_key, table_output_key
from local.amazon import LocalWorld
from local.runtime import LocalStack
from local.sandbox import SandboxInspector
from shared.models.connection import Connection
from shared.models.oauth import Invite
from shared.oauth.invites import _b64decode
from shared.repositories import ConnectionsRepository, KmsEncryptor
from shared.repositories.oauth_states import OAuthStatesRepository
from shared.spapi.marketplaces import Region
from shared.sync.reauthorization import DETAIL_TYPE, SOURCE

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def stack(local_world: LocalWorld) -> Iterator[LocalStack]:
    yield local_world.stack


def _capture(stack: LocalStack) -> tuple[str, Any]:
    """A queue behind a rule on the stack's bus that takes every ConnectionReauthorizationDue; its URL and client."""
    aws = stack.deployed.aws
    sqs, events = aws.client("sqs"), aws.client("events")
    name = f"reauth-capture-{uuid.uuid4().hex[:8]}"
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    bus = stack.deployed.outputs[Output.EVENT_BUS_NAME]
    pattern = {"source": [SOURCE], "detail-type": [DETAIL_TYPE]}
    events.put_rule(Name=name, EventBusName=bus, EventPattern=json.dumps(pattern))
    events.put_targets(Rule=name, EventBusName=bus, Targets=[{"Id": "capture", "Arn": arn}])
    return url, sqs


def _drain(url: str, sqs: Any) -> list[dict[str, Any]]:
    found = []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        for message in batch:
            found.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return found


def test_a_connection_13_days_from_its_deadline_is_announced_once_with_a_link(
    stack: LocalStack, local_world: LocalWorld
) -> None:
    # Given an EU seller whose authorization lapses in 13 days, and a consumer of the notices on the stack's bus
    aws, outputs = stack.deployed.aws, stack.deployed.outputs
    inspector = SandboxInspector(local_world.sandbox.url)
    seller = inspector.new_seller("EU", like=0)
    # The functions' clock is Amazon's (the sandbox's, which other modules may have moved on).
    now = datetime.fromisoformat(inspector.now())
    at = now - timedelta(days=352, hours=1)
    connection = Connection(
        selling_partner_id=seller.selling_partner_id,
        region=Region.EU,
        name=seller.store_name,
        marketplace_ids=tuple(seller.marketplace_ids),
        authorized_at=at,
        created_at=at,
        updated_at=at,
    )
    encryptor = KmsEncryptor(outputs[Output.KMS_KEY_ARN], aws.client("kms"))
    connections = ConnectionsRepository(outputs[table_output_key(Table.CONNECTIONS)], aws.client("dynamodb"), encryptor)
    connections.put_connection(connection, SecretStr(inspector.authorize(seller.selling_partner_id)))
    cid = connection.connection_id
    url, sqs = _capture(stack)

    # When the authorization sync runs for it twice the same day (a re-run, or a redelivered job)
    function = outputs[function_output_key(AUTHORIZATION)]
    run = {"sync_type": "authorization", "action": "run", "connection_id": cid}
    first, second = stack.runtime.invoke(function, run), stack.runtime.invoke(function, run)

    # Then the first sent the 14-day notice and the second nothing; one event on the bus
    assert first.ok and first.payload["counts"].get("reauthorization_notice_days") == 14, first.payload
    assert second.ok and "reauthorization_notice_days" not in second.payload["counts"], second.payload
    events = [e for e in _drain(url, sqs) if e["detail"]["connection_id"] == cid]
    assert [(e["source"], e["detail-type"]) for e in events] == [(SOURCE, DETAIL_TYPE)]
    detail = events[0]["detail"]
    assert (detail["schema_version"], detail["threshold_days"]) == (1, 14)
    # 13 days and an hour by the sandbox's clock when the test read it; Amazon's clock may run ahead meanwhile.
    assert detail["days_until_reauthorization"] == first.payload["counts"]["days_until_reauthorization"] in (12, 13)
    assert detail["event_id"] == f"{cid}:{connection.authorized_at.isoformat()}:14"

    # And its link is a single-use invite, recorded, that renews this connection only and lives 30 days
    link = detail["connect_link"]
    assert link["url"].startswith(outputs[Output.API_URL].rstrip("/") + "/connect?invite=")
    token = parse_qs(urlparse(link["url"]).query)["invite"][0]
    invite = Invite.model_validate_json(_b64decode(token.split(".")[0]))
    assert (invite.connection_id, invite.invite_id) == (cid, link["invite_id"])
    assert timedelta(days=29) < invite.expires_at - now <= timedelta(days=31)
    OAuthStatesRepository(outputs[table_output_key(Table.OAUTH_STATES)], aws.client("dynamodb")).check_invite(
        invite.invite_id
    )
