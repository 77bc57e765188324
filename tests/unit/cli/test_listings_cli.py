"""`sellersync listings list|show` and the catalog part of `sellersync status` against a stack on moto in process:
listings written with ListingsRepository are listed per marketplace with families as trees, filtered as asked, shown
one SKU at a time with its family and issues; unknown SKUs, connections and marketplaces exit 2."""

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from cli.listings_views import TITLE_WIDTH
from infra.names import Table
from infra.outputs import table_output_key
from shared.catalog import SYNC_TYPE
from shared.models.listings import CatalogSyncState
from shared.repositories.sync_status import SyncStatusRepository
from tests.unit.cli.listings_stack import DE, LONG_TITLE, UK, ListingsStack, listings_stack
from tests.unit.cli.test_cli_imports import HEAVY, imported_by


@pytest.fixture
def stack(monkeypatch: pytest.MonkeyPatch) -> Iterator[ListingsStack]:
    with listings_stack(monkeypatch) as running:
        running.add_catalog()
        yield running


def rows(output: str) -> list[str]:
    """The table rows of the output (lines with cells), their cells stripped and joined by '|'."""
    return ["|".join(c.strip() for c in line.split("│")[1:-1]) for line in output.splitlines() if "│" in line]


def skus(output: str) -> list[str]:
    """The SKU column of every table row but the header."""
    return [row.split("|")[0] for row in rows(output) if not row.startswith("sku|")]


def test_list_shows_each_marketplace_with_the_family_as_a_tree(stack: ListingsStack) -> None:
    result = stack.run("listings", "list")

    assert result.exit_code == 0, result.output
    # UK in SKU order (FBA-BOOK, MUG, OLD-LAMP, SHIRT, SHIRT-BLUE, SHIRT-RED), the children moved under their parent.
    assert skus(result.stdout) == [
        "FBA-BOOK",
        "MUG",
        "OLD-LAMP",
        "SHIRT (parent)",
        "├─ SHIRT-BLUE",
        "└─ SHIRT-RED",
        "MUG",
        "SHIRT-RED (child of SHIRT)",  # DE: no parent stored there, the child stands alone naming its parent
    ]
    assert "Listings of " + stack.connection_id + " in UK (A1F83G8C2ARO7P)" in result.stdout
    assert "in DE (A1PA6795UKMFR9)" in result.stdout
    assert "8 listing(s): UK 6, DE 2" in result.stdout


def test_list_cells_show_channel_offer_handling_and_a_shortened_title(stack: ListingsStack) -> None:
    result = stack.run("listings", "list", "--marketplace", "UK")

    assert result.exit_code == 0, result.output
    by_sku = {row.split("|")[0].lstrip("├└─ "): row.split("|") for row in rows(result.stdout)}
    red = by_sku["SHIRT-RED"]
    assert red[1:4] == ["B000000RED", LONG_TITLE[: TITLE_WIDTH - 1] + "…", "BUYABLE"]
    assert red[4:10] == ["merchant", "5", "5", "12.50 GBP", "2 d", "2026-12-01 10:30:00 UTC"]
    # The starting quantity: Amazon's for a merchant-fulfilled offer; an Amazon-fulfilled one is never pushed stock.
    assert by_sku["FBA-BOOK"][4:7] == ["amazon", "40", "never"]
    assert by_sku["SHIRT (parent)"][5:9] == ["-", "-", "-", "-"]  # a parent has no offer
    assert "6 listing(s): UK 6" in result.stdout


def test_list_json_gives_the_listing_models(stack: ListingsStack) -> None:
    result = stack.run("listings", "list", "--json")

    assert result.exit_code == 0, result.output
    listed = json.loads(result.stdout)
    assert [(item["marketplace_id"], item["sku"]) for item in listed] == [
        (UK, "FBA-BOOK"),
        (UK, "MUG"),
        (UK, "OLD-LAMP"),
        (UK, "SHIRT"),
        (UK, "SHIRT-BLUE"),
        (UK, "SHIRT-RED"),
        (DE, "MUG"),
        (DE, "SHIRT-RED"),
    ]
    stored = stack.listings.get(stack.connection_id, UK, "SHIRT-BLUE")
    assert stored is not None
    assert listed[4] == stored.model_dump(mode="json")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--status", "inactive"], [(UK, "OLD-LAMP")]),
        (["--status", "DISCOVERABLE", "--marketplace", "UK"], [(UK, "SHIRT-BLUE")]),
        (["--marketplace", DE], [(DE, "MUG"), (DE, "SHIRT-RED")]),
        (
            ["--marketplace", "gb"],
            [(UK, s) for s in ("FBA-BOOK", "MUG", "OLD-LAMP", "SHIRT", "SHIRT-BLUE", "SHIRT-RED")],
        ),
        (["--family", "SHIRT"], [(UK, "SHIRT"), (UK, "SHIRT-BLUE"), (UK, "SHIRT-RED"), (DE, "SHIRT-RED")]),
        (["--family", "SHIRT", "--status", "BUYABLE"], [(UK, "SHIRT"), (UK, "SHIRT-RED"), (DE, "SHIRT-RED")]),
        (["--limit", "3"], [(UK, "FBA-BOOK"), (UK, "MUG"), (UK, "OLD-LAMP")]),
        (
            ["--limit", "7"],
            [(UK, s) for s in ("FBA-BOOK", "MUG", "OLD-LAMP", "SHIRT", "SHIRT-BLUE", "SHIRT-RED")] + [(DE, "MUG")],
        ),
    ],
)
def test_list_filters(stack: ListingsStack, args: list[str], expected: list[tuple[str, str]]) -> None:
    result = stack.run("listings", "list", *args, "--json")

    assert result.exit_code == 0, result.output
    assert [(item["marketplace_id"], item["sku"]) for item in json.loads(result.stdout)] == expected


def test_list_family_is_drawn_as_its_tree_and_a_limit_is_said(stack: ListingsStack) -> None:
    result = stack.run("listings", "list", "--family", "SHIRT", "--limit", "3")

    assert result.exit_code == 0, result.output
    assert skus(result.stdout) == ["SHIRT (parent)", "├─ SHIRT-BLUE", "└─ SHIRT-RED"]
    assert "3 listing(s): UK 3, DE 0 (the first 3; --limit shows more)" in result.stdout


def test_show_prints_every_field_the_issues_and_the_family(stack: ListingsStack) -> None:
    result = stack.run("listings", "show", "SHIRT-BLUE")

    assert result.exit_code == 0, result.output
    fields = dict(row.split("|", 1) for row in rows(result.stdout) if row.count("|") == 1)
    assert fields["marketplace"] == f"UK ({UK})"
    assert (fields["status"], fields["fulfillment channel"], fields["price"]) == (
        "DISCOVERABLE",
        "MERCHANT",
        "12.50 GBP",
    )
    assert (fields["parent sku"], fields["variation theme"], fields["handling days"]) == ("SHIRT", "COLOR", "2")
    assert fields["starting quantity"] == fields["quantity"]
    assert fields["family"] == "child of SHIRT; siblings: SHIRT-RED"
    assert "ERROR|90220|'brand' is required but not supplied." in rows(result.stdout)


def test_show_gives_one_listing_per_marketplace_it_is_in(stack: ListingsStack) -> None:
    result = stack.run("listings", "show", "SHIRT-RED", "--json")

    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    prices = [(s["listing"]["marketplace_id"], Decimal(s["listing"]["price"])) for s in shown]
    assert prices == [(UK, Decimal("12.5")), (DE, Decimal("14"))]
    assert shown[0]["family"] == {
        "parent": "SHIRT",
        "parent_stored": True,
        "siblings": ["SHIRT-BLUE"],
        "children": [],
        "more": False,
    }
    assert shown[1]["family"]["parent_stored"] is False


def test_show_of_a_parent_names_its_children(stack: ListingsStack) -> None:
    result = stack.run("listings", "show", "SHIRT", "--marketplace", "UK", "--json")

    assert result.exit_code == 0, result.output
    (shown,) = json.loads(result.stdout)
    assert shown["family"]["children"] == ["SHIRT-BLUE", "SHIRT-RED"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["show", "shirt-red"], "no listing 'shirt-red' of"),  # SKUs are case-sensitive
        (["show", "OLD-LAMP", "--marketplace", "DE"], "no listing 'OLD-LAMP' of"),
        (["list", "--connection", "eu-nobody"], "eu-nobody"),
        (["show", "MUG", "--connection", "eu-nobody"], "eu-nobody"),
        (["list", "--marketplace", "FR"], "does not sell in FR"),
        (["list", "--marketplace", "XX"], "unknown marketplace 'XX'"),
    ],
)
def test_what_is_not_there_exits_2_with_a_clear_message(stack: ListingsStack, args: list[str], message: str) -> None:
    result = stack.run("listings", *args)

    assert result.exit_code == 2, result.output
    assert message in " ".join(result.stderr.split())


def test_status_shows_the_catalog_sync_and_each_marketplaces_catalog(stack: ListingsStack) -> None:
    now = datetime(2026, 12, 7, 3, 15, tzinfo=UTC)
    statuses = SyncStatusRepository(
        stack.target.output(table_output_key(Table.CONNECTIONS)), stack.target.client("dynamodb")
    )
    assert statuses.record_success(stack.connection_id, SYNC_TYPE, now, {"rows": 6, "added": 6}, 1200)
    state = CatalogSyncState(connection_id=stack.connection_id, marketplace_id=UK)
    counts = {"rows": 7, "added": 2, "changed": 1, "unchanged": 3, "garbled": 1}
    stack.listings.save_sync_state(state.model_copy(update={"last_report_at": now, "counts": counts}))
    pending = CatalogSyncState(connection_id=stack.connection_id, marketplace_id=DE, report_id="R1")
    stack.listings.save_sync_state(pending.model_copy(update={"report_requested_at": now}))

    result = stack.run("status", "--json")

    assert result.exit_code == 0, result.output
    (entry,) = json.loads(result.stdout)
    assert [s["sync_type"] for s in entry["syncs"]] == ["catalog"]
    assert entry["catalog"] == [
        {
            "marketplace_id": UK,
            "country": "UK",
            "listings": 6,
            "report_rows": 7,
            "last_report_at": now.isoformat(),
            "report_pending_since": None,
        },
        {
            "marketplace_id": DE,
            "country": "DE",
            "listings": None,
            "report_rows": None,
            "last_report_at": None,
            "report_pending_since": now.isoformat(),
        },
    ]
    table = stack.run("status")
    assert table.exit_code == 0, table.output
    assert any(row.startswith(f"{stack.connection_id}|UK ({UK})|6|7|") for row in rows(table.stdout))


def test_status_of_a_stack_without_the_listings_table_shows_no_catalog(monkeypatch: pytest.MonkeyPatch) -> None:
    with listings_stack(monkeypatch, with_listings_table=False) as bare:
        result = bare.run("status", "--json")

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)[0]["catalog"] == []


def test_the_listings_commands_import_no_cdk_moto_or_powertools() -> None:
    assert imported_by("import cli.commands.listings").isdisjoint(HEAVY)


def test_an_empty_catalog_says_where_listings_come_from(monkeypatch: pytest.MonkeyPatch) -> None:
    with listings_stack(monkeypatch) as empty:
        result = empty.run("listings", "list")

    assert result.exit_code == 0, result.output
    assert "0 listing(s): UK 0, DE 0 (the catalog sync imports them: sellersync sync catalog" in result.stdout


def test_a_broken_catalog_state_is_reported_and_the_rest_of_the_status_still_shown(stack: ListingsStack) -> None:
    state = CatalogSyncState(connection_id=stack.connection_id, marketplace_id=UK)
    stack.listings.save_sync_state(state.model_copy(update={"last_report_at": datetime(2026, 12, 7, tzinfo=UTC)}))
    table = stack.target.output(table_output_key(Table.LISTINGS))
    key = {"pk": {"S": f"LISTINGS#{stack.connection_id}#{UK}"}, "sk": {"S": "STATE"}}
    stack.target.client("dynamodb").update_item(
        TableName=table,
        Key=key,
        UpdateExpression="SET last_report_at = :bad",
        ExpressionAttributeValues={":bad": {"S": "yesterday"}},
    )

    result = stack.run("status", "--json")

    assert result.exit_code == 0, result.output
    (entry,) = json.loads(result.stdout)
    assert entry["catalog"] == [] and entry["catalog_error"].startswith("invalid catalog sync state")
    assert entry["status"] == "ACTIVE"
