"""The inventory rules: what one SKU's offer should carry in one marketplace, and why.

`plan_offer` is pure. Its inputs: the merchant's latest value (`SourceValue`), the settings that apply to the SKU in
the marketplace (`EffectiveSettings`: SKU override over marketplace override over connection-wide value), the
marketplace's currency, and the values last planned for that marketplace (`previous`; None for a new SKU). The rules
apply in this order; each one that changes the outcome adds one sentence to the plan's reasons, which
`sellersync inventory plan` shows.

1. Buffer, a gate and not a subtraction: available below the buffer -> quantity 0.
   "available 5 is below the buffer 6" (not said for available 0, which advertises 0 anyway)
2. Ceiling: quantity above the ceiling -> the ceiling. "capped at the ceiling 4"
   Classic setup, buffer 6 and ceiling 4: available 5 -> 0, available 6 -> 4, available 10 -> 4.
3. Handling days: the source's handling days, else the settings' default_handling_days.
4. Minimum price: a minimum is set and the source's price, in the marketplace's currency, is below it -> quantity 0
   and no price. "price 4.00 is below the minimum price 5.00"
   This applies whether or not pricing is enabled: the minimum is the price below which we do not sell. A price in
   another currency cannot be compared, so it never triggers it.
5. Pricing: no price is sent when (the first that holds gives the reason)
   - rule 4 applied, or the source has no price (nothing more is said);
   - pricing is disabled: "pricing is disabled";
   - no minimum price is set (the settings forbid it; checked again here): "pricing needs a minimum price";
   - the source's price is in another currency: "price is in EUR, the marketplace sells in GBP".
   Otherwise: the source's price, the minimum price (sent as Amazon's minimum_seller_allowed_price) and the
   marketplace's currency.
6. Price guard: a limit is set, `previous` has a price in the same currency, and the new price is more than the limit
   (a share of the previous price: 0.5 is 50%) above or below it -> the change is refused: the previous price,
   minimum price and currency are kept and `refusal` holds the sentence.
   "price 25.00 refused: 150% above 10.00, the limit is 50%"
7. Kept price below the minimum: the guard kept a previous price below today's minimum -> quantity 0, so that a
   refused change never leaves the offer selling below a minimum raised since.
   "the kept price 10.00 is below the minimum price 15.00"

Choices:
- No price means nothing is sent, and Amazon keeps the price it has. That holds when `previous` had a price too
  (pricing disabled since, no price from the merchant, another currency, below the minimum): no price is withdrawn.
- A change exactly at the limit is accepted. A refused price stays refused, against the kept price, until the merchant
  sends a price within the limit or the limit is raised (for one SKU: `sku_overrides`).
"""

from decimal import Decimal

from shared.models.inventory import OfferPlan, OfferValues, SourceValue
from shared.models.settings import ConnectionSettings, EffectiveSettings
from shared.spapi.marketplaces import marketplace_by_id


def plan_offer(
    source: SourceValue, rules: EffectiveSettings, marketplace_currency: str, previous: OfferValues | None
) -> OfferPlan:
    """The offer values for one SKU in one marketplace, with the reasons (the rules: see the module doc)."""
    quantity, reasons = _quantity(source.available, rules)
    handling_days = source.handling_days or rules.default_handling_days
    below_minimum = _below_minimum(source, rules, marketplace_currency)
    if below_minimum:
        quantity = 0
        reasons.append(below_minimum)
    unpriced = OfferValues(quantity=quantity, handling_days=handling_days)
    if below_minimum or source.price is None:
        return OfferPlan(values=unpriced, reasons=tuple(reasons))
    not_priced = _not_priced(source, rules, marketplace_currency)
    if not_priced:
        return OfferPlan(values=unpriced, reasons=(*reasons, not_priced))
    priced = unpriced.model_copy(
        update={"price": source.price, "minimum_price": rules.minimum_price, "currency": marketplace_currency}
    )
    return _guarded(priced, rules, previous, tuple(reasons))


def plan_for(
    source: SourceValue, settings: ConnectionSettings, marketplace_id: str, sku: str, previous: OfferValues | None
) -> OfferPlan:
    """`plan_offer` with the settings that apply to the SKU in the marketplace, in the marketplace's currency."""
    currency = marketplace_by_id(marketplace_id).currency
    return plan_offer(source, settings.effective(marketplace_id, sku), currency, previous)


def _quantity(available: int, rules: EffectiveSettings) -> tuple[int, list[str]]:
    if available < rules.inventory_buffer:
        # available 0 advertises 0 anyway: the buffer changes nothing there.
        return 0, [f"available {available} is below the buffer {rules.inventory_buffer}"] if available else []
    if rules.inventory_ceiling is not None and available > rules.inventory_ceiling:
        return rules.inventory_ceiling, [f"capped at the ceiling {rules.inventory_ceiling}"]
    return available, []


def _below_minimum(source: SourceValue, rules: EffectiveSettings, marketplace_currency: str) -> str | None:
    minimum, price = rules.minimum_price, source.price
    if minimum is None or price is None or source.currency != marketplace_currency or price >= minimum:
        return None
    return f"price {_money(price)} is below the minimum price {_money(minimum)}"


def _not_priced(source: SourceValue, rules: EffectiveSettings, marketplace_currency: str) -> str | None:
    if rules.pricing_disabled:
        return "pricing is disabled"
    if rules.minimum_price is None:
        return "pricing needs a minimum price"
    if source.currency != marketplace_currency:
        return f"price is in {source.currency}, the marketplace sells in {marketplace_currency}"
    return None


def _guarded(
    offer: OfferValues, rules: EffectiveSettings, previous: OfferValues | None, reasons: tuple[str, ...]
) -> OfferPlan:
    limit, price = rules.price_change_limit, offer.price
    if not limit or price is None or previous is None or previous.price is None:
        return OfferPlan(values=offer, reasons=reasons)
    before = previous.price
    if previous.currency != offer.currency or before <= 0 or abs(price - before) <= limit * before:
        return OfferPlan(values=offer, reasons=reasons)
    change = (price - before) / before
    direction = "above" if change > 0 else "below"
    refusal = (
        f"price {_money(price)} refused: {_percent(abs(change))} {direction} {_money(before)}, "
        f"the limit is {_percent(limit)}"
    )
    reasons += (refusal,)
    kept = offer.model_copy(update={"price": before, "minimum_price": previous.minimum_price})
    minimum = rules.minimum_price
    if minimum is not None and before < minimum:
        kept = kept.model_copy(update={"quantity": 0})
        reasons += (f"the kept price {_money(before)} is below the minimum price {_money(minimum)}",)
    return OfferPlan(values=kept, reasons=reasons, refusal=refusal)


def _money(amount: Decimal) -> str:
    return f"{amount:.2f}"


def _percent(share: Decimal) -> str:
    return f"{(share * 100).quantize(Decimal('0.1')).normalize():f}%"
