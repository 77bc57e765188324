"""`sellersync audit`: what was sent to Amazon for one connection (docs/operations.md, "Audit trail").

Reads the audit table only (a Query of the connection's records since `--since`, newest first): every feed, patch,
shipment confirmation and cancellation feed, and with `--connection application` the client secret's rotations, with
Amazon's request id (x-amzn-RequestId, what Amazon's support asks for) and its answer. `--sku` / `--order` keep the
records that sent something for that SKU or order, and show that SKU's or order's own line and result.
"""

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import typer

from cli.connection_choice import resolve_connection
from cli.errors import UsageError, reporting
from cli.options import DEFAULT_STACK_NAME, ConnectionOpt, JsonOpt, LocalOpt, StackOpt
from cli.render import cell, console, print_json, table
from cli.target import resolve_target
from cli.wiring import audit_repository
from shared.clock import utc_now
from shared.models.audit import APPLICATION, AuditRecord

COLUMNS = ["time", "kind", "sku / order", "request id", "outcome", "sent", "answer"]
NO_WRAP = {"time", "kind", "request id", "outcome"}
_RELATIVE = re.compile(r"^(\d+)([dhm])$")
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}
# Subjects listed in the table's cell before "and N more".
SHOWN_SUBJECTS = 3


class SinceError(UsageError):
    """--since is neither a duration (2d, 6h, 30m) nor an ISO time."""

    def __init__(self, value: str) -> None:
        super().__init__(f"--since {value!r}: give a duration (2d, 6h, 30m) or an ISO time (2026-12-01T09:00Z)")


def parse_since(value: str, now: datetime) -> datetime:
    """`2d` / `6h` / `30m` before `now`, or an ISO 8601 time (UTC when it names no zone); raises SinceError."""
    relative = _RELATIVE.match(value.strip())
    if relative:
        return now - timedelta(**{_UNITS[relative.group(2)]: int(relative.group(1))})
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise SinceError(value) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def subjects(record: AuditRecord, sku: str | None, order_id: str | None) -> str:
    """The SKUs or orders of a record: the one asked for, or the first few and how many more."""
    if sku or order_id:
        return sku or order_id or ""
    names = [e.sku or e.order_id or "" for e in record.entries]
    shown = ", ".join(names[:SHOWN_SUBJECTS])
    return shown + (f" and {len(names) - SHOWN_SUBJECTS} more" if len(names) > SHOWN_SUBJECTS else "")


def row(record: AuditRecord, sku: str | None, order_id: str | None) -> list[Any]:
    """One table row: with --sku / --order, that subject's own line and result."""
    subject = sku or order_id
    sent = next((e.sent for e in record.entries if subject and subject in (e.sku, e.order_id)), None)
    if sent is None:
        sent = record.entries[0].sent if len(record.entries) == 1 else f"{len(record.entries)} message(s)"
    answer = record.results.get(subject) if subject else None
    if answer is None:
        counts = ", ".join(f"{k} {v}" for k, v in sorted(record.counts.items()))
        answer = record.message or counts or None
    return [
        cell(record.at),
        record.kind.value,
        subjects(record, sku, order_id),
        cell(record.request_id),
        record.outcome,
        cell(sent),
        cell(answer),
    ]


def audit(
    connection: ConnectionOpt = None,
    since: Annotated[str, typer.Option(help="From how long ago (2d, 6h, 30m) or since an ISO time.")] = "2d",
    sku: Annotated[str | None, typer.Option(help="Only sends that carried this SKU.", show_default=False)] = None,
    order: Annotated[str | None, typer.Option(help="Only sends for this order id.", show_default=False)] = None,
    local: LocalOpt = False,
    stack_name: StackOpt = DEFAULT_STACK_NAME,
    as_json: JsonOpt = False,
) -> None:
    """What was sent to Amazon for a connection: request ids and answers (90 days)."""
    with reporting():
        start = parse_since(since, utc_now())
        target = resolve_target(local, stack_name)
        # `application`: the application's own sends (the client secret's rotations), no seller's connection.
        connection_id = (
            connection if connection == APPLICATION else resolve_connection(target, connection).connection_id
        )
        records = audit_repository(target).list_records(connection_id, start, sku=sku, order_id=order)
    if as_json:
        print_json([r.model_dump(mode="json") for r in records])
        return
    title = f"Sent to Amazon for {connection_id} since {cell(start)}"
    title += (f", SKU {sku}" if sku else "") + (f", order {order}" if order else "")
    console.print(table(title, COLUMNS, [row(r, sku, order) for r in records], no_wrap=NO_WRAP))
    console.print(f"{len(records)} send(s)", highlight=False)
