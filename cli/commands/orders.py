"""`sellersync orders list|show|cancel`: the imported orders, as the orders table holds them; cancelling one."""

from typing import Annotated, Any

import typer
from pydantic import ValidationError

from cli.errors import UsageError, reporting
from cli.options import DEFAULT_STACK_NAME, JsonOpt, LocalOpt, StackOpt
from cli.render import console, print_json
from cli.tables import orders_table, print_order
from cli.target import Target, resolve_target
from cli.views import iso, marketplace_counts, order_row
from cli.wiring import connections_repository, orders_repository
from shared.models.orders import ImportedOrder
from shared.repositories.errors import ConnectionNotFoundError
from shared.repositories.orders import StoredOrder
from shared.spapi.models.orders import FulfillmentStatus

app = typer.Typer(help="Imported orders: list, inspect and cancel.", no_args_is_help=True)

DEFAULT_LIMIT = 50


class OrderNotFoundError(UsageError):
    """No order with this id in the orders table."""

    def __init__(self, order_id: str) -> None:
        super().__init__(f"no order {order_id!r} (orders appear once the orders sync imported them)")


def find_orders(
    target: Target, connection_id: str | None, status: str | None, limit: int = DEFAULT_LIMIT
) -> list[ImportedOrder]:
    """The latest-updated orders of one connection or of every connection (a Query per connection, no Scan)."""
    connections = connections_repository(target)
    if connection_id is None:
        connection_ids = [c.connection_id for c in connections.list_connections()]
    elif connections.get_connection(connection_id) is None:
        raise ConnectionNotFoundError(connection_id)
    else:
        connection_ids = [connection_id]
    repo = orders_repository(target)
    found = [o for c in connection_ids for o in repo.list_for_connection(c, limit=limit, status=status)]
    return sorted(found, key=lambda order: (order.last_updated, order.order_id), reverse=True)[:limit]


def list_summary(orders: list[ImportedOrder], limit: int) -> str:
    """The line under the table: how many orders, per marketplace, and whether the limit cut the list."""
    per_marketplace = ", ".join(f"{code} {n}" for code, n in marketplace_counts(orders).items())
    text = f"{len(orders)} order(s)" + (f": {per_marketplace}" if per_marketplace else "")
    return text + (f" (the latest {limit}; --limit shows more)" if len(orders) >= limit else "")


@app.command("list")
def list_orders(
    connection: Annotated[str | None, typer.Option("--connection", help="Only this connection's orders.")] = None,
    status: Annotated[
        FulfillmentStatus | None, typer.Option(case_sensitive=False, help="Only orders of this status.")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many orders, latest update first.")] = DEFAULT_LIMIT,
    local: LocalOpt = False,
    stack_name: StackOpt = DEFAULT_STACK_NAME,
    as_json: JsonOpt = False,
) -> None:
    """The orders updated last, with their status, ship-by date, items, total and programs (times in UTC)."""
    with reporting():
        found = find_orders(resolve_target(local, stack_name), connection, status, limit)
    if as_json:
        print_json([order.model_dump(mode="json") for order in found])
        return
    title = "Orders" + (f" of {connection}" if connection else "") + (f", {status}" if status else "")
    if found:
        console.print(orders_table(title, [order_row(o) for o in found], with_connection=connection is None))
    console.print(list_summary(found, limit), highlight=False)


def order_report(stored: StoredOrder) -> dict[str, Any]:
    """`orders show --json`: the order as the events carry it, and its events still waiting to be published."""
    return {
        "order": stored.order.model_dump(mode="json"),
        "previous_status": stored.previous_status,
        "pending_events": list(stored.pending_events),
        "pending_since": iso(stored.pending_since),
    }


@app.command("show")
def show_order(
    order_id: Annotated[str, typer.Argument(help="Amazon order id, e.g. 028-1234567-1234567.", show_default=False)],
    local: LocalOpt = False,
    stack_name: StackOpt = DEFAULT_STACK_NAME,
    as_json: JsonOpt = False,
) -> None:
    """One order: its fields, items (quantities, prices, cancellation requests) and recipient when present."""
    with reporting():
        stored = orders_repository(resolve_target(local, stack_name)).get(order_id)
        if stored is None:
            raise OrderNotFoundError(order_id)
    if as_json:
        print_json(order_report(stored))
    else:
        print_order(stored)


@app.command("cancel")
def cancel_order(
    order_id: Annotated[str, typer.Argument(help="Amazon order id.", show_default=False)],
    connection: Annotated[str, typer.Option("--connection", help="Connection id.", show_default=False)],
    reason: Annotated[
        str, typer.Option("--reason", help="Amazon's CancelReason (e.g. NoInventory) or an alias ('out of stock').")
    ],
    wait: Annotated[float, typer.Option("--wait", min=0, help="Seconds to wait for Amazon's verdict.")] = 30.0,
    local: LocalOpt = False,
    stack_name: StackOpt = DEFAULT_STACK_NAME,
    as_json: JsonOpt = False,
) -> None:
    """Cancel a whole unshipped order at Amazon (order acknowledgement feed); refused once anything has shipped."""
    from cli.errors import CliError
    from cli.shipments_ops import (
        cancellation_version,
        cancellation_view,
        check_cancellation,
        send_requests,
        wait_for_cancellation,
    )
    from shared.models.shipments import OrderCancellationRequested, parse_cancel_reason
    from shared.shipments.cancellations import Refusal
    from shared.shipments.input import validation_reason

    with reporting():
        try:
            request = OrderCancellationRequested(
                connection_id=connection, order_id=order_id, reason=parse_cancel_reason(reason)
            )
        except ValidationError as exc:
            raise UsageError(f"invalid cancellation: {validation_reason(exc)}") from None
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        target = resolve_target(local, stack_name)
        checked = check_cancellation(target, request)
        if isinstance(checked, Refusal):
            raise CliError(f"refused ({checked.code.value}): {checked.message}")
        seen = 0  # a request already recorded (Accepted, unchanged) is shown as it stands
        if checked is None:
            seen = cancellation_version(target, request)  # a rejected one this request replaces is not its answer
            send_requests(target, [request], show_progress=False)
        record = wait_for_cancellation(target, request, wait, newer_than=seen)
    view = None if record is None else cancellation_view(record)
    if as_json:
        print_json({"order_id": order_id, "cancellation": view})
        return
    if view is None:
        console.print(f"Cancellation of {order_id} queued ({request.reason.value}).", highlight=False)
        return
    verdict = f": {view['verdict']}" if view["verdict"] else ""
    console.print(f"Cancellation of {order_id} ({view['reason']}): {view['state']}{verdict}", highlight=False)
    if view["state"] == "rejected":
        raise typer.Exit(1)
