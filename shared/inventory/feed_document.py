"""The JSON_LISTINGS_FEED document we upload, its processing report, and the fast lane's patch: pure code.

`build_feed` turns changes into one feed document (one PATCH message per SKU), checked against Amazon's own feed
schema (`shared/spapi/schemas/`, copied unchanged) before it leaves; `parse_report` and `outcomes` map the
processing report back to each message. `stock_out_patch` / `offer_patch` carry the same attributes for
patchListingsItem.

Prices go out as JSON numbers. A Decimal is written as the float whose shortest repr is the same number (19.99 stays
19.99); one that a float cannot hold exactly (more than 15 significant digits) is refused rather than rounded.
"""

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any, Literal

import fastjsonschema
from pydantic import BaseModel, ConfigDict

from shared.models.inventory import Change, OfferValues
from shared.spapi.models.base import SpApiModel
from shared.spapi.models.listings import ListingsItemPatchRequest, PatchOperation

MAX_MESSAGES = 25_000
CONTENT_TYPE = "application/json; charset=UTF-8"
FEED_SCHEMA = Path(__file__).resolve().parent.parent / "spapi" / "schemas" / "listings-feed-schema-v2.json"
AVAILABILITY_PATH = "/attributes/fulfillment_availability"
OFFER_PATH = "/attributes/purchasable_offer"
# Issue codes worth sending again unchanged. 4000000 "An internal error has occurred. Please try again." is what
# JSON_LISTINGS_FEED reports and the Listings Items API return for failures on Amazon's side
# (selling-partner-api-docs #1150; selling-partner-api-models #2544, #4362: gone on a later try). 5002 "An internal
# error occurred. Please resubmit your data." is the feeds' older code for the same (selling-partner-api-docs #1974).
# Everything else (4002008 schema, 99022 missing value, 90220, the sandbox's SANDBOX_* codes) needs a change first.
TRANSIENT_CODES = frozenset({"4000000", "5002"})
# The code given to a message the report neither mentions nor counts as processed.
NOT_PROCESSED = "NOT_PROCESSED"
_MAX_MESSAGE_CHARS = 500
_MAX_PROBLEMS_SHOWN = 10


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FeedEntry(_Frozen):
    """Which change a feed message carries, so report lines map back to (SKU, revision)."""

    message_id: int
    sku: str
    rev: int


class BuiltFeed(_Frozen):
    """A feed document ready for upload, with the content type to use for createFeedDocument and the PUT."""

    content: bytes
    content_type: str = CONTENT_TYPE
    entries: tuple[FeedEntry, ...]


class FeedProblem(_Frozen):
    """One schema violation: of a message (its id and SKU) or of the document (both None)."""

    message_id: int | None
    sku: str | None
    error: str


class InvalidFeedError(Exception):
    """A document we built does not match Amazon's feed schema: a bug on our side, never sent."""

    def __init__(self, problems: Sequence[FeedProblem]) -> None:
        self.problems = tuple(problems)
        shown = "; ".join(_describe(p) for p in self.problems[:_MAX_PROBLEMS_SHOWN])
        more = len(self.problems) - _MAX_PROBLEMS_SHOWN
        suffix = f" (+{more} more)" if more > 0 else ""
        super().__init__(f"feed document fails the listings feed schema: {shown}{suffix}")


def build_feed(
    seller_id: str, marketplace_id: str, changes: Sequence[Change], issue_locale: str | None = None
) -> BuiltFeed:
    """One JSON_LISTINGS_FEED for one marketplace: a PATCH message per change, messageIds 1..n.

    Raises:
        ValueError: no changes, more than 25,000 (the caller splits), or a price a JSON number cannot hold exactly.
        InvalidFeedError: the document fails Amazon's feed schema.
    """
    if not 0 < len(changes) <= MAX_MESSAGES:
        raise ValueError(f"a listings feed takes 1..{MAX_MESSAGES} messages, got {len(changes)}")
    header: dict[str, Any] = {"sellerId": seller_id, "version": "2.0"}
    if issue_locale is not None:
        header["issueLocale"] = issue_locale
    messages = [
        {
            "messageId": message_id,
            "sku": change.sku,
            "operationType": "PATCH",
            "productType": change.product_type,
            "patches": _patches(change.values, marketplace_id),
        }
        for message_id, change in enumerate(changes, start=1)
    ]
    document = {"header": header, "messages": messages}
    validate_feed(document)
    content = json.dumps(document, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()
    entries = tuple(FeedEntry(message_id=i, sku=c.sku, rev=c.rev) for i, c in enumerate(changes, start=1))
    return BuiltFeed(content=content, entries=entries)


def validate_feed(document: dict[str, Any]) -> None:
    """Checks a feed document against listings-feed-schema-v2.json; raises InvalidFeedError naming each problem."""
    try:
        _feed_validator()(document)
    except fastjsonschema.JsonSchemaValuesException as exc:
        raise InvalidFeedError([_problem(document, error) for error in exc.errors]) from None
    except fastjsonschema.JsonSchemaValueException as exc:
        raise InvalidFeedError([_problem(document, exc)]) from None


def stock_out_patch(change: Change) -> ListingsItemPatchRequest:
    """The fast lane's patchListingsItem body: quantity and handling time only."""
    return ListingsItemPatchRequest(product_type=change.product_type, patches=[_availability(change.values)])


def offer_patch(change: Change, marketplace_id: str) -> ListingsItemPatchRequest:
    """A patchListingsItem body carrying what a feed message carries: availability, and the price when set."""
    operations = [PatchOperation.model_validate(p) for p in _patches(change.values, marketplace_id)]
    return ListingsItemPatchRequest(product_type=change.product_type, patches=operations)


class ReportHeader(SpApiModel):
    """Who the report is for and which feed it answers."""

    seller_id: str
    version: str
    feed_id: str


class ReportIssue(SpApiModel):
    """One issue of the processing report; without messageId it concerns the whole feed."""

    severity: Literal["ERROR", "WARNING", "INFO"]
    message: str
    message_id: int | None = None
    sku: str | None = None
    code: str | None = None
    attribute_name: str | None = None


class ReportSummary(SpApiModel):
    """The report's counts."""

    errors: int
    warnings: int
    messages_processed: int
    messages_accepted: int
    messages_invalid: int


class ProcessingReport(SpApiModel):
    """A JSON_LISTINGS_FEED processing report (the fields we use; `items` is ignored)."""

    header: ReportHeader
    issues: list[ReportIssue] = []
    summary: ReportSummary


class MessageOutcome(_Frozen):
    """What became of one message: ACCEPTED (for processing, with any warnings) or REJECTED with Amazon's reason."""

    status: Literal["ACCEPTED", "REJECTED"]
    code: str | None = None
    message: str | None = None
    transient: bool = False


def parse_report(content: bytes) -> ProcessingReport:
    """Reads a processing report (already gunzipped); raises pydantic.ValidationError when it is not one."""
    return ProcessingReport.model_validate_json(content)


def outcomes(report: ProcessingReport, entries: Sequence[FeedEntry]) -> dict[int, MessageOutcome]:
    """The outcome of every message of a feed, by messageId.

    A message with an ERROR issue is REJECTED (transient when all its error codes are). One without issues is
    ACCEPTED when the summary counts every message as processed; otherwise it takes the feed-level errors (issues
    without messageId), or NOT_PROCESSED (transient) when the report gives no reason.
    """
    by_message: dict[int, list[ReportIssue]] = defaultdict(list)
    for issue in report.issues:
        if issue.message_id is not None:
            by_message[issue.message_id].append(issue)
    feed_errors = [i for i in report.issues if i.message_id is None and i.severity == "ERROR"]
    processed = report.summary.messages_processed >= len(entries)
    return {e.message_id: _outcome(by_message.get(e.message_id, []), feed_errors, processed) for e in entries}


# A message without issues in a processed feed, the common case (one shared instance: the outcome is immutable).
_ACCEPTED = MessageOutcome(status="ACCEPTED")


def _outcome(issues: list[ReportIssue], feed_errors: list[ReportIssue], processed: bool) -> MessageOutcome:
    if processed and not issues:
        return _ACCEPTED
    errors = [i for i in issues if i.severity == "ERROR"]
    if errors:
        return _rejected(errors)
    if processed:
        return MessageOutcome(status="ACCEPTED", code=issues[0].code if issues else None, message=_join(issues))
    if feed_errors:
        return _rejected(feed_errors)
    return MessageOutcome(status="REJECTED", code=NOT_PROCESSED, message="Not processed by Amazon.", transient=True)


def _rejected(errors: list[ReportIssue]) -> MessageOutcome:
    transient = all(e.code in TRANSIENT_CODES for e in errors)
    return MessageOutcome(status="REJECTED", code=errors[0].code, message=_join(errors), transient=transient)


def _join(issues: Iterable[ReportIssue]) -> str | None:
    text = "; ".join(dict.fromkeys(i.message for i in issues))
    if len(text) > _MAX_MESSAGE_CHARS:
        text = text[: _MAX_MESSAGE_CHARS - 1] + "…"
    return text or None


def _patches(values: OfferValues, marketplace_id: str) -> list[dict[str, Any]]:
    patches = [_availability(values).model_dump()]
    if values.price is not None:
        patches.append({"op": "replace", "path": OFFER_PATH, "value": [_offer(values, marketplace_id)]})
    return patches


def _availability(values: OfferValues) -> PatchOperation:
    entry = {
        "fulfillment_channel_code": "DEFAULT",
        "quantity": values.quantity,
        "lead_time_to_ship_max_days": values.handling_days,
    }
    return PatchOperation(op="replace", path=AVAILABILITY_PATH, value=[entry])


def _offer(values: OfferValues, marketplace_id: str) -> dict[str, Any]:
    assert values.price is not None
    if values.currency is None:
        raise ValueError("a price needs a currency")
    offer: dict[str, Any] = {
        "marketplace_id": marketplace_id,
        "currency": values.currency,
        "audience": "ALL",
        "our_price": _schedule(values.price),
    }
    if values.minimum_price is not None:
        offer["minimum_seller_allowed_price"] = _schedule(values.minimum_price)
    return offer


def _schedule(amount: Decimal) -> list[dict[str, Any]]:
    return [{"schedule": [{"value_with_tax": _number(amount)}]}]


def _number(amount: Decimal) -> float:
    """The float JSON writes as exactly `amount` (json uses the shortest repr that reads back as the same float)."""
    number = float(amount)
    if not amount.is_finite() or Decimal(repr(number)) != amount:
        raise ValueError(f"price {amount} cannot be sent exactly as a JSON number")
    return number


@cache
def _feed_validator() -> Callable[[Any], Any]:
    # use_default=False: fastjsonschema would otherwise write the schema's default "requirements": "LISTING" into
    # every message, which the schema itself forbids for PATCH. fast_fail=False collects every violation.
    schema = json.loads(FEED_SCHEMA.read_text(encoding="utf-8"))
    return fastjsonschema.compile(schema, use_default=False, fast_fail=False)


def _problem(document: dict[str, Any], error: fastjsonschema.JsonSchemaValueException) -> FeedProblem:
    path = list(error.path or [])
    message_id, sku = None, None
    if len(path) >= 3 and path[1] == "messages" and str(path[2]).isdigit():
        message = document["messages"][int(path[2])]
        if isinstance(message, dict):
            message_id, sku = message.get("messageId"), message.get("sku")
    return FeedProblem(
        message_id=message_id if isinstance(message_id, int) else None,
        sku=sku if isinstance(sku, str) else None,
        error=error.message,
    )


def _describe(problem: FeedProblem) -> str:
    if problem.message_id is None and problem.sku is None:
        return problem.error
    return f"messageId {problem.message_id} (SKU {problem.sku!r}): {problem.error}"
