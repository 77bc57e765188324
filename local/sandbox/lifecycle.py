"""Orders over sandbox time: new orders arrive (Poisson), PENDING ones become UNSHIPPED, Amazon ships FBA ones."""

from collections.abc import Callable
from typing import TYPE_CHECKING

from local.sandbox.clock import days
from local.sandbox.entities import PENDING, SHIPPED, UNSHIPPED
from local.sandbox.notify import STATUS_CHANGE, order_changed
from local.sandbox.order_factory import create_order, random_spec
from local.sandbox.state import SandboxState

if TYPE_CHECKING:
    from local.sandbox.world import Sandbox

Action = Callable[[float], None]
FBA_SHIP_DELAY = days(1)


def start_lifecycle(sandbox: "Sandbox", state: SandboxState) -> None:
    """Schedules pending promotions of existing orders and the first arrival per seller."""
    now = sandbox.now()
    for seller in state.sellers.values():
        for order in seller.orders.values():
            if order.status == PENDING and order.pending_until is not None:
                state.scheduler.at(order.pending_until, _promote(sandbox, order.order_id))
        _schedule_arrival(sandbox, state, seller.selling_partner_id, now)


def track_pending(sandbox: "Sandbox", order_id: str, due: float) -> None:
    """Schedules a PENDING order's move to UNSHIPPED (used for steered orders too)."""
    sandbox.state.scheduler.at(due, _promote(sandbox, order_id))


def _schedule_arrival(sandbox: "Sandbox", state: SandboxState, seller_id: str, after: float) -> None:
    rate_per_second = sandbox.config.orders_per_hour / 3600
    if rate_per_second <= 0:
        return
    state.scheduler.at(after + state.rng.expovariate(rate_per_second), _arrive(sandbox, seller_id))


def _arrive(sandbox: "Sandbox", seller_id: str) -> Action:
    def action(due: float) -> None:
        # Look the state up at run time: a reset swaps the state's contents, not the Sandbox.
        state = sandbox.state
        seller = state.seller(seller_id)
        if seller is None:
            return
        order = create_order(
            state, seller, random_spec(state, PENDING, seller.marketplace_ids), due, sandbox.config.pending_seconds
        )
        order_changed(sandbox, order, STATUS_CHANGE, due)
        track_pending(sandbox, order.order_id, due + sandbox.config.pending_seconds)
        _schedule_arrival(sandbox, state, seller_id, due)

    return action


def _promote(sandbox: "Sandbox", order_id: str) -> Action:
    def action(due: float) -> None:
        order = sandbox.state.find_order(order_id)
        if order is None or order.status != PENDING:
            return
        order.status, order.pending_until = UNSHIPPED, None
        order_changed(sandbox, order, STATUS_CHANGE, due)
        if not order.is_mfn:
            sandbox.state.scheduler.at(due + FBA_SHIP_DELAY, _ship_fba(sandbox, order_id))

    return action


def _ship_fba(sandbox: "Sandbox", order_id: str) -> Action:
    def action(due: float) -> None:
        order = sandbox.state.find_order(order_id)
        if order is None or order.status != UNSHIPPED:
            return
        for item in order.items:
            item.quantity_shipped = item.quantity
        order.status = SHIPPED
        order_changed(sandbox, order, STATUS_CHANGE, due)

    return action
