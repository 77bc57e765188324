"""`sellersync sync` (locally: the deployed function's handler in a worker), `status` and `connect-link`."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from shared.models.connection import ConnectionStatus
from shared.oauth.invites import verify_invite
from tests.integration.cli.harness import CliStack, no_secret

pytestmark = pytest.mark.integration


def test_sync_runs_the_function_locally_and_status_shows_the_outcome(stack: CliStack) -> None:
    # Given the authorization sync deployed locally and a connection authorized 100 days ago
    stack.deploy_sync_function("authorization")
    connection_id, token = stack.connect(stack.seller("EU"), authorized_days_ago=100)

    result = stack.run("sync", "authorization", "--connection", connection_id, "--json")

    # Then the handler refreshed the token at the sandbox and recorded the run
    assert result.exit_code == 0, result.output
    outcome = json.loads(result.stdout)
    assert (outcome["connection_id"], outcome["sync_type"], outcome["state"]) == (connection_id, "authorization", "OK")
    assert outcome["counts"] == {"days_until_reauthorization": 264}
    [status] = stack.statuses.list_for_connection(connection_id)
    assert status.counts == {"days_until_reauthorization": 264}

    # And status shows it at a glance, as a table and as JSON
    table = stack.run("status")
    [entry] = stack.json("status", "--connection", connection_id)
    assert table.exit_code == 0
    for text in (connection_id, "ACTIVE", "authorization", "OK", "264"):
        assert text in table.stdout
    assert (entry["status"], entry["days_until_reauthorization"]) == ("ACTIVE", 264)
    assert [(s["sync_type"], s["state"]) for s in entry["syncs"]] == [("authorization", "OK")]
    no_secret(result, token)
    no_secret(table, token)


def test_a_failed_run_exits_1_with_the_outcome(stack: CliStack) -> None:
    stack.deploy_sync_function("authorization")
    seller = stack.seller("EU")
    connection_id, token = stack.connect(seller)
    stack.inspector.revoke(seller.selling_partner_id)

    result = stack.run("sync", "authorization", "--connection", connection_id)

    assert result.exit_code == 1
    assert "ERROR" in result.stdout
    connection = stack.connections.get_connection(connection_id)
    assert connection is not None and connection.status is ConnectionStatus.NEEDS_REAUTHORIZATION
    no_secret(result, token)


def test_sync_refuses_an_unknown_type_or_connection(stack: CliStack) -> None:
    connection_id, _ = stack.connect(stack.seller("EU"))

    unknown_type = stack.run("sync", "teleport", "--connection", connection_id)
    unknown_connection = stack.run("sync", "authorization", "--connection", "eu-nosuchseller")

    assert unknown_type.exit_code == 2
    assert "unknown sync type 'teleport'; registered sync types: authorization" in unknown_type.stderr
    assert unknown_connection.exit_code == 2 and "no connection" in unknown_connection.stderr


def test_status_lists_connections_without_runs_and_their_reauthorization(stack: CliStack) -> None:
    active, _ = stack.connect(stack.seller("EU"), authorized_days_ago=340)
    waiting, _ = stack.connect(stack.seller("NA"), status=ConnectionStatus.NEEDS_REAUTHORIZATION)
    run_at = datetime.now(UTC) - timedelta(minutes=5)
    stack.statuses.record_failure(waiting, "authorization", run_at, "LWA refused the refresh token")

    report = {entry["connection_id"]: entry for entry in stack.json("status")}
    table = stack.run("status")

    assert report[active]["days_until_reauthorization"] == 24 and report[active]["syncs"] == []
    assert report[waiting]["status"] == "NEEDS_REAUTHORIZATION"
    assert report[waiting]["syncs"][0]["last_error"] == "LWA refused the refresh token"
    assert "no sync has run yet" in table.stdout and "NEEDS_REAUTHORIZATION" in table.stdout


def test_connect_link_records_a_verifiable_single_use_invite(stack: CliStack) -> None:
    shown = stack.json("connect-link", "--region", "eu", "--name", "UK shop", "--country", "uk", "--expires-in", "2d")
    text = stack.run("connect-link", "--region", "NA")

    assert shown["url"].startswith("http://127.0.0.1:9/connect?invite=")
    token = shown["url"].split("invite=", 1)[1]
    key = ("k" * 48).encode()
    invite = verify_invite(token, key, datetime.now(UTC))
    assert (invite.invite_id, invite.region.value, invite.name, invite.country) == (
        shown["invite_id"],
        "EU",
        "UK shop",
        "UK",
    )
    assert timedelta(days=2) - timedelta(minutes=1) < invite.expires_at - datetime.now(UTC) <= timedelta(days=2)
    stack.states.check_invite(invite.invite_id)  # recorded and unused
    assert text.exit_code == 0 and "/connect?invite=" in text.stdout and "works once" in text.stdout
    no_secret(text, "k" * 48)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--region", "eu", "--expires-in", "31d"], "30 days"),
        (["--region", "eu", "--expires-in", "soon"], "--expires-in 'soon'"),
        (["--region", "na", "--country", "DE"], "country DE is in region EU"),
    ],
)
def test_connect_link_refuses_bad_input(stack: CliStack, args: list[str], message: str) -> None:
    result = stack.run("connect-link", *args)

    assert result.exit_code == 2
    assert message in result.stderr


def test_connect_link_with_an_unknown_region_is_a_usage_error(stack: CliStack) -> None:
    result = stack.run("connect-link", "--region", "moon")

    assert result.exit_code == 2


def test_connect_link_reauthorize_renews_one_connection_in_its_region(stack: CliStack) -> None:
    connection_id, _ = stack.connect(stack.seller("EU"))

    shown = stack.json("connect-link", "--reauthorize", connection_id, "--expires-in", "1d")
    text = stack.run("connect-link", "--reauthorize", connection_id)

    invite = verify_invite(shown["url"].split("invite=", 1)[1], ("k" * 48).encode(), datetime.now(UTC))
    assert (invite.connection_id, invite.region.value, invite.name) == (connection_id, "EU", None)
    stack.states.check_invite(invite.invite_id)
    assert text.exit_code == 0 and connection_id in text.stdout and "works once" in text.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "give --region"),
        (["--reauthorize", "eu-nosuchseller"], "no connection 'eu-nosuchseller'"),
        (["--reauthorize", "{connection}", "--region", "na"], "is in region EU, not NA"),
    ],
)
def test_connect_link_reauthorize_refuses_what_it_cannot_renew(stack: CliStack, args: list[str], message: str) -> None:
    connection_id, _ = stack.connect(stack.seller("EU"))

    result = stack.run("connect-link", *[arg.format(connection=connection_id) for arg in args])

    assert result.exit_code == 2, result.output
    assert message in result.stderr
