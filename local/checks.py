"""Checks that a deployed stack's data plane works: tables, queues, bus, key, secret and API answer as expected."""

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import requests
from botocore.exceptions import ClientError

from local.specs import DeployedStack


@dataclass(frozen=True)
class Check:
    """One check of one component."""

    component: str
    check: str
    ok: bool
    detail: str = ""


def _table(deployed: DeployedStack, name: str) -> Check:
    ddb = deployed.aws.client("dynamodb")
    keys = ddb.describe_table(TableName=name)["Table"]["KeySchema"]
    item = {k["AttributeName"]: {"S": f"healthcheck#{uuid.uuid4()}"} for k in keys}
    first_key = keys[0]["AttributeName"]
    condition = f"attribute_not_exists({first_key})"
    ddb.put_item(TableName=name, Item=item, ConditionExpression=condition)
    try:
        ddb.put_item(TableName=name, Item=item, ConditionExpression=condition)
        return Check(name, "conditional write refuses a duplicate", False, "second write succeeded")
    except ClientError as exc:
        refused = exc.response["Error"]["Code"] == "ConditionalCheckFailedException"
        return Check(name, "conditional write refuses a duplicate", refused, exc.response["Error"]["Code"])
    finally:
        ddb.delete_item(TableName=name, Key=item)


def _queue(deployed: DeployedStack, url: str) -> Check:
    sqs = deployed.aws.client("sqs")
    body = f"healthcheck {uuid.uuid4()}"
    sqs.send_message(QueueUrl=url, MessageBody=body)
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, WaitTimeSeconds=1).get("Messages", [])
    for msg in got:
        sqs.delete_message(QueueUrl=url, ReceiptHandle=msg["ReceiptHandle"])
    return Check(url.rsplit("/", 1)[-1], "message round trip", [m["Body"] for m in got] == [body])


def _bus(deployed: DeployedStack, name: str) -> Check:
    entry = {"Source": "sellersync.healthcheck", "DetailType": "HealthCheck", "Detail": "{}", "EventBusName": name}
    failed = deployed.aws.client("events").put_events(Entries=[entry])["FailedEntryCount"]
    return Check(name, "accepts an event", failed == 0)


def _key(deployed: DeployedStack, arn: str) -> Check:
    kms = deployed.aws.client("kms")
    blob = kms.encrypt(KeyId=arn, Plaintext=b"healthcheck")["CiphertextBlob"]
    return Check(
        arn.rsplit("/", 1)[-1],
        "encrypt/decrypt round trip",
        kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"healthcheck",
    )


def _secret(deployed: DeployedStack, arn: str) -> Check:
    value = deployed.aws.client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"]
    keys = sorted(json.loads(value))  # never the values: they are credentials
    return Check(arn.rsplit(":", 1)[-1], "holds the LWA credential fields", "client_id" in keys, ", ".join(keys))


def _api(url: str) -> Check:
    answer = requests.get(f"{url}/healthcheck-unknown-route", timeout=10)
    return Check(url, "answers (unknown route: 404)", answer.status_code == 404, str(answer.status_code))


def check_stack(deployed: DeployedStack) -> list[Check]:
    """Runs every data-plane check against the deployed stack's outputs."""
    out = deployed.outputs
    checks: list[tuple[str, Callable[[], Check]]] = [
        (n, partial(_table, deployed, n)) for k, n in sorted(out.items()) if k.endswith("TableName")
    ]
    checks += [(u, partial(_queue, deployed, u)) for k, u in sorted(out.items()) if k.endswith(("QueueUrl", "DlqUrl"))]
    by_output = {"EventBusName": _bus, "KmsKeyArn": _key, "LwaSecretArn": _secret}
    checks += [(out[k], partial(fn, deployed, out[k])) for k, fn in by_output.items() if k in out]
    if "ApiUrl" in out:
        checks.append((out["ApiUrl"], partial(_api, out["ApiUrl"])))
    results = []
    for component, run in checks:
        try:
            results.append(run())
        except (ClientError, requests.RequestException) as exc:
            results.append(Check(component, "reachable", False, str(exc)))
    return results
