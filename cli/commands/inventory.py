"""`sellersync inventory set|import|plan|status`: send merchant values to the pipeline and see what became of them."""

from collections.abc import Sequence
from decimal import Decimal
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from cli.connection_choice import target_and_connection
from cli.errors import FAILURE_EXIT, UsageError, reporting
from cli.inventory_input import ParsedCsv, batches, message_body, raw_record, read_csv, record_json, validate
from cli.inventory_views import feed_views, offer_text, plan_rows, state_counts, status_rows
from cli.options import DEFAULT_STACK_NAME, ConnectionOpt, JsonOpt, LocalOpt, StackOpt
from cli.render import cell, console, err_console, print_json, table
from cli.target import Target
from cli.wiring import (
    connections_repository,
    feeds_repository,
    inventory_input_queue_url,
    inventory_repository,
)
from shared.clock import utc_now
from shared.inventory.input import sends_inventory
from shared.inventory.state import bucket_of
from shared.inventory.submissions import in_flight
from shared.models.inventory import InventoryRecord, OfferValues, SkuState
from shared.repositories.feeds import FeedStatus

app = typer.Typer(help="Inventory: send stock and prices to Amazon, and see what Amazon holds.", no_args_is_help=True)

SkusOpt = Annotated[list[str] | None, typer.Option("--sku", help="Only this SKU (repeatable).")]
LISTED_FEEDS: tuple[FeedStatus, ...] = ("SUBMITTED", "DONE")
# Progress bar from this many messages on.
PROGRESS_FROM = 4


def send_batches(target: Target, records: Sequence[InventoryRecord], show_progress: bool) -> int:
    """Sends the records to the input queue in bucket-sorted messages; returns the number of messages."""
    sqs, url = target.client("sqs"), inventory_input_queue_url(target)
    chunks = list(batches(records))
    columns = (TextColumn("sending"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err_console, transient=True, disable=not show_progress) as progress:
        task = progress.add_task("send", total=len(chunks))
        for chunk in chunks:
            sqs.send_message(QueueUrl=url, MessageBody=message_body(chunk))
            progress.advance(task)
    return len(chunks)


@app.command("set")
def set_inventory(
    sku: Annotated[str, typer.Argument(help="Seller SKU.", show_default=False)],
    quantity: Annotated[int, typer.Argument(help="Available quantity.", show_default=False)],
    price: Annotated[Decimal | None, typer.Option(help="Price (needs --currency).")] = None,
    currency: Annotated[str | None, typer.Option(help="Currency of --price, e.g. GBP.")] = None,
    handling_days: Annotated[int | None, typer.Option("--handling-days", help="Handling time in days.")] = None,
    connection: ConnectionOpt = None,
    local: LocalOpt = False,
    stack_name: StackOpt = DEFAULT_STACK_NAME,
    as_json: JsonOpt = False,
) -> None:
    """Queue one SKU's value (as of now) for the inventory pipeline."""
    fields = {"sku": sku, "available": str(quantity), "currency": currency}
    fields |= {
        "price": None if price is None else str(price),
        "handling_days": None if handling_days is None else str(handling_days),
    }
    with reporting():
        target, chosen = target_and_connection(local, stack_name, connection)
        now = utc_now()
        checked = validate(raw_record(chosen.connection_id, fields, now), now)
        if isinstance(checked, str):
            raise UsageError(f"invalid value: {checked}")
        send_batches(target, [checked], show_progress=False)
    if as_json:
        print_json({"queued": record_json(checked), "connection_id": chosen.connection_id})
        return
    price_text = f", price {checked.price} {checked.currency}" if checked.price is not None else ""
    days = f", handling {checked.handling_days} d" if checked.handling_days else ""
    console.print(
        f"Queued {checked.sku}: available {checked.available}{price_text}{days} as of {checked.as_of:%H:%M:%S} UTC"
        f" for {chosen.connection_id}",
        highlight=False,
    )


def import_report(parsed: ParsedCsv, messages: int) -> dict[str, Any]:
    """`inventory import --json`."""
    return {
        "rows": parsed.rows,
        "valid": len(parsed.records),
        "invalid": len(parsed.invalid),
        "messages": messages,
        "invalid_rows": [{"row": r.row, "sku": r.sku, "reason": r.reason} for r in parsed.invalid],
    }


@app.command("import")
def import_csv(
    file: Annotated[str, typer.Argument(help="CSV: sku,available[,price,currency,handling_days,product_type,as_of].")],
    connection: ConnectionOpt = None,
    local: LocalOpt = False,
    stack_name: StackOpt = DEFAULT_STACK_NAME,
    as_json: JsonOpt = False,
) -> None:
    """Queue every valid row of a CSV file; invalid rows are listed and not sent (exit 1 when there are any)."""
    with reporting():
        target, chosen = target_and_connection(local, stack_name, connection)
        parsed = read_csv(file, chosen.connection_id, utc_now())
        large = len(parsed.records) > PROGRESS_FROM * 500 and not as_json
        messages = send_batches(target, parsed.records, show_progress=large) if parsed.records else 0
    report = import_report(parsed, messages)
    if as_json:
        print_json(report)
    else:
        _print_import(report)
    if parsed.invalid:
        raise typer.Exit(FAILURE_EXIT)


def _print_import(report: dict[str, Any]) -> None:
    rows = [[r["row"], cell(r["sku"]), cell(r["reason"])] for r in report["invalid_rows"]]
    if rows:
        console.print(table("Invalid rows (not sent)", ["row", "sku", "reason"], rows, no_wrap=["row", "sku"]))
    summary = [[k, report[k]] for k in ("rows", "valid", "invalid", "messages")]
    console.print(table("Import", ["", ""], summary))
    if report["invalid"]:
        console.print(f"[yellow]{report['valid']} valid row(s) were sent; fix the invalid ones and import them again")


def load_states(target: Target, connection_id: str, skus: Sequence[str] | None) -> dict[str, SkuState | None]:
    """The given SKUs' states (None for one never received), or every stored SKU of the connection."""
    repo = inventory_repository(target)
    if skus:
        buckets = repo.get_buckets(connection_id, {bucket_of(s) for s in skus})
        return {s: buckets[bucket_of(s)].bucket.skus.get(s) for s in skus}
    return {sku: state for _, stored in repo.iter_buckets(connection_id) for sku, state in stored.bucket.skus.items()}


@app.command("plan")
def plan(
    connection: ConnectionOpt = None,
    sku: SkusOpt = None,
    local: LocalOpt = False,
    stack_name: StackOpt = DEFAULT_STACK_NAME,
    as_json: JsonOpt = False,
) -> None:
    """What the rules compute now, per SKU and marketplace, against what is desired, sent and accepted."""
    with reporting():
        target, chosen = target_and_connection(local, stack_name, connection)
        settings = connections_repository(target).get_settings(chosen.connection_id)
        rows = plan_rows(load_states(target, chosen.connection_id, sku), settings, chosen.marketplace_ids)
    enabled = sends_inventory(chosen, settings)
    if as_json:
        print_json({"connection_id": chosen.connection_id, "sending_enabled": enabled, "rows": rows})
        return
    cells = [_plan_cells(r) for r in rows]
    headers = ["sku", "mkt", "available", "rules now", "desired", "sent", "accepted", "send?", "why"]
    console.print(table(f"Inventory plan of {chosen.connection_id}", headers, cells, no_wrap=["sku", "mkt"]))
    if not enabled:
        console.print("[yellow]the inventory sync is not enabled (or the connection is not ACTIVE): nothing is sent")


def _plan_cells(row: dict[str, Any]) -> list[Any]:
    if not row["received"]:
        return [cell(row["sku"]), "-", "never received", "", "", "", "", "", ""]
    why = "; ".join([*row["rules"], *row["send_reasons"]]) or "-"
    return [
        cell(row["sku"]),
        row["marketplace"],
        row["available"],
        _offer(row["planned"]),
        _offer(row["desired"]),
        _offer(row["sent"]),
        _offer(row["accepted"]),
        "yes" if row["would_send"] else "no",
        cell(why),
    ]


def _offer(values: dict[str, Any] | None) -> str:
    return offer_text(None if values is None else OfferValues.model_validate(values))


@app.command("status")
def status(
    connection: ConnectionOpt = None,
    sku: SkusOpt = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many SKUs.")] = 100,
    local: LocalOpt = False,
    stack_name: StackOpt = DEFAULT_STACK_NAME,
    as_json: JsonOpt = False,
) -> None:
    """Per SKU and marketplace: desired values, what was submitted (lane, feed, when), Amazon's verdict and the
    accepted values; a SKU whose feed has not been answered yet shows as submitted."""
    with reporting():
        target, chosen = target_and_connection(local, stack_name, connection)
        states = load_states(target, chosen.connection_id, sku)
        shown = dict(sorted(states.items())[:limit])
        feeds_repo = feeds_repository(target)
        feeds = [f for s in LISTED_FEEDS for f in feeds_repo.list_for_connection(chosen.connection_id, s)]
        unanswered = [found for f in feeds if f.status == "SUBMITTED" and (found := feeds_repo.get(f.feed_id))]
        rows = status_rows(shown, in_flight(unanswered))
    report = {
        "connection_id": chosen.connection_id,
        "skus": len(states),
        "rows": rows,
        "counts": state_counts(rows),
        "feeds": feed_views(feeds, 10),
    }
    if as_json:
        print_json(report)
    else:
        _print_status(report, limit)


def _print_status(report: dict[str, Any], limit: int) -> None:
    cells = [_status_cells(r) for r in report["rows"]]
    headers = ["sku", "mkt", "state", "desired", "submitted", "verdict", "accepted"]
    console.print(table(f"Inventory of {report['connection_id']}", headers, cells, no_wrap=["sku", "mkt"]))
    counts = ", ".join(f"{k} {v}" for k, v in report["counts"].items())
    more = f" (the first {limit} of {report['skus']} SKUs; --limit shows more)" if report["skus"] > limit else ""
    console.print(f"{counts}{more}", highlight=False)
    feeds = [
        [f.feed_id, f.marketplace, f.status, f.submitted_at, f.completed_at or "-", f.messages, f.accepted, f.rejected]
        for f in report["feeds"]
    ]
    headers = ["feed", "mkt", "status", "submitted", "completed", "messages", "accepted", "rejected"]
    console.print(table("Latest feeds", headers, feeds, no_wrap=["feed"]) if feeds else "No feeds yet.")


def _hms(at: str) -> str:
    """`2026-11-20 09:00:05` of an ISO time."""
    return at[:19].replace("T", " ")


def _status_cells(row: dict[str, Any]) -> list[Any]:
    if "marketplace" not in row:
        return [cell(row["sku"]), "-", row["state"], "", "", "", ""]
    sent, verdict, accepted = row["submitted"], row["verdict"], row["accepted"]
    sent_text = "-"
    if sent is not None:
        sent_text = f"r{sent['rev']} {sent['lane']} {sent['feed_id'] or ''} at {_hms(sent['submitted_at'])}"
    verdict_text = "awaiting Amazon's answer" if row["awaiting_verdict"] else "-"
    if verdict is not None:
        answer = f"r{verdict['rev']} {verdict['status']} at {_hms(verdict['at'])} {verdict['code'] or ''}"
        verdict_text = f"{verdict_text}; last: " if row["awaiting_verdict"] else ""
        verdict_text += f"{answer} {verdict['message'] or ''}"
    return [
        cell(row["sku"]),
        row["marketplace"],
        row["state"],
        f"r{row['rev']} {_offer(row['desired'])}",
        cell(sent_text.strip()),
        cell(verdict_text.strip()),
        "-" if accepted is None else f"r{accepted['rev']} {_offer({k: v for k, v in accepted.items() if k != 'rev'})}",
    ]
