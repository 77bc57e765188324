"""What the commands show, as plain JSON-ready dicts: the same data feeds the tables and `--json`."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from shared.models.connection import Connection, ConnectionStatus
from shared.models.settings import ConnectionSettings, MarketplaceOverrides
from shared.spapi.marketplaces import UnknownMarketplaceError, marketplace_by_id

if TYPE_CHECKING:  # the types of what other commands show: not imported by `connections list`
    from shared.models.orders import ImportedOrder, Money, OrderLine
    from shared.models.sync import SyncStatus
    from shared.repositories.subscriptions import SubscriptionRecord


def country(marketplace_id: str) -> str:
    """Amazon's country code of a marketplace (the id itself when unknown)."""
    try:
        return marketplace_by_id(marketplace_id).country_code
    except UnknownMarketplaceError:
        return marketplace_id


def days_left(connection: Connection, now: datetime) -> int | None:
    """Days until the seller must authorize again; None once disconnected (there is no token to expire)."""
    if connection.status is ConnectionStatus.DISCONNECTED:
        return None
    return connection.days_until_reauthorization(now)


def connection_summary(connection: Connection, now: datetime) -> dict[str, Any]:
    """One row of `connections list`."""
    return {
        "connection_id": connection.connection_id,
        "name": connection.name,
        "selling_partner_id": connection.selling_partner_id,
        "region": connection.region.value,
        "marketplaces": [country(m) for m in connection.marketplace_ids],
        "status": connection.status.value,
        "status_reason": connection.status_reason,
        "days_until_reauthorization": days_left(connection, now),
    }


def connection_detail(connection: Connection, now: datetime) -> dict[str, Any]:
    """Every field of a connection (never its token), with the derived dates."""
    return connection_summary(connection, now) | {
        "marketplace_ids": list(connection.marketplace_ids),
        "authorized_at": connection.authorized_at.isoformat(),
        "reauthorize_by": connection.reauthorize_by.isoformat(),
        "created_at": connection.created_at.isoformat(),
        "updated_at": connection.updated_at.isoformat(),
    }


def settings_view(settings: ConnectionSettings, version: int, marketplace_ids: tuple[str, ...]) -> dict[str, Any]:
    """The stored settings, and the effective values in each of the connection's and the overridden marketplaces."""
    shown = sorted(set(marketplace_ids) | set(settings.marketplace_overrides), key=country)
    effective = {}
    for marketplace_id in shown:
        values = settings.effective(marketplace_id).model_dump(mode="json", exclude={"marketplace_id"})
        override = settings.marketplace_overrides.get(marketplace_id, MarketplaceOverrides())
        effective[marketplace_id] = values | {
            "country": country(marketplace_id),
            "overridden": sorted(override.model_dump(exclude_none=True)),
        }
    dumped = {k: sorted(v) if isinstance(v, list) else v for k, v in settings.model_dump(mode="json").items()}
    return {"version": version, "settings": dumped, "effective": effective}


def sync_status_row(status: SyncStatus) -> dict[str, Any]:
    """One sync type's latest run."""
    return {
        "sync_type": status.sync_type,
        "state": status.state.value,
        "last_run_at": status.last_run_at.isoformat(),
        "last_success_at": None if status.last_success_at is None else status.last_success_at.isoformat(),
        "counts": dict(status.counts),
        "details": dict(status.details),
        "duration_ms": status.duration_ms,
        "last_error": status.last_error,
        "reason": status.reason,
    }


def subscription_row(record: SubscriptionRecord) -> dict[str, Any]:
    """One recorded notification subscription."""
    return {
        "notification_type": record.notification_type,
        "subscription_id": record.subscription_id,
        "destination_id": record.destination_id,
        "created_at": record.created_at.isoformat(),
    }


def short_time(iso: str | None) -> str:
    """An ISO timestamp to the minute, for tables ('-' for none)."""
    return "-" if iso is None else iso[:16].replace("T", " ")


def iso(moment: datetime | None) -> str | None:
    """A timestamp as ISO 8601 in UTC (None for none)."""
    return None if moment is None else moment.astimezone(UTC).isoformat()


def money_text(money: Money | None) -> str | None:
    """An amount with its currency, e.g. `12.50 EUR` (None for none)."""
    return None if money is None else f"{money.amount} {money.currency}"


def order_flags(order: ImportedOrder) -> list[str]:
    """The programs of an order: Prime, SFP (seller-fulfilled Prime), Business, Premium."""
    flags = {
        "Prime": order.is_prime,
        "SFP": order.is_seller_fulfilled_prime,
        "Business": order.is_business,
        "Premium": order.is_premium,
    }
    return [name for name, on in flags.items() if on]


def order_row(order: ImportedOrder) -> dict[str, Any]:
    """One row of `orders list`: the shipping method the service level maps to, else Amazon's service level."""
    return {
        "order_id": order.order_id,
        "connection_id": order.connection_id,
        "marketplace": country(order.marketplace_id),
        "status": order.status,
        "purchase_date": iso(order.purchase_date),
        "ship_by_latest": iso(order.ship_by_latest),
        "items": sum(line.quantity_ordered for line in order.items),
        "total": money_text(order.order_total),
        "flags": order_flags(order),
        "shipping": order.shipping_method or order.shipping_service_level,
        "last_updated": iso(order.last_updated),
    }


def marketplace_counts(orders: Iterable[ImportedOrder]) -> dict[str, int]:
    """How many of the orders each marketplace (country code) has, most first, then by code."""
    counted = Counter(country(order.marketplace_id) for order in orders)
    return dict(sorted(counted.items(), key=lambda entry: (-entry[1], entry[0])))


def cancellation_text(line: OrderLine) -> str | None:
    """A line's cancellation: requested or done (by whom), with the reason; None when there is none."""
    if line.cancelled_by:
        state = f"cancelled by {line.cancelled_by}"
    elif line.cancellation_requested:
        state = "requested"
    else:
        return None
    return f"{state}: {line.cancellation_reason}" if line.cancellation_reason else state
