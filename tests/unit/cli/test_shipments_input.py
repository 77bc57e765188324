"""The shipments CSV and --item parsing: rows grouped into packages, every refusal with its lines and reason."""

import io

import pytest

from cli.errors import UsageError
from cli.shipments_input import CsvFormatError, parse_csv, parse_items, shipment

HEADER = "connection_id,order_id,reference,carrier,tracking_number,service,ship_date,sku,quantity\n"
ORDER = "111-1111111-1111111"


def _csv(*rows: str, header: str = HEADER) -> io.StringIO:
    return io.StringIO(header + "".join(row + "\n" for row in rows))


def test_rows_of_one_reference_become_one_package_with_its_lines() -> None:
    parsed = parse_csv(
        _csv(
            f"eu-a1,{ORDER},PKG-1,Royal Mail 24,RM1,,2026-12-07T10:00:00Z,SKU-A,2",
            f"eu-a1,{ORDER},PKG-1,Royal Mail 24,RM1,,2026-12-07T10:00:00Z,SKU-B,1",
            f"eu-a1,{ORDER},PKG-2,ups,1Z9,,,SKU-C,1",
        )
    )
    assert parsed.rows == 3 and not parsed.invalid
    first, second = parsed.packages
    assert (first.reference, [(i.sku, i.quantity) for i in first.items]) == ("PKG-1", [("SKU-A", 2), ("SKU-B", 1)])
    assert first.carrier == "Royal Mail 24" and first.ship_date is not None
    assert (second.reference, second.carrier, second.ship_date) == ("PKG-2", "ups", None)


def test_a_package_whose_rows_disagree_is_refused_with_its_lines() -> None:
    parsed = parse_csv(
        _csv(
            f"eu-a1,{ORDER},PKG-1,UPS,T1,,,SKU-A,1",
            f"eu-a1,{ORDER},PKG-1,UPS,T2,,,SKU-B,1",
            f"eu-a1,{ORDER},PKG-2,UPS,T3,,,SKU-C,1",
        )
    )
    assert [p.reference for p in parsed.packages] == ["PKG-2"]
    (invalid,) = parsed.invalid
    assert invalid.lines == (2, 3) and "tracking_number" in invalid.reason


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (f"eu-a1,{ORDER},PKG-1,UPS,T1,,,SKU-A,two", "not a whole number"),
        ("eu-a1,not-an-order,PKG-1,UPS,T1,,,SKU-A,1", "orderId"),
        (f"eu-a1,{ORDER},PKG-1,UPS,T1,,yesterday,SKU-A,1", "shipDate"),
        (f"eu-a1,{ORDER},PKG-1,UPS,T1,,,,3", "needs a sku"),
    ],
)
def test_a_bad_row_is_refused_with_its_reason(row: str, reason: str) -> None:
    parsed = parse_csv(_csv(row))
    assert not parsed.packages
    assert reason in parsed.invalid[0].reason


def test_a_package_without_items_ships_every_unshipped_unit() -> None:
    parsed = parse_csv(_csv(f"eu-a1,{ORDER},PKG-1,UPS,T1,,,,"))
    assert parsed.packages[0].items == []


def test_a_file_without_the_package_columns_is_refused_whole() -> None:
    with pytest.raises(CsvFormatError, match="tracking_number"):
        parse_csv(_csv("x", header="connection_id,order_id,reference,carrier\n"))


def test_item_options() -> None:
    assert parse_items(["SKU-A=2", "id:12345678901234=1", "A=B=3"]) == [
        {"sku": "SKU-A", "quantity": 2},
        {"orderItemId": "12345678901234", "quantity": 1},
        {"sku": "A=B", "quantity": 3},
    ]
    with pytest.raises(UsageError, match="SKU=QTY"):
        parse_items(["SKU-A"])


def test_shipment_reports_the_first_problem_in_one_line() -> None:
    problem = shipment({"connectionId": "eu-a1", "orderId": ORDER, "reference": "R", "carrier": "UPS"})
    assert isinstance(problem, str) and "trackingNumber" in problem
