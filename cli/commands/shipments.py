"""`sellersync shipments confirm|import|status`: packages to Amazon, and what became of them (docs/shipments.md).

Each package is checked first as the shipments function will check it (stored order, packages already sent, carrier
rules): a refusal prints its reason and exits 1, and nothing is sent. Accepted packages go to the shipments input
queue; `confirm` then waits (--wait seconds) for Amazon's answer and shows it.
"""

from datetime import datetime
from typing import Annotated, Any

import typer

from cli.errors import FAILURE_EXIT, CliError, UsageError, reporting
from cli.options import DEFAULT_STACK_NAME, JsonOpt, LocalOpt, StackOpt
from cli.render import cell, console, print_json, table
from cli.shipments_input import parse_csv, parse_items, shipment
from cli.shipments_ops import (
    Checked,
    check_shipment,
    order_views,
    require_connection,
    send_requests,
    wait_for_packages,
)
from cli.target import Target, resolve_target
from shared.clock import utc_now
from shared.models.shipments import PackageRecord, PackageState

app = typer.Typer(help="Shipments: confirm packages at Amazon and see their state.", no_args_is_help=True)

WaitOpt = Annotated[float, typer.Option("--wait", min=0, help="Seconds to wait for Amazon's answer (0: do not).")]
# Progress bar from this many packages on.
PROGRESS_FROM = 20


def _checked(target: Target, raw: dict[str, Any], now: datetime) -> Checked:
    built = shipment(raw)
    if isinstance(built, str):
        raise UsageError(f"invalid package: {built}")
    return check_shipment(target, built, now)


@app.command("confirm")
def confirm(
    connection: Annotated[str, typer.Option("--connection", help="Connection id.", show_default=False)],
    order: Annotated[str, typer.Option("--order", help="Amazon order id.", show_default=False)],
    reference: Annotated[str, typer.Option("--reference", help="Your package reference (unique per order).")],
    carrier: Annotated[str, typer.Option("--carrier", help="Carrier as your warehouse names it.", show_default=False)],
    tracking: Annotated[str, typer.Option("--tracking", help="Tracking number.", show_default=False)],
    service: Annotated[str | None, typer.Option("--service", help="Shipping service (e.g. Tracked 24).")] = None,
    ship_date: Annotated[str | None, typer.Option("--ship-date", help="ISO 8601; default now.")] = None,
    items: Annotated[
        list[str] | None, typer.Option("--item", help="SKU=QTY (repeatable); none: all unshipped.")
    ] = None,
    ship_from: Annotated[str | None, typer.Option("--ship-from", help="Amazon supply source id.")] = None,
    wait: WaitOpt = 30.0,
    local: LocalOpt = False,
    stack_name: StackOpt = DEFAULT_STACK_NAME,
    as_json: JsonOpt = False,
) -> None:
    """Confirm one package of an order at Amazon (re-sending a reference edits that package)."""
    raw: dict[str, Any] = {"connectionId": connection, "orderId": order, "reference": reference, "carrier": carrier}
    raw |= {"trackingNumber": tracking, "service": service, "shipDate": ship_date, "shipFromSupplySourceId": ship_from}
    with reporting():
        target = resolve_target(local, stack_name)
        raw["items"] = parse_items(items or [])
        checked = _checked(target, {k: v for k, v in raw.items() if v is not None}, utc_now())
        if checked.reason is not None:
            raise CliError(f"refused: {checked.reason}")
        record = checked.record
        assert record is not None
        if not checked.unchanged:
            send_requests(target, [checked.request], show_progress=False)
            record = wait_for_packages(target, [record], wait).get((order, reference)) or record
    _report_packages([record], unchanged=checked.unchanged, as_json=as_json)
    if record.state is PackageState.REJECTED:
        raise typer.Exit(FAILURE_EXIT)


@app.command("import")
def import_csv(
    file: Annotated[typer.FileText, typer.Argument(help="CSV, one row per package line (docs/shipments.md).")],
    wait: WaitOpt = 0.0,
    local: LocalOpt = False,
    stack_name: StackOpt = DEFAULT_STACK_NAME,
    as_json: JsonOpt = False,
) -> None:
    """Confirm every package of a CSV file; refused packages are listed and not sent (exit 1 when there are any)."""
    with reporting():
        target = resolve_target(local, stack_name)
        parsed = parse_csv(file)
        now = utc_now()
        checked: list[Checked] = []
        accepted: dict[tuple[str, str], list[PackageRecord]] = {}  # per order: the file's packages to send so far
        for request in parsed.packages:
            order_key = (request.connection_id, request.order_id)
            checked.append(check_shipment(target, request, now, accepted.get(order_key, [])))
            if checked[-1].reason is None and not checked[-1].unchanged and checked[-1].record is not None:
                accepted.setdefault(order_key, []).append(checked[-1].record)
        to_send = [c for c in checked if c.reason is None and not c.unchanged]
        send_requests(target, [c.request for c in to_send], show_progress=len(to_send) >= PROGRESS_FROM and not as_json)
        answered = wait_for_packages(target, [c.record for c in to_send if c.record], wait) if wait else {}
    refused = [(", ".join(map(str, p.lines)), p.order_id, p.reference, p.reason) for p in parsed.invalid]
    refused += [
        (parsed.lines_of(c.request), c.request.order_id, c.request.reference, c.reason)
        for c in checked
        if c.reason is not None
    ]
    report = {
        "rows": parsed.rows,
        "packages": len(parsed.packages) + len(parsed.invalid),
        "sent": len(to_send),
        "unchanged": sum(c.unchanged for c in checked),
        "refused": [{"lines": lines, "order_id": o, "reference": r, "reason": why} for lines, o, r, why in refused],
        "answered": {f"{o}/{r}": (p.state.value if p else None) for (o, r), p in answered.items()},
    }
    if as_json:
        print_json(report)
    else:
        _print_import(report)
    if refused:
        raise typer.Exit(FAILURE_EXIT)


@app.command("status")
def status(
    connection: Annotated[str, typer.Option("--connection", help="Connection id.", show_default=False)],
    order: Annotated[str | None, typer.Option("--order", help="Only this order.")] = None,
    at_risk: Annotated[bool, typer.Option("--at-risk", help="Orders near or past their latest ship date.")] = False,
    limit: Annotated[int, typer.Option(min=1, help="At most this many orders.")] = 50,
    local: LocalOpt = False,
    stack_name: StackOpt = DEFAULT_STACK_NAME,
    as_json: JsonOpt = False,
) -> None:
    """Per order: each package (carrier as given and as sent, tracking, items, state, Amazon's message) and any
    cancellation (state, reason, verdict); with --at-risk, the unconfirmed orders close to their latest ship date."""
    from cli.shipments_risk import at_risk_rows, print_at_risk

    with reporting():
        target = resolve_target(local, stack_name)
        require_connection(target, connection)
        if at_risk:
            rows = at_risk_rows(target, connection, utc_now())
        else:
            views = order_views(target, connection, order, limit)
    if at_risk:
        print_json(rows) if as_json else print_at_risk(rows, connection)
        return
    if as_json:
        print_json(views)
        return
    _print_status(views, connection)


def _package_cells(order_id: str, view: dict[str, Any]) -> list[str]:
    items = ", ".join(f"{i['sku'] or i['order_item_id']} x{i['quantity']}" for i in view["items"])
    return [
        cell(order_id),
        cell(view["reference"]),
        cell(view["carrier_given"]),
        cell(view["carrier_sent"]),
        cell(view["tracking_number"]),
        cell(items),
        cell(view["state"]),
        cell(view["message"] or ""),
    ]


def _print_status(views: list[dict[str, Any]], connection: str) -> None:
    if not views:
        console.print(f"No shipments or cancellations for {connection} yet.", highlight=False)
        return
    columns = ["order", "reference", "carrier given", "sent as", "tracking", "items", "state", "Amazon's message"]
    rows = [_package_cells(v["order_id"], p) for v in views for p in v["packages"]]
    if rows:
        console.print(table(f"Packages of {connection}", columns, rows, no_wrap={"order", "state"}))
    cancels = [
        [cell(v["order_id"]), cell(c["reason"]), cell(c["state"]), cell(c["verdict"] or ""), cell(c["feed_id"] or "")]
        for v in views
        if (c := v["cancellation"]) is not None
    ]
    if cancels:
        console.print(table("Cancellations", ["order", "reason", "state", "verdict", "feed"], cancels))


def _report_packages(records: list[PackageRecord], *, unchanged: bool, as_json: bool) -> None:
    from cli.shipments_ops import package_view

    views = [package_view(r) | {"unchanged": unchanged} for r in records]
    if as_json:
        print_json(views[0] if len(views) == 1 else views)
        return
    for view in views:
        note = " (unchanged: already at Amazon, nothing sent)" if unchanged else ""
        if view["state"] == PackageState.HELD:
            note = " (the connection's shipments are paused: sent when it is resumed)"
        console.print(
            f"Package {view['reference']} of {records[0].order_id}: {view['state']}{note}; carrier "
            f"{view['carrier_given']!r} sent as {view['carrier_sent']}"
            + (f"; Amazon: {view['message']}" if view["message"] else ""),
            highlight=False,
        )


def _print_import(report: dict[str, Any]) -> None:
    refused = [
        [cell(r["lines"]), cell(r["order_id"]), cell(r["reference"]), cell(r["reason"])] for r in report["refused"]
    ]
    if refused:
        console.print(table("Refused (not sent)", ["lines", "order", "reference", "reason"], refused))
    console.print(
        f"{report['rows']} row(s), {report['packages']} package(s): {report['sent']} sent, "
        f"{report['unchanged']} unchanged, {len(report['refused'])} refused",
        highlight=False,
    )
