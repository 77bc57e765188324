"""Handlers the local-runtime tests deploy: small, real Lambda handlers that touch the embedded AWS."""

import json
import os
import time
from typing import Any

import boto3


def record(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """SQS handler: stores each body in TABLE, reports bodies 'fail' as failed items, raises on 'boom'."""
    table = boto3.resource("dynamodb").Table(os.environ["TABLE"])
    failures = []
    for rec in event.get("Records", []):
        if rec["body"] == "boom":
            raise RuntimeError("boom")
        if rec["body"] == "fail":
            failures.append({"itemIdentifier": rec["messageId"]})
            continue
        table.put_item(Item={"pk": rec["body"], "source": rec["eventSource"], "fn": context.function_name})
    if "Records" not in event:
        table.put_item(Item={"pk": "schedule", "payload": json.dumps(event)})
    return {"batchItemFailures": failures}


def hello(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """HTTP handler: echoes the route, query and remaining time."""
    if (event.get("queryStringParameters") or {}).get("sleep"):
        time.sleep(float(event["queryStringParameters"]["sleep"]))
    body = {
        "route": event["routeKey"],
        "query": event.get("queryStringParameters"),
        "remaining_ms": context.get_remaining_time_in_millis(),
        "table": os.environ["TABLE"],
    }
    return {
        "statusCode": 201,
        "headers": {"content-type": "application/json"},
        "body": json.dumps(body),
        "cookies": ["a=b; Path=/"],
    }
