"""`sellersync audit` against a stack on moto in process: records written with AuditRepository are listed newest
first with their request ids and answers, filtered by --sku / --order / --since, and as JSON; --since parses."""

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from pydantic import SecretStr
from typer.testing import CliRunner, Result

import cli.commands.audit
from cli.commands.audit import SinceError, parse_since
from cli.main import app
from cli.target import Target
from infra.names import Table
from infra.outputs import Output, table_output_key
from shared.models.audit import AuditAnswer, AuditEntry, AuditKind, AuditRecord, secret_rotation
from shared.models.connection import Connection
from shared.repositories.audit import AuditRepository
from shared.repositories.connections import ConnectionsRepository
from shared.repositories.encryption import KmsEncryptor
from shared.spapi.marketplaces import Region
from tests.dynamodb import create_table
from tests.moto_inprocess import in_process_aws

UK = "A1F83G8C2ARO7P"
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def rows(output: str) -> list[list[str]]:
    """The table's body rows, their cells stripped (rich draws the header with other lines)."""
    return [[c.strip() for c in line.split("│")[1:-1]] for line in output.splitlines() if "│" in line]


@pytest.fixture
def stack(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, AuditRepository]]:
    """One stored connection and an audit table holding a feed (two SKUs, answered), a rejected patch and a shipment."""
    with in_process_aws():
        session = boto3.session.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name="eu-west-1"
        )
        dynamodb, kms = session.client("dynamodb"), session.client("kms")
        tables = {Table.CONNECTIONS: create_table(dynamodb, "connections", gsi1=True)}
        tables[Table.AUDIT] = create_table(dynamodb, "audit", ttl="expires_at")
        key = kms.create_key()["KeyMetadata"]["Arn"]
        outputs = {table_output_key(t): name for t, name in tables.items()} | {Output.KMS_KEY_ARN.value: key}
        target = Target("SellerSync", outputs, session)
        monkeypatch.setattr(cli.commands.audit, "resolve_target", lambda local, stack_name: target)
        monkeypatch.setattr(cli.commands.audit, "utc_now", lambda: NOW)
        connection = Connection(
            selling_partner_id="A1B2C3D4E5",
            region=Region.EU,
            name="EU shop",
            marketplace_ids=(UK,),
            authorized_at=T0,
            created_at=T0,
            updated_at=T0,
        )
        ConnectionsRepository(tables[Table.CONNECTIONS], dynamodb, KmsEncryptor(key, kms)).put_connection(
            connection, SecretStr("Atzr|not-a-real-token")
        )
        repo = AuditRepository(tables[Table.AUDIT], dynamodb)
        cid = connection.connection_id
        common = {"connection_id": cid, "marketplace_id": UK}
        repo.record(
            AuditRecord(
                **common,
                kind=AuditKind.FEED,
                ref="50001",
                at=T0,
                operation="createFeed",
                outcome="SUBMITTED",
                request_id="req-feed",
                entries=(
                    AuditEntry(sku="MUG", sent="rev=3 quantity=5"),
                    AuditEntry(sku="LAMP", sent="rev=1 quantity=0"),
                ),
            )
        )
        repo.answer(
            AuditAnswer(
                connection_id=cid,
                kind=AuditKind.FEED,
                ref="50001",
                at=T0,
                outcome="DONE",
                answered_at=T0 + timedelta(minutes=4),
                counts={"accepted": 1},
                results={"LAMP": "REJECTED 8541: no"},
            )
        )
        repo.record(
            AuditRecord(
                **common,
                kind=AuditKind.PATCH,
                ref=f"{UK}#MUG#4",
                at=NOW - timedelta(hours=1),
                operation="patchListingsItem",
                outcome="REJECTED",
                request_id="req-patch",
                message="90220: brand required",
                entries=(AuditEntry(sku="MUG", sent="rev=4 quantity=0"),),
            )
        )
        repo.record(
            AuditRecord(
                **common,
                kind=AuditKind.SHIPMENT,
                ref="206-1#p1",
                at=NOW - timedelta(hours=2),
                operation="confirmShipment",
                outcome="SENT",
                request_id="req-ship",
                entries=(AuditEntry(order_id="206-1", sent="carrier=UPS tracking=1Z"),),
            )
        )
        yield cid, repo


def run(*args: str) -> Result:
    return CliRunner().invoke(app, ["audit", *args])


def test_the_table_lists_every_send_newest_first_with_request_id_and_answer(stack: tuple[str, AuditRepository]) -> None:
    result = run("--since", "2026-11-30T00:00Z")

    assert result.exit_code == 0, result.output
    body = rows(result.stdout)
    assert "request id" in result.stdout
    assert [(r[1], r[3], r[4]) for r in body] == [
        ("patch", "req-patch", "REJECTED"),
        ("shipment", "req-ship", "SENT"),
        ("feed", "req-feed", "DONE"),
    ]
    assert body[2][2] == "MUG, LAMP" and body[2][6] == "accepted 1"
    assert "3 send(s)" in result.stdout


def test_since_sku_and_order_narrow_the_list(stack: tuple[str, AuditRepository]) -> None:
    recent = run("--since", "6h")
    lamp = run("--since", "30d", "--sku", "LAMP")
    order = run("--since", "30d", "--order", "206-1")

    assert [r[1] for r in rows(recent.stdout)] == ["patch", "shipment"]
    [feed] = rows(lamp.stdout)
    assert feed[1:3] == ["feed", "LAMP"] and feed[5] == "rev=1 quantity=0" and feed[6] == "REJECTED 8541: no"
    assert [r[2] for r in rows(order.stdout)] == ["206-1"]


def test_json_gives_the_records_whole(stack: tuple[str, AuditRepository]) -> None:
    result = run("--since", "30d", "--sku", "MUG", "--json")

    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    assert [(r["kind"], r["request_id"]) for r in found] == [("patch", "req-patch"), ("feed", "req-feed")]
    assert found[1]["results"] == {"LAMP": "REJECTED 8541: no"}
    assert found[1]["entries"][0] == {"sku": "MUG", "order_id": None, "sent": "rev=3 quantity=5"}


def test_a_bad_since_exits_2(stack: tuple[str, AuditRepository]) -> None:
    result = run("--since", "yesterday")

    assert result.exit_code == 2
    assert "--since 'yesterday'" in result.output


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2d", NOW - timedelta(days=2)),
        ("6h", NOW - timedelta(hours=6)),
        ("30m", NOW - timedelta(minutes=30)),
        ("2026-12-01T09:00Z", T0),
        ("2026-12-01T09:00", T0),
        ("2026-12-01T10:00+01:00", T0),
    ],
)
def test_parse_since(value: str, expected: datetime) -> None:
    assert parse_since(value, NOW) == expected


@pytest.mark.parametrize("value", ["2w", "d2", "", "soon"])
def test_parse_since_refuses_what_is_neither(value: str) -> None:
    with pytest.raises(SinceError):
        parse_since(value, NOW)


def test_the_application_lists_the_secret_rotations_without_a_connection(stack: tuple[str, AuditRepository]) -> None:
    _, repo = stack
    repo.record(secret_rotation(NOW - timedelta(hours=3), "v-2", "ROTATED", request_id="req-rotate"))

    result = run("--connection", "application", "--since", "1d", "--json")

    assert result.exit_code == 0, result.output
    [found] = json.loads(result.stdout)
    assert (found["kind"], found["ref"], found["request_id"], found["connection_id"]) == (
        "secret_rotation",
        "v-2",
        "req-rotate",
        "application",
    )
    assert found["entries"][0]["sent"] == "secret version v-2: new secret version stored"
