"""`sellersync connections list|show|add` on the embedded AWS, with the local sandbox as Amazon."""

import json
import uuid
from datetime import UTC, datetime

import pytest
from pydantic import SecretStr

from shared.models.connection import ConnectionStatus
from shared.models.settings import ConnectionSettings
from tests.integration.cli.harness import CliStack, no_secret

pytestmark = pytest.mark.integration

UK, DE = "A1F83G8C2ARO7P", "A1PA6795UKMFR9"


def test_list_shows_each_connection_with_country_codes_and_days_to_reauthorize(stack: CliStack) -> None:
    # Given an EU seller authorized 100 days ago and an NA seller authorized 300 days ago
    eu_id, eu_token = stack.connect(stack.seller("EU"), name="UK shop", authorized_days_ago=100)
    na_id, na_token = stack.connect(stack.seller("NA"), name="US shop", authorized_days_ago=300)

    rows = {row["connection_id"]: row for row in stack.json("connections", "list")}
    result = stack.run("connections", "list")

    assert set(rows) == {eu_id, na_id}
    eu = rows[eu_id]
    assert (eu["name"], eu["region"], eu["status"]) == ("UK shop", "EU", "ACTIVE")
    assert sorted(eu["marketplaces"]) == sorted(
        {UK: "UK", DE: "DE"}[m] for m in stack.seller("EU").marketplace_ids if m in (UK, DE)
    )
    assert (eu["days_until_reauthorization"], rows[na_id]["days_until_reauthorization"]) == (264, 64)
    assert result.exit_code == 0
    assert eu_id in result.stdout and "UK shop" in result.stdout and "264" in result.stdout
    no_secret(result, eu_token, na_token)


def test_list_filters_by_status_case_insensitively(stack: CliStack) -> None:
    active, _ = stack.connect(stack.seller("EU"))
    stack.connect(stack.seller("NA"), status=ConnectionStatus.NEEDS_REAUTHORIZATION)

    assert [r["connection_id"] for r in stack.json("connections", "list", "--status", "active")] == [active]
    assert stack.json("connections", "list", "--status", "DISCONNECTED") == []
    bad = stack.run("connections", "list", "--status", "sleeping")
    assert bad.exit_code == 2


def test_show_gives_fields_settings_sync_states_and_subscriptions(stack: CliStack) -> None:
    # Given a connection with a marketplace override, a recorded sync run and a subscription
    connection_id, token = stack.connect(stack.seller("EU"))
    settings = ConnectionSettings(inventory_buffer=2, marketplace_overrides={UK: {"inventory_buffer": 5}})
    stack.connections.put_settings(connection_id, settings, expected_version=1)
    run_at = datetime(2026, 3, 1, 12, tzinfo=UTC)
    stack.statuses.record_success(connection_id, "authorization", run_at, {"days_until_reauthorization": 264}, 120)
    stack.subscriptions.record_subscription(connection_id, "ORDER_CHANGE", "sub-1", "dest-1")

    shown = stack.json("connections", "show", connection_id)
    result = stack.run("connections", "show", connection_id)

    assert shown["connection"]["connection_id"] == connection_id
    assert shown["connection"]["reauthorize_by"] > shown["connection"]["authorized_at"]
    assert shown["settings"]["version"] == 2 and shown["settings"]["settings"]["inventory_buffer"] == 2
    assert shown["settings"]["effective"][UK]["inventory_buffer"] == 5
    assert shown["settings"]["effective"][UK]["overridden"] == ["inventory_buffer"]
    assert shown["settings"]["effective"][DE]["inventory_buffer"] == 2
    [status] = shown["sync_statuses"]
    assert (status["sync_type"], status["state"], status["counts"]) == (
        "authorization",
        "OK",
        {"days_until_reauthorization": 264},
    )
    assert [s["subscription_id"] for s in shown["subscriptions"]] == ["sub-1"]
    assert result.exit_code == 0
    for text in ("Sync states", "authorization", "ORDER_CHANGE", "sub-1", "5*"):
        assert text in result.stdout
    assert "refresh_token" not in result.stdout
    no_secret(result, token)


def test_show_of_an_unknown_connection_is_a_usage_error(stack: CliStack) -> None:
    result = stack.run("connections", "show", "eu-nosuchseller")

    assert result.exit_code == 2
    assert "no connection 'eu-nosuchseller'" in result.stderr


def test_without_a_running_embedded_default_local_is_a_usage_error(stack: CliStack) -> None:
    stack.state_file.unlink()

    result = stack.run("connections", "list")

    assert result.exit_code == 2
    assert "sellersync local up" in result.stderr


def test_add_proves_the_token_reads_the_marketplaces_and_stores_the_connection(stack: CliStack) -> None:
    # Given a private app's refresh token, as Seller Central shows it
    seller = stack.seller("EU")
    token = stack.inspector.authorize(seller.selling_partner_id)

    result = stack.run(
        "connections",
        "add",
        "--seller-id",
        seller.selling_partner_id.lower(),
        "--region",
        "eu",
        "--name",
        "UK shop",
        "--refresh-token-stdin",
        "--json",
        input=f"{token}\n",
    )

    assert result.exit_code == 0, result.output
    connection_id = f"eu-{seller.selling_partner_id.lower()}"
    stored = stack.connections.get_connection(connection_id)
    assert stored is not None and stored.status is ConnectionStatus.ACTIVE and stored.name == "UK shop"
    assert set(stored.marketplace_ids) == set(seller.marketplace_ids)
    assert stack.connections.get_refresh_token(connection_id).get_secret_value() == token
    assert stack.connections.get_versioned_settings(connection_id) == (ConnectionSettings(), 1)
    [event] = stack.events()
    assert (event["detail-type"], event["detail"]["connection_id"]) == ("ConnectionAuthorized", connection_id)
    assert event["detail"]["reauthorized"] is False
    no_secret(result, token)


def test_adding_a_connected_seller_again_reauthorizes_it_and_keeps_its_settings(stack: CliStack) -> None:
    seller = stack.seller("EU")
    connection_id, _ = stack.connect(seller, name="Kept name", status=ConnectionStatus.NEEDS_REAUTHORIZATION)
    stack.connections.put_settings(connection_id, ConnectionSettings(inventory_buffer=4), expected_version=1)
    new_token = stack.inspector.authorize(seller.selling_partner_id)

    added = stack.json(
        "connections",
        "add",
        "--seller-id",
        seller.selling_partner_id,
        "--region",
        "EU",
        "--refresh-token-stdin",
        input=new_token,
    )

    assert added["reauthorized"] is True and added["status"] == "ACTIVE" and added["name"] == "Kept name"
    assert stack.connections.get_settings(connection_id).inventory_buffer == 4
    assert stack.connections.get_refresh_token(connection_id) == SecretStr(new_token)


def test_add_with_a_revoked_token_stores_nothing_and_says_why(stack: CliStack) -> None:
    seller = stack.seller("EU")
    token = stack.inspector.authorize(seller.selling_partner_id)
    stack.inspector.revoke(seller.selling_partner_id)

    result = stack.run(
        "connections",
        "add",
        "--seller-id",
        seller.selling_partner_id,
        "--region",
        "eu",
        "--refresh-token-stdin",
        input=token,
    )

    assert result.exit_code == 2
    assert "LWA refused the refresh token" in result.stderr and "invalid_grant" in result.stderr
    assert stack.connections.list_connections() == []
    no_secret(result, token)


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["--refresh-token-stdin"], "", "no refresh token on stdin"),
        ([], "Atzr|never-read", "--refresh-token-stdin"),
        (["--refresh-token-stdin"], "Atzr|one Atzr|two", "exactly the refresh token"),
    ],
)
def test_add_refuses_a_missing_or_malformed_token_before_calling_amazon(
    stack: CliStack, args: list[str], stdin: str, message: str
) -> None:
    result = stack.run("connections", "add", "--seller-id", "A1B2C3", "--region", "eu", *args, input=stdin)

    assert result.exit_code == 2
    assert message in result.stderr
    assert stack.connections.list_connections() == []
    no_secret(result, "Atzr|never-read", "Atzr|one", "Atzr|two")


def test_add_refuses_a_malformed_seller_id(stack: CliStack) -> None:
    result = stack.run(
        "connections", "add", "--seller-id", "not-a-seller!", "--region", "eu", "--refresh-token-stdin", input="x"
    )

    assert result.exit_code == 2 and "--seller-id" in result.stderr


def test_a_deployed_stack_is_found_by_its_cloudformation_outputs(
    stack: CliStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a stack whose outputs name the tables, and the normal AWS environment pointing at it
    connection_id, _ = stack.connect(stack.seller("EU"))
    name = f"Deployed{uuid.uuid4().hex[:8]}"
    template = {
        "Resources": {"Queue": {"Type": "AWS::SQS::Queue"}},
        "Outputs": {key: {"Value": value} for key, value in stack.outputs.items()},
    }
    stack.aws.client("cloudformation").create_stack(StackName=name, TemplateBody=json.dumps(template))
    for key, value in stack.aws.env().items():
        monkeypatch.setenv(key, value)

    listed = stack.run("connections", "list", "--stack-name", name, "--json", local=False)
    missing = stack.run("connections", "list", "--stack-name", "NoSuchStack", local=False)

    assert listed.exit_code == 0, listed.output
    assert [row["connection_id"] for row in json.loads(listed.stdout)] == [connection_id]
    assert missing.exit_code == 2 and "cannot read stack 'NoSuchStack'" in missing.stderr
