"""`sellersync listings map|unmap|unmapped` against a stack on moto in process (the listings stack, with an inventory
table added): single mappings and CSV files written conditionally (a CSV all-or-nothing), and the two lists of
`unmapped` computed from the stored listings, the inventory state and the map."""

import dataclasses
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

import cli.commands.listings
import cli.commands.sku_maps
import cli.connection_choice
from infra.names import Table
from infra.outputs import table_output_key
from shared.models.inventory import Bucket, SkuState, SourceValue
from shared.repositories.inventory import InventoryRepository
from shared.repositories.sku_map import SkuMapRepository
from tests.dynamodb import create_table
from tests.unit.cli.listings_stack import UK, ListingsStack, listings_stack

AT = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


@dataclasses.dataclass
class MapStack:
    stack: ListingsStack
    sku_map: SkuMapRepository
    inventory: InventoryRepository

    def receive(self, *skus: str) -> None:
        """Inventory state for these (Amazon) SKUs, as the input function would have kept it."""
        source = SourceValue(available=3, as_of=AT, received_at=AT)
        self.inventory.put_bucket(
            self.stack.connection_id, 0, Bucket(skus={s: SkuState(source=source) for s in skus}), 0
        )


@pytest.fixture
def stack(monkeypatch: pytest.MonkeyPatch) -> Iterator[MapStack]:
    with listings_stack(monkeypatch) as running:
        running.add_catalog()
        dynamodb = running.target.client("dynamodb")
        inventory_table = create_table(dynamodb, "inventory")
        outputs = dict(running.target.outputs) | {table_output_key(Table.INVENTORY): inventory_table}
        target = dataclasses.replace(running.target, outputs=outputs)
        monkeypatch.setattr(cli.connection_choice, "resolve_target", lambda local, stack_name: target)
        listings_table = outputs[table_output_key(Table.LISTINGS)]
        yield MapStack(
            running, SkuMapRepository(listings_table, dynamodb), InventoryRepository(inventory_table, dynamodb)
        )


def stored(stack: MapStack) -> list[tuple[str, str]]:
    return stack.sku_map.load(stack.stack.connection_id).items()


def test_map_writes_once_and_reports_the_previous_merchant_sku(stack: MapStack) -> None:
    first = stack.stack.run("listings", "map", "SHIRT-RED", "TSHIRT-RED", "--json")
    again = stack.stack.run("listings", "map", "SHIRT-RED", "TSHIRT-RED", "--json")
    moved = stack.stack.run("listings", "map", "SHIRT-RED", "RED-TEE")

    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout) | {"connection_id": None} == {
        "connection_id": None,
        "amazon_sku": "SHIRT-RED",
        "merchant_sku": "TSHIRT-RED",
        "previous": None,
        "written": True,
        "kept_own": False,
    }
    assert json.loads(again.stdout)["written"] is False
    assert "Amazon SKU SHIRT-RED is fed by merchant SKU RED-TEE (was TSHIRT-RED)" in moved.stdout
    assert stored(stack) == [("SHIRT-RED", "RED-TEE")]


def test_map_to_itself_is_kept_and_unmap_goes_back_to_the_identity(stack: MapStack) -> None:
    stack.stack.run("listings", "map", "MUG", "MUG-01")
    stack.stack.run("listings", "map", "SHIRT-RED", "TSHIRT-RED")

    to_itself = stack.stack.run("listings", "map", "MUG", "MUG")
    unmapped = stack.stack.run("listings", "unmap", "SHIRT-RED", "--json")
    nothing = stack.stack.run("listings", "unmap", "SHIRT-RED")

    assert "Amazon SKU MUG is fed by merchant SKU MUG (was MUG-01)" in to_itself.stdout
    assert json.loads(unmapped.stdout)["removed"] == "TSHIRT-RED"
    assert nothing.exit_code == 0 and "had no mapping" in nothing.stdout
    assert stored(stack) == [("MUG", "MUG")]


def test_mapping_to_a_listed_merchant_sku_keeps_that_listing_fed(stack: MapStack) -> None:
    first = stack.stack.run("listings", "map", "SHIRT-BLUE", "MUG", "--json")
    second = stack.stack.run("listings", "map", "OLD-LAMP", "MUG")
    unlisted = stack.stack.run("listings", "map", "SHIRT-RED", "NOT-LISTED", "--json")

    # MUG is itself a listing: mapped to itself with the first SKU mapped to it, so records of MUG still reach it.
    assert json.loads(first.stdout)["kept_own"] is True
    assert "is a listing too" not in second.stdout
    assert json.loads(unlisted.stdout)["kept_own"] is False
    assert stored(stack) == [("MUG", "MUG"), ("OLD-LAMP", "MUG"), ("SHIRT-BLUE", "MUG"), ("SHIRT-RED", "NOT-LISTED")]


@pytest.mark.parametrize(
    "args",
    [
        ("listings", "map"),
        ("listings", "map", "ONLY-ONE"),
        ("listings", "map", "A", "B", "--csv", "x.csv"),
        ("listings", "map", " LEADING-SPACE", "B"),
    ],
)
def test_map_refuses_unusable_arguments(stack: MapStack, args: tuple[str, ...]) -> None:
    result = stack.stack.run(*args)

    assert result.exit_code == 2, result.output
    assert stored(stack) == []


def test_a_csv_is_written_row_by_row_and_rerunning_it_writes_nothing(stack: MapStack, tmp_path: Path) -> None:
    path = tmp_path / "map.csv"
    path.write_text("amazon_sku,merchant_sku\nSHIRT-RED,TSHIRT-RED\nSHIRT-BLUE,TSHIRT\nMUG,MUG\n\nWIDGET-UK,WIDGET\n")
    stack.stack.run("listings", "map", "MUG", "OLD-MUG")

    first = stack.stack.run("listings", "map", "--csv", str(path), "--json")
    again = stack.stack.run("listings", "map", "--csv", str(path))

    assert first.exit_code == 0, first.output
    report = json.loads(first.stdout)
    assert (report["rows"], report["mapped"], report["unchanged"], report["kept_own"]) == (4, 4, 0, 0)
    assert "4 row(s) for " in again.stdout and "mapped 0, unchanged 4, kept own 0" in again.stdout
    assert stored(stack) == [
        ("MUG", "MUG"),
        ("SHIRT-BLUE", "TSHIRT"),
        ("SHIRT-RED", "TSHIRT-RED"),
        ("WIDGET-UK", "WIDGET"),
    ]


def test_a_csv_mapping_to_a_listed_merchant_sku_keeps_it_fed(stack: MapStack, tmp_path: Path) -> None:
    path = tmp_path / "map.csv"
    path.write_text("amazon_sku,merchant_sku\nSHIRT-RED,OLD-LAMP\nSHIRT-BLUE,OLD-LAMP\nFBA-BOOK,MUG\nMUG,MUG-1\n")

    result = stack.stack.run("listings", "map", "--csv", str(path), "--json")

    assert result.exit_code == 0, result.output
    # OLD-LAMP is listed: kept; MUG is listed but mapped by the file itself (to MUG-1): the file decides.
    assert json.loads(result.stdout)["kept_own"] == 1
    assert ("OLD-LAMP", "OLD-LAMP") in stored(stack) and ("MUG", "MUG-1") in stored(stack)


def test_a_csv_with_any_invalid_row_writes_nothing(stack: MapStack, tmp_path: Path) -> None:
    path = tmp_path / "map.csv"
    path.write_text("merchant_sku,amazon_sku\nTSHIRT,SHIRT-RED\nTEE,SHIRT-RED\n,MUG\nX,SHIRT-BLUE,extra\nOK,FINE\n")

    result = stack.stack.run("listings", "map", "--csv", str(path), "--json")

    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert [(r["row"], r["amazon_sku"]) for r in report["invalid_rows"]] == [
        (3, "SHIRT-RED"),
        (4, "MUG"),
        (5, "SHIRT-BLUE"),
    ]
    assert "line 2 already" in report["invalid_rows"][0]["reason"]
    assert "merchant_sku ''" in report["invalid_rows"][1]["reason"]
    assert "mapped" not in report
    assert stored(stack) == []


def test_a_csv_with_another_header_is_refused(stack: MapStack, tmp_path: Path) -> None:
    path = tmp_path / "map.csv"
    path.write_text("sku,available\nMUG,3\n")

    result = stack.stack.run("listings", "map", "--csv", str(path))

    assert result.exit_code == 2
    assert "amazon_sku,merchant_sku" in result.output


def test_unmapped_lists_skus_without_a_source_and_merchant_skus_without_a_listing(stack: MapStack) -> None:
    # SHIRT-RED is fed by TSHIRT-RED (its state kept under SHIRT-RED); OLD-LAMP is mapped to a SKU never sent.
    stack.stack.run("listings", "map", "SHIRT-RED", "TSHIRT-RED")
    stack.stack.run("listings", "map", "OLD-LAMP", "LAMP-2")
    stack.receive("SHIRT-RED", "MUG", "GHOST")

    result = stack.stack.run("listings", "unmapped", "--json")
    table = stack.stack.run("listings", "unmapped", "--marketplace", "DE")

    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    # Parents (SHIRT) and Amazon-fulfilled listings (FBA-BOOK) need no source; DE's SHIRT-RED and MUG have one.
    assert [
        (r["marketplace_id"], r["amazon_sku"], r["merchant_sku"], r["mapped"])
        for r in report["amazon_skus_without_source"]
    ] == [
        (UK, "OLD-LAMP", "LAMP-2", True),
        (UK, "SHIRT-BLUE", "SHIRT-BLUE", False),
    ]
    assert report["merchant_skus_without_listing"] == [{"merchant_sku": "GHOST", "amazon_skus": ["GHOST"]}]
    assert table.exit_code == 0, table.output
    assert "0 Amazon SKU(s) without a source, 1 merchant SKU(s) without a listing" in table.stdout


def test_unmapped_names_a_listing_no_merchant_sku_feeds(stack: MapStack) -> None:
    # Written directly (the command would have kept MUG fed): SKUs mapped to MUG, MUG itself not mapped.
    stack.sku_map.put(stack.stack.connection_id, "SHIRT-RED", "MUG", AT)

    result = stack.stack.run("listings", "unmapped", "--marketplace", "DE", "--json")
    table = stack.stack.run("listings", "unmapped", "--marketplace", "DE")

    report = json.loads(result.stdout)
    assert [(r["amazon_sku"], r["merchant_sku"]) for r in report["amazon_skus_without_source"]] == [
        ("MUG", None),
        ("SHIRT-RED", "MUG"),
    ]
    assert table.exit_code == 0, table.output
    assert "none (SKUs are" in table.stdout
    # With SKUs already mapped to its unmapped name, MUG is not fed now: a further mapping leaves it so.
    further = stack.stack.run("listings", "map", "OLD-LAMP", "MUG", "--json")
    assert json.loads(further.stdout)["kept_own"] is False
    assert ("MUG", "MUG") not in stored(stack)


def test_mappings_lists_the_map_and_filters_by_merchant_sku(stack: MapStack) -> None:
    stack.stack.run("listings", "map", "SHIRT-RED", "TSHIRT")
    stack.stack.run("listings", "map", "SHIRT-BLUE", "TSHIRT")
    stack.stack.run("listings", "map", "MUG", "MUG")

    everything = stack.stack.run("listings", "mappings", "--json")
    tshirt = stack.stack.run("listings", "mappings", "--merchant-sku", "TSHIRT", "--json")
    shown = stack.stack.run("listings", "mappings")

    assert everything.exit_code == 0, everything.output
    pairs = [(m["amazon_sku"], m["merchant_sku"]) for m in json.loads(everything.stdout)["mappings"]]
    assert pairs == [("MUG", "MUG"), ("SHIRT-BLUE", "TSHIRT"), ("SHIRT-RED", "TSHIRT")]
    assert [m["amazon_sku"] for m in json.loads(tshirt.stdout)["mappings"]] == ["SHIRT-BLUE", "SHIRT-RED"]
    assert "MUG (itself)" in shown.stdout and "3 mapping(s)" in shown.stdout
