"""`sellersync shipments confirm|import` against a stack on moto in process: a package is checked against the stored
order before anything is queued, refusals exit 1 with the reason and queue nothing, and `--wait` shows the answer the
shipments function recorded (played here by process_shipment on a fake Amazon)."""

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from shared.models.shipments import PackageRecord, PackageState, ShipmentCreated
from shared.shipments.carriers import coerce_carrier
from shared.shipments.validation import validate_shipment
from shared.spapi.errors import InvalidInputError
from tests.unit.cli.shipments_stack import ORDER, UK, ShipStack, shipments_function, shipments_stack
from tests.unit.shipments.world import FakeAmazon

OTHER_ORDER = "026-1000002-0000002"


@pytest.fixture
def stack(monkeypatch: pytest.MonkeyPatch) -> Iterator[ShipStack]:
    with shipments_stack(monkeypatch) as running:
        running.add_order()
        yield running


def confirm(stack: ShipStack, *extra: str, reference: str = "PKG-1", carrier: str = "Royal Mail 24") -> list[str]:
    return [
        *("shipments", "confirm", "--connection", stack.connection_id, "--order", ORDER),
        *("--reference", reference, "--carrier", carrier, "--tracking", "RM123456785GB", *extra),
    ]


def test_a_valid_package_is_checked_and_queued_once_as_the_function_will_read_it(stack: ShipStack) -> None:
    result = stack.run(*confirm(stack, "--item", "SKU-A=1", "--service", "Tracked 24", "--wait", "0"))

    assert result.exit_code == 0, result.output
    assert "'Royal Mail 24' sent as Royal Mail" in result.stdout
    assert "Package PKG-1 of 026-1000001-0000001: pending" in result.stdout
    (request,) = stack.requests()
    assert isinstance(request, ShipmentCreated)
    assert request.model_dump(exclude={"ship_date"}) == ShipmentCreated(
        connection_id=stack.connection_id,
        order_id=ORDER,
        reference="PKG-1",
        carrier="Royal Mail 24",
        service="Tracked 24",
        tracking_number="RM123456785GB",
        items=[{"sku": "SKU-A", "quantity": 1}],
    ).model_dump(exclude={"ship_date"})
    assert request.ship_date is not None and abs(datetime.now(UTC) - request.ship_date).total_seconds() < 60


def test_json_output_names_the_carrier_as_given_and_as_sent(stack: ShipStack) -> None:
    result = stack.run(*confirm(stack, "--wait", "0", "--json"))

    assert result.exit_code == 0, result.output
    view = json.loads(result.stdout)
    assert (view["carrier_given"], view["carrier_sent"], view["state"]) == ("Royal Mail 24", "Royal Mail", "pending")
    assert view["unchanged"] is False
    assert [(i["sku"], i["quantity"]) for i in view["items"]] == [("SKU-A", 2), ("SKU-B", 1)]  # no --item: all
    assert len(stack.requests()) == 1


@pytest.mark.parametrize(
    ("extra", "order", "reason"),
    [
        (["--item", "SKU-Z=1"], ORDER, "SKU SKU-Z is not in order 026-1000001-0000001"),
        (["--item", "SKU-A=3"], ORDER, "over-shipment: SKU SKU-A of order 026-1000001-0000001 has 2 ordered"),
        ([], OTHER_ORDER, f"order {OTHER_ORDER} not imported yet"),
    ],
)
def test_a_refused_package_exits_1_with_the_reason_and_queues_nothing(
    stack: ShipStack, extra: list[str], order: str, reason: str
) -> None:
    args = confirm(stack, *extra, "--wait", "0")
    args[args.index(ORDER)] = order

    result = stack.run(*args)

    assert result.exit_code == 1
    assert "refused: " + reason in " ".join(result.stderr.split())
    assert stack.requests() == []


@pytest.mark.parametrize(
    ("extra", "order", "message"),
    [(["--item", "SKU-A"], ORDER, "write SKU=QTY"), ([], "not-an-order", "orderId")],
)
def test_a_bad_item_or_order_id_is_a_usage_error(stack: ShipStack, extra: list[str], order: str, message: str) -> None:
    args = confirm(stack, *extra, "--wait", "0")
    args[args.index(ORDER)] = order

    result = stack.run(*args)

    assert result.exit_code == 2
    assert message in result.stderr
    assert stack.requests() == []


def record_sent(stack: ShipStack, request: ShipmentCreated) -> None:
    """Records the package as the function would have after Amazon's 204."""
    existing = stack.shipments.load(stack.connection_id, ORDER)
    order = stack.orders.get(ORDER)
    assert order is not None
    verdict = validate_shipment(
        request, order.order, existing, lambda n: coerce_carrier(n, UK, {}), now=datetime.now(UTC)
    )
    assert isinstance(verdict, PackageRecord), verdict
    stack.shipments.record_package(verdict, existing)
    assert stack.shipments.transition(verdict, verdict.model_copy(update={"state": PackageState.SENT}))


def test_a_package_already_sent_with_the_same_content_is_unchanged_and_not_sent_again(stack: ShipStack) -> None:
    assert stack.run(*confirm(stack, "--item", "SKU-A=1", "--wait", "0")).exit_code == 0
    (request,) = stack.requests()
    assert isinstance(request, ShipmentCreated)
    record_sent(stack, request)

    result = stack.run(*confirm(stack, "--item", "SKU-A=1", "--wait", "0"))

    assert result.exit_code == 0, result.output
    assert "sent (unchanged: already at Amazon, nothing sent)" in result.stdout
    as_json = stack.run(*confirm(stack, "--item", "SKU-A=1", "--wait", "0", "--json"))
    assert as_json.exit_code == 0 and json.loads(as_json.stdout)["unchanged"] is True
    assert stack.requests() == []


def test_an_edit_of_a_sent_package_is_shown_pending_not_as_the_old_answer(stack: ShipStack) -> None:
    assert stack.run(*confirm(stack, "--item", "SKU-A=1", "--wait", "0")).exit_code == 0
    (request,) = stack.requests()
    assert isinstance(request, ShipmentCreated)
    record_sent(stack, request)

    result = stack.run(*confirm(stack, "--item", "SKU-A=2", "--wait", "0", "--json"))

    assert result.exit_code == 0, result.output
    view = json.loads(result.stdout)
    assert (view["state"], view["items"][0]["quantity"]) == ("pending", 2)
    (edit,) = stack.requests()
    assert isinstance(edit, ShipmentCreated) and edit.items[0].quantity == 2


def test_wait_shows_amazons_answer_once_the_function_recorded_it(stack: ShipStack) -> None:
    amazon = FakeAmazon()
    started = time.monotonic()
    with shipments_function(stack, amazon) as outcomes:
        result = stack.run(*confirm(stack, "--item", "SKU-B=1", "--wait", "20", "--json"))

    assert result.exit_code == 0, result.output
    assert time.monotonic() - started < 10  # the answer was recognised, not picked up once the wait ran out
    assert [o.kind.value for o in outcomes] == ["sent"]
    view = json.loads(result.stdout)
    assert (view["state"], view["carrier_sent"]) == ("sent", "Royal Mail")
    ((order_id, body),) = amazon.calls
    assert (order_id, body.package_detail.carrier_code) == (ORDER, "Royal Mail")


def test_a_package_amazon_rejects_exits_1_with_its_message(stack: ShipStack) -> None:
    amazon = FakeAmazon(fail_with=[InvalidInputError(400, "InvalidInput", "Invalid tracking number", "req-1")])
    started = time.monotonic()
    with shipments_function(stack, amazon):
        result = stack.run(*confirm(stack, "--wait", "20"))

    assert result.exit_code == 1, result.output
    assert time.monotonic() - started < 10
    assert "rejected" in result.stdout and "Invalid tracking number" in result.stdout


HEADER = "connection_id,order_id,reference,carrier,tracking_number,sku,quantity\n"


def test_import_sends_valid_packages_and_lists_refused_ones_with_lines(stack: ShipStack, tmp_path: Path) -> None:
    cid = stack.connection_id
    path = tmp_path / "shipments.csv"
    rows = [
        f"{cid},{ORDER},PKG-1,ups,1Z1,SKU-A,1",
        f"{cid},{ORDER},PKG-1,ups,1Z1,SKU-B,1",
        f"{cid},{ORDER},PKG-2,Royal Mail 24,RM2,SKU-A,1",
        f"{cid},{ORDER},PKG-3,ups,1Z3,SKU-Z,1",
        f"{cid},{ORDER},PKG-4,ups,1Z4,SKU-A,two",
    ]
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")

    result = stack.run("shipments", "import", str(path), "--json")

    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert (report["rows"], report["packages"], report["sent"], report["unchanged"]) == (5, 4, 2, 0)
    refused = {r["reference"]: r for r in report["refused"]}
    assert set(refused) == {"PKG-3", "PKG-4"}
    assert refused["PKG-3"]["lines"] == "5" and "SKU SKU-Z is not in order" in refused["PKG-3"]["reason"]
    assert refused["PKG-4"]["lines"] == "6" and "not a whole number" in refused["PKG-4"]["reason"]
    sent = sorted((r.reference, r.carrier) for r in stack.requests() if isinstance(r, ShipmentCreated))
    assert sent == [("PKG-1", "ups"), ("PKG-2", "Royal Mail 24")]


def test_import_of_only_valid_packages_exits_0_with_a_summary(stack: ShipStack, tmp_path: Path) -> None:
    path = tmp_path / "ok.csv"
    path.write_text(HEADER + f"{stack.connection_id},{ORDER},PKG-1,ups,1Z1,,\n", encoding="utf-8")

    result = stack.run("shipments", "import", str(path))

    assert result.exit_code == 0, result.output
    assert "1 row(s), 1 package(s): 1 sent, 0 unchanged, 0 refused" in result.stdout
    (request,) = stack.requests()
    assert isinstance(request, ShipmentCreated) and request.items == []


def test_import_counts_the_files_earlier_packages_of_an_order(stack: ShipStack, tmp_path: Path) -> None:
    cid = stack.connection_id
    path = tmp_path / "twice.csv"
    rows = [f"{cid},{ORDER},PKG-1,ups,1Z1,SKU-A,2", f"{cid},{ORDER},PKG-2,ups,1Z2,SKU-A,1"]
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")

    result = stack.run("shipments", "import", str(path), "--json")

    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert report["sent"] == 1
    ((refused),) = report["refused"]
    assert (refused["reference"], refused["lines"]) == ("PKG-2", "3") and "over-shipment" in refused["reason"]
    assert [r.reference for r in stack.requests() if isinstance(r, ShipmentCreated)] == ["PKG-1"]


def test_import_with_wait_reports_each_packages_answer(stack: ShipStack, tmp_path: Path) -> None:
    path = tmp_path / "one.csv"
    path.write_text(HEADER + f"{stack.connection_id},{ORDER},PKG-1,ups,1Z1,SKU-B,1\n", encoding="utf-8")
    started = time.monotonic()
    with shipments_function(stack, FakeAmazon()):
        result = stack.run("shipments", "import", str(path), "--wait", "20", "--json")

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["answered"] == {f"{ORDER}/PKG-1": "sent"}
    assert time.monotonic() - started < 10
