"""JSON_LISTINGS_FEED processing: the document is checked against listings-feed-schema-v2.json, each message is
applied on its own (one marketplace per feed), and a processing report (schema v2) is returned.

Stricter than Amazon on purpose: a PATCH / PARTIAL_UPDATE / DELETE for an unknown SKU is an error here, while
Amazon accepts offer-only data for unknown SKUs (selling-partner-api-models #4402), so clients see their error path.
"""

import json
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any

import fastjsonschema
from jsonschema import Draft7Validator, ValidationError

from local.sandbox.entities import Listing, Seller
from local.sandbox.listing_notify import listing_changed, snapshot
from local.sandbox.listing_patches import Issue, apply, check_attributes, check_patches
from local.sandbox.listing_render import children_of, listing_json
from local.sandbox.records import Feed
from local.sandbox.specs import load_schema
from local.sandbox.validation import ResponseValidationError

if TYPE_CHECKING:
    from local.sandbox.world import Sandbox

FEED_SCHEMA = "feeds/listings-feed-schema-v2.json"
REPORT_SCHEMA = "feeds/listings-feed-processing-report-schema-v2.json"
SCHEMA_INVALID = "4002008"  # Amazon: "The provided message did not meet the schema validation requirements..."


def process_listings_feed(sandbox: "Sandbox", feed: Feed, content: bytes) -> tuple[str, bytes, str]:
    """Runs a JSON_LISTINGS_FEED; returns (processing status, report JSON, content type)."""
    seller = sandbox.state.sellers[feed.seller_id]
    try:
        document = json.loads(content)
    except ValueError:
        report = _report(feed, None, [_feed_issue("The feed document is not valid JSON.")], {})
        return "FATAL", _dump(sandbox, report), "application/json"
    errors = _schema_errors(document)
    bad_messages = {e.absolute_path[1] for e in errors if _message_path(e.absolute_path)}
    feed_errors = [e for e in errors if not _message_path(e.absolute_path)]
    if feed_errors:
        issues = [_feed_issue(f"Feed rejected: {e.message}") for e in feed_errors[:10]]
        return "DONE", _dump(sandbox, _report(feed, None, issues, {})), "application/json"
    header = document["header"]
    if header["sellerId"] != feed.seller_id:
        issue = _feed_issue(f"sellerId {header['sellerId']} does not match the seller submitting the feed.")
        return "DONE", _dump(sandbox, _report(feed, header, [issue], {})), "application/json"
    issues, accepted = _process_messages(sandbox, seller, feed, document["messages"], bad_messages)
    report = _report(feed, header, issues, _summary(len(document["messages"]), accepted, issues))
    included = (header.get("report") or {}).get("includedData")
    if included:
        report["items"] = _items(seller, accepted, feed.marketplace_ids, set(included))
    return "DONE", _dump(sandbox, report), "application/json"


def _schema_errors(document: Any) -> list[ValidationError]:
    """Every schema violation of the document. The compiled check answers for a valid document (jsonschema's walk
    takes seconds for 25,000 messages, under the sandbox's lock); only an invalid one is walked for its errors."""
    try:
        _fast_validator()(document)
    except fastjsonschema.JsonSchemaException:
        return list(Draft7Validator(load_schema(FEED_SCHEMA)).iter_errors(document))
    return []


@cache
def _fast_validator() -> Callable[[Any], Any]:
    # use_default=False: the check must not write the schema's defaults into the messages it reads.
    return fastjsonschema.compile(load_schema(FEED_SCHEMA), use_default=False)


def _process_messages(
    sandbox: "Sandbox", seller: Seller, feed: Feed, messages: list[dict[str, Any]], bad: set[Any]
) -> tuple[list[dict[str, Any]], list[str]]:
    issues: list[dict[str, Any]] = []
    accepted: list[str] = []
    seen: set[int] = set()
    for index, message in enumerate(messages):
        message_id, sku = message.get("messageId"), message.get("sku")
        if index in bad:
            found = [Issue(SCHEMA_INVALID, "The provided message did not meet the schema validation requirements.")]
        elif message_id in seen:
            found = [Issue(SCHEMA_INVALID, f"messageId {message_id} is used more than once in this feed.")]
        else:
            found = _apply_message(sandbox, seller, message, feed.marketplace_ids[0])
        if isinstance(message_id, int):
            seen.add(message_id)
        issues += [_message_issue(message_id, sku, issue) for issue in found]
        if not any(issue.severity == "ERROR" for issue in found):
            accepted.append(str(sku))
    return issues, accepted


def _apply_message(sandbox: "Sandbox", seller: Seller, message: dict[str, Any], marketplace_id: str) -> list[Issue]:
    operation, sku = message["operationType"], message["sku"]
    listing = seller.listings.get(sku)
    if listing is None and operation != "UPDATE":
        return [Issue("SANDBOX_SKU_NOT_FOUND", f"SKU '{sku}' does not exist for this seller.")]
    now = sandbox.now()
    before = snapshot(listing)
    if operation == "DELETE":
        assert listing is not None
        listing.offers.pop(marketplace_id, None)
        if not listing.offers:
            del seller.listings[sku]
        listing_changed(sandbox, seller.selling_partner_id, before, listing, now)
        return []
    if listing is None:
        listing = Listing(sku, sandbox.state.ids.asin(), message["productType"], sku, now, now)
    if operation == "PATCH":
        change, issues = check_patches(listing, message["patches"], [marketplace_id])
    else:
        change, issues = check_attributes(listing, message["attributes"], [marketplace_id])
    if not any(issue.severity == "ERROR" for issue in issues):
        apply(listing, change, now)
        seller.listings.setdefault(sku, listing)
        listing_changed(sandbox, seller.selling_partner_id, before, listing, now)
    return issues


def _message_path(path: Any) -> bool:
    return len(path) >= 2 and path[0] == "messages"


def _feed_issue(message: str) -> dict[str, Any]:
    return {"code": SCHEMA_INVALID, "severity": "ERROR", "message": message}


def _message_issue(message_id: Any, sku: Any, issue: Issue) -> dict[str, Any]:
    found: dict[str, Any] = {"code": issue.code, "severity": issue.severity, "message": issue.message}
    if isinstance(message_id, int) and message_id >= 1:
        found["messageId"] = message_id
    if isinstance(sku, str) and sku:
        found["sku"] = sku
    if issue.attribute_name:
        found["attributeName"] = issue.attribute_name
    return found


def _summary(processed: int, accepted: list[str], issues: list[dict[str, Any]]) -> dict[str, int]:
    return {
        "errors": sum(1 for i in issues if i["severity"] == "ERROR"),
        "warnings": sum(1 for i in issues if i["severity"] == "WARNING"),
        "messagesProcessed": processed,
        "messagesAccepted": len(accepted),
        "messagesInvalid": processed - len(accepted),
    }


def _report(
    feed: Feed, header: dict[str, Any] | None, issues: list[dict[str, Any]], summary: dict[str, int]
) -> dict[str, Any]:
    report_header: dict[str, Any] = {"sellerId": feed.seller_id, "version": "2.0", "feedId": feed.feed_id}
    if header and header.get("report"):
        report_header["report"] = header["report"]
    feed.summary = summary or _summary(0, [], issues)
    return {"header": report_header, "issues": issues, "summary": feed.summary}


def _items(seller: Seller, skus: list[str], marketplace_ids: list[str], included: set[str]) -> list[dict[str, Any]]:
    found = [seller.listings[sku] for sku in dict.fromkeys(skus) if sku in seller.listings]
    return [listing_json(item, marketplace_ids, included, children_of(seller.listings, item.sku)) for item in found]


def _dump(sandbox: "Sandbox", report: dict[str, Any]) -> bytes:
    if sandbox.config.validate_responses:
        errors = list(Draft7Validator(load_schema(REPORT_SCHEMA)).iter_errors(report))
        if errors:
            raise ResponseValidationError(f"processing report: {errors[0].message}")
    return json.dumps(report).encode()
