"""The client secret's alarms on the embedded AWS (local/alarms.py), through the real rotation function: a secret near
its 180-day limit fires SecretAgeNearLimit, and a rotation Amazon refuses (the local sandbox has no rotation queue
registered: 400 "not enrolled", as Amazon answers before the console step) fires SecretRotationFailed.

The shared local stack's LWA secret gets an old creation date for the test, then its previous value back.
"""

import json
from datetime import UTC, datetime, timedelta

import pytest

from infra.outputs import Output
from local.alarms import ALARM, MetricSource, evaluate_alarm
from local.amazon import LocalWorld

pytestmark = pytest.mark.integration


def test_a_secret_near_its_limit_and_a_refused_rotation_fire_their_alarms(local_world: LocalWorld) -> None:
    deployed = local_world.stack.deployed
    secrets = deployed.aws.client("secretsmanager")
    arn = deployed.outputs[Output.LWA_SECRET_ARN]
    original = secrets.get_secret_value(SecretId=arn)["SecretString"]
    old = json.loads(original) | {"client_secret_created_at": (datetime.now(UTC) - timedelta(days=160)).isoformat()}
    secrets.put_secret_value(SecretId=arn, SecretString=json.dumps(old))
    try:
        # When the daily check runs (the real function in its worker; its EMF forwarded to the embedded CloudWatch)
        function = deployed.outputs[Output.SECRET_ROTATION_FUNCTION_NAME]
        result = local_world.stack.runtime.invoke(function, {"action": "check"})
        assert result.ok, result.payload
        assert (result.payload["outcome"], result.payload["age_days"]) == ("failed", 160), result.payload
        assert "not enrolled" in result.payload["error"]
    finally:
        secrets.put_secret_value(SecretId=arn, SecretString=original)

    # Then both alarms fire
    cloudwatch, sqs = deployed.aws.client("cloudwatch"), deployed.aws.client("sqs")
    pages = cloudwatch.get_paginator("describe_alarms").paginate(AlarmNamePrefix=f"{deployed.stack_name}-")
    alarms = [alarm for page in pages for alarm in page["MetricAlarms"]]
    now = datetime.now(UTC)
    for name in ("SecretAgeNearLimit", "SecretRotationFailed"):
        (alarm,) = [a for a in alarms if name in a["AlarmName"]]
        state = evaluate_alarm(alarm, MetricSource(cloudwatch, sqs), now)
        assert state.state == ALARM, (name, state.reason)
