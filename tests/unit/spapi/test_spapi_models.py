"""Request models refuse what Amazon would refuse, before a call is spent."""

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from shared.spapi.models.listings import PatchOperation
from shared.spapi.models.notifications import DestinationResourceSpecification
from shared.spapi.models.orders import SearchOrdersQuery
from shared.spapi.models.shipments import PackageDetail
from shared.spapi.wire import iso_datetime, parse_error

T0 = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"created_after": T0, "last_updated_after": T0},
        {"created_after": T0, "last_updated_before": T0},
        {"created_after": datetime(2026, 1, 1)},  # naive
        {"created_after": T0, "max_results_per_page": 101},
    ],
)
def test_search_orders_query_needs_exactly_one_time_family(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        SearchOrdersQuery.model_validate(kwargs)


def test_carrier_other_needs_a_carrier_name() -> None:
    with pytest.raises(ValidationError, match="carrier_name"):
        PackageDetail(package_reference_id="1", carrier_code="Other", tracking_number="1", ship_date=T0, order_items=[])


def test_patches_touch_top_level_attributes_only() -> None:
    with pytest.raises(ValidationError):
        PatchOperation(op="replace", path="/attributes/a/b")


def test_a_destination_is_sqs_or_eventbridge() -> None:
    with pytest.raises(ValidationError):
        DestinationResourceSpecification()


def test_dates_go_out_in_utc_with_z() -> None:
    assert iso_datetime(datetime.fromisoformat("2026-01-01T02:00:00+02:00")) == "2026-01-01T00:00:00Z"


def test_error_parsing_keeps_code_message_details_and_request_id() -> None:
    body = b'{"errors":[{"code":"InvalidInput","message":"Bad sku","details":"sku"}]}'
    error = parse_error(400, body, {"x-amzn-RequestId": "rid"}, "getListingsItem")
    assert (error.code, error.message, error.details, error.request_id) == ("InvalidInput", "Bad sku", "sku", "rid")
    assert "getListingsItem" in str(error) and "rid" in str(error)
