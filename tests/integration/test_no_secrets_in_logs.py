"""Every handler, run with its logs captured (one file per function, as CloudWatch would hold them), must never log
a refresh or access token, an authorization code, an OAuth state, the LWA client secret or the invite key.

It drives the OAuth function through success, cancel, a replayed code, rejected app credentials and the Log-in hop,
and every registered sync type on demand and through its queue, including a revoked seller; then it reads the logs.
"""

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from infra.config import SYNC_TYPES
from infra.outputs import Output
from local.amazon import LocalWorld
from local.sandbox.inspector import SandboxInspector
from shared.models.connection import connection_id_for
from shared.secrets import load_invite_key
from shared.spapi.marketplaces import Region
from tests.integration.oauth.world import Consent, connect_link, connections, open_link, query_of

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def logs(function_logs: Path) -> Path:
    """Every function's log of the shared local stack (this module's and the earlier ones')."""
    return function_logs


@pytest.fixture(scope="module")
def world(local_world: LocalWorld) -> Iterator[LocalWorld]:
    """The shared local stack with Lambda's event sources running, so the jobs the syncs enqueue are worked too."""
    with local_world.stack.runtime.polling():
        yield local_world
    SandboxInspector(local_world.sandbox.url).sign_in(None)


def _callback_secrets(consent: Consent, response: requests.Response, seen: set[str]) -> requests.Response:
    """Follows the flow, noting every state and code that passes through a URL."""
    while response.status_code in (301, 302, 303):
        location = response.headers["Location"]
        params = query_of(location)
        seen.update(v for k, v in params.items() if k in ("state", "spapi_oauth_code", "amazon_state", "invite"))
        response = consent.session.get(location, allow_redirects=False, timeout=60)
    return response


def test_no_handler_logs_a_secret(world: LocalWorld, logs: Path) -> None:
    inspector = SandboxInspector(world.sandbox.url)
    aws, outputs = world.stack.deployed.aws, world.stack.deployed.outputs
    secrets_client = aws.client("secretsmanager")
    seen: set[str] = {world.config.client_secret}
    seen.add(load_invite_key(secrets_client, outputs[Output.INVITE_KEY_SECRET_ARN]).decode())
    seller = inspector.new_seller("EU")
    inspector.sign_in(seller.selling_partner_id)

    # Success, then a replay of its callback and of its code
    consent = open_link(connect_link(world, Region.EU))
    first = consent.decide()
    assert _callback_secrets(consent, first, seen).status_code == 200
    replay = requests.get(first.headers["Location"], timeout=30)
    assert replay.status_code == 400
    # Cancel
    cancel = open_link(connect_link(world, Region.EU))
    assert _callback_secrets(cancel, cancel.decide("cancel"), seen).status_code == 200
    # Our app credentials rejected by LWA
    arn = outputs[Output.LWA_SECRET_ARN]
    good = secrets_client.get_secret_value(SecretId=arn)["SecretString"]
    rejected = open_link(connect_link(world, Region.EU))
    secrets_client.put_secret_value(SecretId=arn, SecretString=json.dumps({**json.loads(good), "client_secret": "x"}))
    try:
        assert _callback_secrets(rejected, rejected.decide(), seen).status_code == 502
    finally:
        secrets_client.put_secret_value(SecretId=arn, SecretString=good)
    # A connect link used by the connected seller is refused (a refusal page after the code exchange)
    again = open_link(connect_link(world, Region.EU))
    assert _callback_secrets(again, again.decide(), seen).status_code == 409
    # The Log-in URI hop, re-authorizing through a re-authorization link
    world.config.login_uri = f"{world.api_url}/oauth/login"
    try:
        renewal = connect_link(world, Region.EU, reauthorize=connection_id_for(seller.selling_partner_id, Region.EU))
        hop = open_link(renewal)
        assert _callback_secrets(hop, hop.decide(), seen).status_code == 200
    finally:
        world.config.login_uri = None

    # Every sync type, on demand, then with the seller's authorization revoked
    cid = connection_id_for(seller.selling_partner_id, Region.EU)
    seen.add(connections(world).get_refresh_token(cid).get_secret_value())
    for entry in SYNC_TYPES:
        function = outputs[f"Sync{entry.title}FunctionName"]
        result = world.stack.runtime.invoke(function, {"sync_type": entry.name, "action": "run", "connection_id": cid})
        assert result.ok, result.payload
    inspector.revoke(seller.selling_partner_id)
    for entry in SYNC_TYPES:
        function = outputs[f"Sync{entry.title}FunctionName"]
        world.stack.runtime.invoke(function, {"sync_type": entry.name, "action": "run", "connection_id": cid})
        world.stack.runtime.invoke(function, {"sync_type": entry.name, "action": "dispatch"})

    # Every token the sandbox issued (refresh tokens of every authorization, access tokens, codes)
    state = world.sandbox.sandbox.state
    seen.update(a.refresh_token for a in state.authorizations.values())
    seen.update(state.access_tokens)
    seen.update(state.auth_codes)
    seen = {value for value in seen if value and len(value) >= 8}

    texts = {path.name: path.read_text() for path in logs.glob("*.log")}
    assert any("OAuth request" in text for text in texts.values()), "the OAuth function's logs were not captured"
    leaks = [(name, value[:6] + "…") for name, text in texts.items() for value in seen if value in text]
    assert not leaks, f"secrets in logs: {leaks}"
