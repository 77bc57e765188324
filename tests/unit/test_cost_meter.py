"""The cost bench's meter and model (tests/benchmarks/cost_*.py): sizes and units by AWS's rules, and the pricing."""

import io
import json
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

import pytest

from tests.benchmarks.cost_meter import AwsMeter, item_size, read_units, write_units
from tests.benchmarks.cost_model import (
    ESM_REQUESTS_PER_INVOCATION,
    HOURS_PER_MONTH,
    StackShape,
    Usage,
    fixed_price,
    load_prices,
    price,
)

SCOPE = "AWS4-HMAC-SHA256 Credential=AKID/20261207/eu-west-1/{service}/aws4_request, SignedHeaders=host, Signature=x"


def test_item_size_follows_dynamodb_rules() -> None:
    # name + value: "pk" (2) + "abc" (3); "n" (1) + 123 -> 3 digits -> 2 + 1; "m" (1) + map 3 + "k" (1) + 1 + true (1)
    item = {"pk": {"S": "abc"}, "n": {"N": "123"}, "m": {"M": {"k": {"BOOL": True}}}}
    assert item_size(item) == 5 + 4 + 7


def test_units_round_up_per_kilobyte_and_four_kilobytes() -> None:
    assert write_units(10) == 1.0 and write_units(1025) == 2.0
    assert read_units(4096, consistent=True) == 1.0 and read_units(4097, consistent=False) == 1.0
    assert read_units(10, consistent=False) == 0.5


def _call(meter: AwsMeter, service: str, target: str, body: dict[str, Any], answer: dict[str, Any]) -> None:
    payload = json.dumps(body).encode()

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ["HTTP_X_AMZ_TARGET"].endswith("GetItem"):  # the meter's own look-up after an update
            start_response("200 OK", [])
            return [json.dumps({"Item": {"pk": {"S": "a"}, "v": {"S": "x" * 2000}}}).encode()]
        assert json.loads(environ["wsgi.input"].read()) == body  # the request reaches moto unchanged
        start_response("200 OK", [])
        return [json.dumps(answer).encode()]

    environ = {
        "HTTP_AUTHORIZATION": SCOPE.format(service=service),
        "HTTP_X_AMZ_TARGET": target,
        "CONTENT_LENGTH": str(len(payload)),
        "wsgi.input": io.BytesIO(payload),
        "PATH_INFO": "/",
    }
    assert b"".join(meter.wrap(app)(environ, lambda *_: None)) == json.dumps(answer).encode()


def test_meter_counts_requests_and_billed_units() -> None:
    meter = AwsMeter()
    meter.gsi_counts["orders"] = 1
    _call(meter, "dynamodb", "DynamoDB_20120810.PutItem", {"TableName": "orders", "Item": {"v": {"S": "x" * 1500}}}, {})
    update = {"TableName": "t", "Key": {"pk": {"S": "a"}}, "UpdateExpression": "SET v = :v"}
    _call(meter, "dynamodb", "DynamoDB_20120810.UpdateItem", update, {})
    _call(meter, "dynamodb", "DynamoDB_20120810.Query", {"TableName": "t"}, {"Items": [{"v": {"S": "x" * 5000}}]})
    big = {"QueueUrl": "q", "MessageBody": "y" * 70_000}
    _call(meter, "sqs", "AmazonSQS.SendMessage", big, {})
    _call(meter, "events", "AWSEvents.PutEvents", {"Entries": [{"Detail": "{}"}, {"Detail": "{}"}]}, {})
    requests, units = meter.snapshot()
    assert requests == Counter(
        {
            "dynamodb:PutItem": 1,
            "dynamodb:UpdateItem": 1,
            "dynamodb:Query": 1,
            "sqs:SendMessage": 1,
            "events:PutEvents": 1,
        }
    )
    assert units["dynamodb.write:orders"] == 4.0  # 2 units, written again to its one index
    assert units["dynamodb.write:t"] == 2.0  # the item as stored after the update: ~2 KB
    assert units["dynamodb.read:t"] == 1.0  # 5 KB eventually consistent
    assert units["sqs.requests:SendMessage"] == 2.0  # two 64 KB chunks
    assert units["events.entries"] == 2


def test_prices_are_dated_and_regional() -> None:
    prices = load_prices()
    assert prices["region"] == "eu-west-1" and prices["date"] == "2026-12"


def test_price_of_a_usage_and_of_the_standing_resources() -> None:
    prices = load_prices()
    usage = Usage(
        invocations=Counter({"f": 1_000_000}),
        gb_seconds=Counter({"f": 1000.0}),
        units=Counter({"dynamodb.write:t": 1e6, "sqs.requests:SendMessage": 1e6, "sqs.requests:ReceiveMessage": 5.0}),
        esm_invocations=10.0,
    )
    cost = price(usage, prices)
    assert cost["Lambda"] == pytest.approx(
        1000 * prices["lambda"]["gb_second"] + prices["lambda"]["per_million_requests"]
    )
    assert cost["DynamoDB"] == pytest.approx(prices["dynamodb"]["per_million_write_units"])
    sqs = (1e6 + ESM_REQUESTS_PER_INVOCATION * 10) * prices["sqs"]["per_million_requests"] / 1e6
    assert cost["SQS"] == pytest.approx(sqs)  # the local pollers' receives are not billed: Lambda's are modelled
    assert usage.times(2).minus(usage).invocations == usage.invocations
    fixed = fixed_price(
        StackShape(alarms=10, dashboards=1, kms_keys=1, secrets=2, esm_queues=1, metric_series=0), prices
    )
    assert fixed["CloudWatch alarms"] == pytest.approx(10 * prices["cloudwatch"]["alarm_month"])
    assert fixed["SQS: Lambda's idle polling"] == pytest.approx(
        5 * 3 * 60 * HOURS_PER_MONTH * prices["sqs"]["per_million_requests"] / 1e6
    )
