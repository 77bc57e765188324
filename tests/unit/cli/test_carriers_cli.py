"""`sellersync carriers check`: the built-in rules, an alias map file, and a stored connection's alias map (moto's
in-process DynamoDB and KMS behind a stack target, as `--stack-name` would find it)."""

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from pydantic import SecretStr
from typer.testing import CliRunner, Result

import cli.target
from cli.main import app
from cli.target import Target
from infra.names import Table
from infra.outputs import Output, table_output_key
from shared.models.connection import Connection
from shared.models.settings import ConnectionSettings
from shared.repositories.connections import ConnectionsRepository
from shared.repositories.encryption import KmsEncryptor
from shared.spapi.marketplaces import Region
from tests.dynamodb import create_table
from tests.moto_inprocess import in_process_aws

UK, DE = "A1F83G8C2ARO7P", "A1PA6795UKMFR9"
T0 = datetime(2026, 11, 1, tzinfo=UTC)


def run(*args: str) -> Result:
    return CliRunner().invoke(app, ["carriers", "check", *args])


def run_json(*args: str) -> dict[str, Any]:
    result = run(*args, "--json")
    assert result.exit_code == 0, result.output
    answer: dict[str, Any] = json.loads(result.stdout)
    return answer


def test_a_warehouse_spelling_shows_amazons_code_and_the_rule() -> None:
    assert run_json("UPS Ground", "--marketplace", "US") | {"because": ""} == {
        "name": "UPS Ground",
        "marketplace_id": "ATVPDKIKX0DER",
        "country": "US",
        "carrier_code": "UPS",
        "carrier_name": None,
        "rule": "builtin",
        "because": "",
        "alias_map_source": None,
        "alias_map_entries": 0,
    }


def test_the_marketplace_changes_what_a_name_means_and_takes_an_id_or_a_country() -> None:
    assert run_json("Hermes", "--marketplace", "UK")["carrier_code"] == "Hermes UK"
    assert run_json("Hermes", "--marketplace", "gb")["carrier_code"] == "Hermes UK"
    assert run_json("Hermes", "--marketplace", DE)["carrier_code"] == "Hermes"
    assert run_json("Hermes")["country"] == "US"  # no connection: the default marketplace


def test_the_table_shows_code_name_and_rule_with_the_name_escaped() -> None:
    result = run("Local [b]Van[/b]", "--marketplace", "UK")

    assert result.exit_code == 0
    assert "carrierCode │ Other" in result.stdout
    assert "carrierName │ Local [b]Van[/b]" in result.stdout
    assert "other: no accepted CarrierCode" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["   "], "at least one visible character"),
        (["UPS", "--marketplace", "ZZ"], "unknown marketplace 'ZZ'"),
        (["UPS", "--connection", "eu-x", "--alias-map", "a.json"], "not both"),
    ],
)
def test_unusable_input_exits_2_with_the_reason(args: list[str], message: str) -> None:
    result = run(*args)

    assert result.exit_code == 2
    assert message in result.stderr


def test_an_alias_map_file_comes_before_the_builtin_rules(tmp_path: Path) -> None:
    path = tmp_path / "aliases.json"
    path.write_text(json.dumps({"UPS Ground": "FedEx", "Van Co": "Speedy Vans"}), encoding="utf-8")

    ground = run_json("ups ground", "--alias-map", str(path), "--marketplace", "US")
    van = run_json("Van Co", "--alias-map", str(path), "--marketplace", "UK")

    assert (ground["carrier_code"], ground["rule"], ground["alias_map_source"]) == ("FedEx", "alias_map", str(path))
    assert (van["carrier_code"], van["carrier_name"], van["alias_map_entries"]) == ("Other", "Speedy Vans", 2)


@pytest.mark.parametrize(
    ("content", "message"),
    [("[1, 2]", "must hold a JSON object"), ("{", "not a readable JSON file"), ('{"": "UPS"}', "carrier_alias_map")],
)
def test_a_bad_alias_map_file_exits_2(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "aliases.json"
    path.write_text(content, encoding="utf-8")

    result = run("UPS", "--alias-map", str(path))

    assert result.exit_code == 2
    assert message in result.stderr


@pytest.fixture
def stack(monkeypatch: pytest.MonkeyPatch) -> Iterator[ConnectionsRepository]:
    """A stack target on moto's in-process DynamoDB and KMS (fake credentials), found by `--stack-name`."""
    with in_process_aws():
        session = boto3.session.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name="eu-west-1"
        )
        table = create_table(session.client("dynamodb"), "connections", gsi1=True)
        key = session.client("kms").create_key()["KeyMetadata"]["Arn"]
        outputs = {table_output_key(Table.CONNECTIONS): table, Output.KMS_KEY_ARN.value: key}
        target = Target("SellerSync", outputs, session)
        monkeypatch.setattr(cli.target, "resolve_target", lambda local, stack_name: target)
        yield ConnectionsRepository(table, session.client("dynamodb"), KmsEncryptor(key, session.client("kms")))


def connect(repo: ConnectionsRepository, alias_map: dict[str, str]) -> str:
    connection = Connection(
        selling_partner_id="A1B2C3D4E5",
        region=Region.EU,
        name="UK shop",
        marketplace_ids=(UK, DE),
        authorized_at=T0,
        created_at=T0,
        updated_at=T0,
    )
    repo.put_connection(connection, SecretStr("Atzr|not-a-real-token"))
    version = repo.get_versioned_settings(connection.connection_id)[1]
    repo.put_settings(connection.connection_id, ConnectionSettings(carrier_alias_map=alias_map), version)
    return connection.connection_id


def test_a_connections_alias_map_is_read_from_the_stack(stack: ConnectionsRepository) -> None:
    connection_id = connect(stack, {"Speedy": "DPD", "Hermes": "Hermes"})

    speedy = run_json("SPEEDY", "--connection", connection_id)
    hermes = run_json("Hermes", "--connection", connection_id, "--marketplace", "UK")

    # no --marketplace: the connection's first marketplace (ids sorted: UK A1F8... before DE A1PA...)
    assert (speedy["carrier_code"], speedy["rule"], speedy["country"]) == ("DPD", "alias_map", "UK")
    assert speedy["alias_map_source"] == f"carrier_alias_map of {connection_id}"
    assert (hermes["carrier_code"], hermes["rule"]) == ("Hermes", "alias_map")  # the map beats the UK alias


def test_an_unknown_connection_exits_2(stack: ConnectionsRepository) -> None:
    result = run("UPS", "--connection", "eu-nobody")

    assert result.exit_code == 2
    assert "eu-nobody" in result.stderr
