"""`sellersync`: the operator CLI, for the embedded default and for a deployed stack."""

import dataclasses
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cli.errors import reporting
from cli.lazy import LazyCommand, LazyGroup
from cli.options import DEFAULT_STACK_NAME, JsonOpt, LocalOpt, StackOpt
from cli.render import cell, console, mark, print_json, table

if TYPE_CHECKING:  # the demo (and the CDK it loads) is imported only when the command runs
    from local.demo import DemoSummary

COMMANDS = "cli.commands."


class SellerSyncGroup(LazyGroup):
    """The top level: a command module is imported only when its command runs (docs/cli.md, "Start-up")."""

    lazy_commands = {
        "connections": LazyCommand(
            COMMANDS + "connections",
            "app",
            "Seller connections: list, inspect, add (private apps), disconnect, pause and resume.",
        ),
        "settings": LazyCommand(
            COMMANDS + "settings", "app", "A connection's settings (docs/configuration.md, connection settings)."
        ),
        "orders": LazyCommand(COMMANDS + "orders", "app", "Imported orders: list, inspect and cancel."),
        "shipments": LazyCommand(
            COMMANDS + "shipments", "app", "Shipments: confirm packages at Amazon and see their state."
        ),
        "listings": LazyCommand(
            COMMANDS + "listings", "app", "The imported catalog: the seller's listings per marketplace, as stored."
        ),
        "carriers": LazyCommand(
            COMMANDS + "carriers",
            "app",
            "Carrier names: what a warehouse's carrier name becomes at Amazon (CarrierCode, carrierName).",
        ),
        "inventory": LazyCommand(
            COMMANDS + "inventory", "app", "Inventory: send stock and prices to Amazon, and see what Amazon holds."
        ),
        "connect-link": LazyCommand(
            COMMANDS + "links",
            "connect_link",
            "Create a link for a seller: a new connection, or (--reauthorize) renewing one; works once.",
        ),
        "audit": LazyCommand(
            COMMANDS + "audit", "audit", "What was sent to Amazon for a connection: request ids and answers (90 days)."
        ),
        "sync": LazyCommand(
            COMMANDS + "sync", "sync", "Run one sync type for one connection now and show its outcome."
        ),
        "secret": LazyCommand(
            COMMANDS + "secret", "app", "The LWA client secret: its age and rotation (never its value)."
        ),
        "status": LazyCommand(
            COMMANDS + "status",
            "status",
            "Each connection with its status, days until re-authorization and the latest run of each sync type.",
        ),
    }


class LocalGroup(LazyGroup):
    """`sellersync local`: `up` and `alarms` are imported when they run."""

    lazy_commands = {
        "up": LazyCommand(
            COMMANDS + "local",
            "up",
            "Keep the embedded AWS and an Amazon (the built-in sandbox or the one named) running, with the stack "
            "deployed, until Ctrl-C.",
        ),
        "alarms": LazyCommand(
            COMMANDS + "local",
            "alarms",
            "The stack's alarms and their state, evaluated on the embedded AWS's metrics and queues (moto does not).",
        ),
    }


app = typer.Typer(
    cls=SellerSyncGroup,
    help="Seller Sync: operate the Amazon seller integration.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
local_app = typer.Typer(
    cls=LocalGroup, help="The embedded default: emulated AWS on this machine.", no_args_is_help=True
)
stack_app = typer.Typer(help="The deployed stack.", no_args_is_help=True)
app.add_typer(local_app, name="local")
app.add_typer(stack_app, name="stack")


@app.command()
def demo(as_json: JsonOpt = False) -> None:
    """Bring up the embedded default, run the main job end to end and print what happened."""
    from local.demo import run_demo

    with console.status("Starting", spinner="dots") as status:

        def step(text: str) -> None:
            status.update(text)
            if not as_json:
                console.log(text)

        summary = run_demo(step)
    if as_json:
        print_json({**dataclasses.asdict(summary), "ok": summary.ok})
    else:
        _print_demo(summary)
    raise typer.Exit(0 if summary.ok else 1)


def _print_demo(summary: "DemoSummary") -> None:
    console.print(
        table(
            f"Stack {summary.stack_name}: deployed into the embedded AWS",
            ["resource type", "count"],
            [[k, v] for k, v in summary.deployed_resources.items()],
        )
    )
    console.print(
        table(
            "Stood in for locally",
            ["resource type", "local equivalent"],
            [[k, v] for k, v in summary.local_equivalents.items()],
        )
    )
    console.print(
        table(
            "Checks",
            ["", "component", "check", "detail"],
            [[mark(c.ok), c.component, c.check, c.detail] for c in summary.checks],
        )
    )
    if summary.connected is None:
        console.print("[red]Connecting a sandbox seller through the HTTP flow failed[/red]")
    else:
        seller = summary.connected
        console.print(
            table(
                f"Connected a sandbox seller through the real OAuth flow in {seller.seconds} s",
                ["", ""],
                [
                    ["page shown", seller.page_title],
                    ["seller id", seller.selling_partner_id],
                    ["connection", f"{seller.connection_id} ({seller.status})"],
                    ["region", seller.region],
                    ["marketplaces", ", ".join(seller.marketplaces)],
                    ["browser hops", " -> ".join(hop.split("//", 1)[-1] for hop in seller.hops)],
                ],
            )
        )
    _print_orders(summary)
    _print_inventory(summary)
    from cli.demo_shipments import print_catalog, print_shipments

    print_shipments(summary.shipments)
    print_catalog(summary.catalog)
    syncs = ", ".join(summary.sync_types) or "none yet (each sync capability registers itself in infra/config.py)"
    console.print(f"Sync types: {syncs}")
    console.print(f"HTTP API (local): {summary.api_url}; function logs: {summary.log_dir}/")
    from cli.demo_status import print_final_screen

    print_final_screen(summary)
    verdict = "[green]all checks passed[/green]" if summary.ok else "[red]some checks failed[/red]"
    console.print(f"{summary.synthesized_resources} resources synthesized; {verdict} in {summary.seconds} s")


def _print_orders(summary: "DemoSummary") -> None:
    orders = summary.orders
    if orders is None:
        return
    if orders.state != "OK":
        console.print(f"[red]Order import ended {orders.state}: {orders.error}[/red]")
        return
    by_marketplace = ", ".join(f"{country} {count}" for country, count in orders.by_marketplace.items()) or "none"
    notified = (
        f"{orders.notified_order} stored {orders.notified_seconds} s after Amazon had it (ORDER_CHANGE)"
        if orders.notified_seconds is not None
        else f"[red]{orders.notified_order} did not arrive through its notification in time[/red]"
    )
    console.print(
        table(
            f"Imported the seller's orders in {orders.seconds} s (sellersync sync orders)",
            ["", ""],
            [
                ["orders imported", orders.imported],
                ["by marketplace", by_marketplace],
                ["searchOrders pages", orders.pages],
                ["events on the bus", orders.events_published],
                ["ORDER_CHANGE subscription", orders.subscription],
                ["a new order at Amazon", notified],
            ],
        )
    )


def _held_text(held: dict[str, Any]) -> str:
    if not held:
        return "not listed"
    text = f"qty {held['quantity']}, {held['handling_days']} d"
    if "price" in held:
        text += f", {held['price']} {held['currency']} (min {held['minimum_price']})"
    return text


def _print_inventory(summary: "DemoSummary") -> None:
    from cli.inventory_views import offer_text
    from shared.models.inventory import OfferValues

    sent = summary.inventory
    if sent is None:
        return
    if not sent.rows:
        console.print(f"[red]Inventory step failed: {sent.error}[/red]")
        return
    rules = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in sent.settings.items())
    rows = [
        [
            cell(r.sku),
            r.marketplace,
            r.merchant,
            "; ".join(r.rules) or "-",
            offer_text(OfferValues.model_validate(r.desired)) if r.desired else "-",
            r.lane,
            r.verdict,
            _held_text(r.amazon),
            mark(r.matches),
        ]
        for r in sent.rows
    ]
    headers = ["sku", "mkt", "merchant sent", "rules applied", "sent to Amazon", "via", "verdict", "Amazon holds", ""]
    title = f"Stock and prices: {sent.events_sent} InventoryChanged events to Amazon in {sent.seconds} s ({rules})"
    console.print(table(title, headers, rows, no_wrap=["sku", "mkt"]))
    stock_out = (
        f"stock-outs visible at Amazon {sent.stock_out_seconds} s after the events"
        if sent.stock_out_seconds is not None
        else "[red]the stock-outs did not reach Amazon in time[/red]"
    )
    console.print(f"{len(sent.feeds)} JSON_LISTINGS_FEED(s), {sent.patches} fast-lane patch(es); {stock_out}")
    if sent.error:
        console.print(f"[red]{sent.error}[/red]")


@app.command()
def sandbox(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1.")] = 8600,
    time_scale: Annotated[float, typer.Option(help="Sandbox seconds per real second (e.g. 60).", min=0.01)] = 1.0,
    seed: Annotated[int, typer.Option(help="Seed of the generated sellers, listings and orders.")] = 1,
    aws_endpoint_url: Annotated[str | None, typer.Option(help="SQS endpoint for notifications.")] = None,
    fault: Annotated[list[str] | None, typer.Option(help="NAME=VALUE, e.g. throttle_share=0.1 (repeatable).")] = None,
    validate_responses: Annotated[bool, typer.Option(help="Check every response against Amazon's model.")] = False,
) -> None:
    """Run the local Amazon sandbox on its own, in the foreground (see docs/local.md, the local Amazon sandbox)."""
    from local.sandbox.__main__ import main as sandbox_main

    argv = ["--port", str(port), "--time-scale", str(time_scale), "--seed", str(seed)]
    argv += ["--aws-endpoint-url", aws_endpoint_url] if aws_endpoint_url else []
    argv += [arg for item in fault or [] for arg in ("--fault", item)]
    argv += ["--validate-responses"] if validate_responses else []
    sandbox_main(argv)


@stack_app.command("outputs")
def stack_outputs(local: LocalOpt = False, stack_name: StackOpt = DEFAULT_STACK_NAME, as_json: JsonOpt = False) -> None:
    """Show the stack outputs the CLI works with."""
    from cli.target import resolve_outputs

    with reporting():
        outputs = resolve_outputs(local=local, stack_name=stack_name)
    if as_json:
        print_json(outputs)
    else:
        console.print(table(f"Outputs of {stack_name}", ["key", "value"], [[k, v] for k, v in sorted(outputs.items())]))


if __name__ == "__main__":
    app()
