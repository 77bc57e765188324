"""The cost bench's meter and model (tests/benchmarks/cost_*.py): sizes and units by AWS's rules, and the pricing."""

import io
import json
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

import pytest

from tests.benchmarks.cost_dynamodb import Index, TableShape, index_write_units, item_size, read_units, write_units
from tests.benchmarks.cost_meter import AwsMeter
from tests.benchmarks.cost_model import (
    ESM_REQUESTS_PER_INVOCATION,
    HOURS_PER_MONTH,
    StackShape,
    Usage,
    fixed_price,
    load_prices,
    price,
    traced_functions,
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
    assert units["dynamodb.write:orders"] == 2.0  # ~1.5 KB: 2 units
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


def test_x_ray_bills_a_trace_per_invocation_of_the_actively_traced_functions_only() -> None:
    template = {
        "Resources": {
            "A": {"Type": "AWS::Lambda::Function", "Properties": {"TracingConfig": {"Mode": "Active"}}},
            "P": {"Type": "AWS::Lambda::Function", "Properties": {"TracingConfig": {"Mode": "PassThrough"}}},
            "Q": {"Type": "AWS::SQS::Queue", "Properties": {}},
        }
    }
    traced = traced_functions(template)
    assert traced == {"A"}
    prices = load_prices()
    # the meter names functions as deployed: <stack>-<logical id>-<suffix>
    usage = Usage(invocations=Counter({"Stack-A-x1": 1_000_000, "Stack-P-x2": 3_000_000}))
    per_trace = prices["xray"]["per_million_traces"] / 1e6
    assert price(usage, prices, traced)["X-Ray"] == pytest.approx(1_000_000 * per_trace)
    assert price(usage, prices)["X-Ray"] == pytest.approx(4_000_000 * per_trace)  # `sellersync:tracing` all
    # Lambda bills every invocation, traced or not
    assert price(usage, prices, traced)["Lambda"] == price(usage, prices)["Lambda"]


GSI1 = Index(("gsi1pk", "gsi1sk"), None)
IN_INDEX = {"pk": {"S": "a"}, "sk": {"S": "b"}, "gsi1pk": {"S": "g"}, "gsi1sk": {"S": "1"}}


def test_an_index_is_written_only_where_the_item_has_its_keys() -> None:
    bare = {"pk": {"S": "a"}, "sk": {"S": "b"}, "status": {"S": "RUNNING"}}
    assert index_write_units(GSI1, None, bare) == 0.0  # a put without the index's keys
    assert index_write_units(GSI1, bare, {**bare, "status": {"S": "DONE"}}) == 0.0
    assert index_write_units(GSI1, bare, {**bare, "gsi1pk": {"S": "g"}}) == 0.0  # half a key: not in the index
    assert index_write_units(GSI1, None, IN_INDEX) == 1.0  # put into the index
    assert index_write_units(GSI1, IN_INDEX, None) == 1.0  # deleted from it
    assert index_write_units(GSI1, IN_INDEX, bare) == 1.0  # its keys removed: taken out
    assert index_write_units(GSI1, IN_INDEX, {**IN_INDEX, "gsi1sk": {"S": "2"}}) == 2.0  # moved: out, then in
    assert index_write_units(GSI1, IN_INDEX, {**IN_INDEX, "v": {"S": "x"}}) == 1.0  # a projected attribute changed
    assert index_write_units(GSI1, IN_INDEX, dict(IN_INDEX)) == 0.0  # nothing changed in the index
    assert index_write_units(GSI1, None, {**IN_INDEX, "v": {"S": "x" * 1500}}) == 2.0  # billed by its size


def test_a_keys_only_index_bills_only_its_projection() -> None:
    properties = {
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        "GlobalSecondaryIndexes": [
            {
                "IndexName": "gsi1",
                "KeySchema": [{"AttributeName": "gsi1pk", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            }
        ],
    }
    shape = TableShape.of(properties)
    assert shape.keys == ("pk", "sk") and shape.indexes == (Index(("gsi1pk",), ("pk", "sk", "gsi1pk")),)
    (index,) = shape.indexes
    big = {**IN_INDEX, "v": {"S": "x" * 3000}}
    assert index_write_units(index, None, big) == 1.0  # the keys only, not the 3 KB value
    assert index_write_units(index, big, {**big, "v": {"S": "y"}}) == 0.0  # no projected attribute changed


def _store_app(store: dict[str, dict[str, Any]]) -> Callable[..., Iterable[bytes]]:
    """A stand-in for moto's DynamoDB over `store` (GetItem, PutItem, DeleteItem, BatchWriteItem of puts, UpdateItem
    with SET or REMOVE of plain names); a ConditionExpression fails the write."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        op = environ["HTTP_X_AMZ_TARGET"].rsplit(".", 1)[-1]
        req = json.loads(environ["wsgi.input"].read())
        if "ConditionExpression" in req:
            start_response("400 Bad Request", [])
            return [b'{"__type": "ConditionalCheckFailedException"}']
        if op == "BatchWriteItem":
            for r in req["RequestItems"]["orders"]:
                item = r["PutRequest"]["Item"]
                store[json.dumps({k: item[k] for k in ("pk", "sk")}, sort_keys=True)] = item
            start_response("200 OK", [])
            return [b"{}"]
        key = json.dumps(
            {k: v for k, v in (req.get("Item") or req["Key"]).items() if k in ("pk", "sk")}, sort_keys=True
        )
        answer: dict[str, Any] = {}
        if op == "GetItem" and key in store:
            answer = {"Item": store[key]}
        elif op == "PutItem":
            store[key] = req["Item"]
        elif op == "DeleteItem":
            store.pop(key, None)
        elif op == "UpdateItem":
            store[key] = _updated(dict(store.get(key, req["Key"])), req)
        start_response("200 OK", [])
        return [json.dumps(answer).encode()]

    return app


def _updated(item: dict[str, Any], req: dict[str, Any]) -> dict[str, Any]:
    verb, names = req["UpdateExpression"].split(" ", 1)
    for name in (n.split("=")[0].strip() for n in names.split(",")):
        if verb == "SET":
            item[name] = req["ExpressionAttributeValues"][f":{name}"]
        else:
            item.pop(name, None)
    return item


def _write(meter: AwsMeter, app: Callable[..., Iterable[bytes]], op: str, body: dict[str, Any]) -> float:
    """The table's write units of one request through the meter."""
    payload = json.dumps({"TableName": "orders", **body}).encode()
    environ = {
        "HTTP_AUTHORIZATION": SCOPE.format(service="dynamodb"),
        "HTTP_X_AMZ_TARGET": f"DynamoDB_20120810.{op}",
        "CONTENT_LENGTH": str(len(payload)),
        "wsgi.input": io.BytesIO(payload),
        "PATH_INFO": "/",
    }
    _, before = meter.snapshot()
    b"".join(meter.wrap(app)(environ, lambda *_: None))
    _, after = meter.snapshot()
    return after["dynamodb.write:orders"] - before["dynamodb.write:orders"]


def test_the_meter_counts_an_index_write_only_for_items_in_the_index() -> None:
    meter, store = AwsMeter(), {}  # type: ignore[var-annotated]
    meter.tables["orders"] = TableShape(("pk", "sk"), (GSI1,))
    app = _store_app(store)
    lease = {"pk": {"S": "lease"}, "sk": {"S": "x"}}
    assert _write(meter, app, "PutItem", {"Item": lease}) == 1.0  # no gsi keys: no index write
    set_owner = {"UpdateExpression": "SET owner = :owner", "ExpressionAttributeValues": {":owner": {"S": "w"}}}
    assert _write(meter, app, "UpdateItem", {"Key": lease, **set_owner}) == 1.0
    assert _write(meter, app, "PutItem", {"Item": IN_INDEX}) == 2.0  # table + its index
    key = {"pk": IN_INDEX["pk"], "sk": IN_INDEX["sk"]}
    assert _write(meter, app, "UpdateItem", {"Key": key, **set_owner}) == 2.0  # an indexed item changed
    moved = {"UpdateExpression": "SET gsi1sk = :gsi1sk", "ExpressionAttributeValues": {":gsi1sk": {"S": "2"}}}
    assert _write(meter, app, "UpdateItem", {"Key": key, **moved}) == 3.0  # out of the index and in again
    failed = {"Key": key, "ConditionExpression": "attribute_not_exists(pk)", **set_owner}
    assert _write(meter, app, "UpdateItem", failed) == 1.0  # a failed condition bills the table, not the index
    assert _write(meter, app, "UpdateItem", {"Key": key, "UpdateExpression": "REMOVE gsi1pk"}) == 2.0  # taken out
    assert _write(meter, app, "DeleteItem", {"Key": key}) == 1.0  # no longer in the index
    assert _write(meter, app, "DeleteItem", {"Key": lease}) == 1.0
    assert store == {}
    batch = {"RequestItems": {"orders": [{"PutRequest": {"Item": IN_INDEX}}, {"PutRequest": {"Item": lease}}]}}
    assert _write(meter, app, "BatchWriteItem", batch) == 3.0  # two items, one of them indexed


def test_the_local_emf_stand_in_puts_are_not_billed() -> None:
    # local/emf.py turns the functions' EMF lines into PutMetricData on the embedded AWS; in AWS the logs carry them
    usage = Usage(requests=Counter({"monitoring:PutMetricData": 1_000_000}), log_bytes=0.0)
    assert price(usage, load_prices())["CloudWatch"] == 0.0


def test_a_service_below_zero_in_a_part_counts_as_nothing() -> None:
    from tests.benchmarks.cost_report import _counted

    counted = _counted({"DynamoDB": 0.02, "Secrets Manager": -0.007, "KMS": 0.0})
    assert counted == {"DynamoDB": 0.02, "Secrets Manager": 0.0, "KMS": 0.0}
    assert sum(counted.values()) == pytest.approx(0.02)
