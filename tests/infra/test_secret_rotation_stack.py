"""The client secret rotation in the production template: the queue open to Amazon's publisher only, the function's
grants on the LWA secret, its daily schedule and its two metric alarms (age near the limit, a failed rotation)."""

import pytest

from infra.config import AMAZON_NOTIFICATIONS_ACCOUNT, METRICS_NAMESPACE
from infra.outputs import Output
from shared.credentials.metrics import CredentialMetric
from shared.env import Env
from tests.infra.template_tools import Synthesized, alarms, as_list, notifies_topic, queue_statements, ref, referenced

pytestmark = pytest.mark.infra

HANDLER = "functions.secret_rotation.lambda_handler"
DAY = 86_400


def _function(production: Synthesized) -> str:
    (function,) = [
        lid
        for lid, f in production.of_type("AWS::Lambda::Function").items()
        if f["Properties"].get("Handler") == HANDLER
    ]
    return function


def test_the_age_alarm_fires_above_150_days_on_the_daily_maximum(production: Synthesized) -> None:
    (props,) = alarms(production, METRICS_NAMESPACE, CredentialMetric.SECRET_AGE_DAYS).values()
    assert (props["Statistic"], props["Period"], props["Threshold"]) == ("Maximum", DAY, 150)
    assert props["ComparisonOperator"] == "GreaterThanThreshold"
    assert props["Dimensions"] == [{"Name": "service", "Value": "sellersync-secret-rotation"}]
    assert notifies_topic(production, props)


def test_a_single_failed_rotation_fires_its_alarm(production: Synthesized) -> None:
    (props,) = alarms(production, METRICS_NAMESPACE, CredentialMetric.SECRET_ROTATION_FAILURES).values()
    assert (props["Statistic"], props["Threshold"], props["ComparisonOperator"]) == (
        "Sum",
        0,
        "GreaterThanThreshold",
    )
    assert props["TreatMissingData"] == "notBreaching"
    assert notifies_topic(production, props)


def test_only_amazons_publisher_may_send_to_the_rotation_queue(production: Synthesized) -> None:
    queue = production.output_ref(Output.SECRET_ROTATION_QUEUE_ARN)
    allowed = [s for s in queue_statements(production, queue) if s["Effect"] == "Allow"]
    assert len(allowed) == 1
    assert sorted(as_list(allowed[0]["Action"])) == ["sqs:GetQueueAttributes", "sqs:SendMessage"]
    assert AMAZON_NOTIFICATIONS_ACCOUNT in str(allowed[0]["Principal"])
    assert production.props(queue)["MessageRetentionPeriod"] == DAY


def test_the_function_writes_new_versions_of_the_lwa_secret_only(production: Synthesized) -> None:
    function = _function(production)
    role = production.role_of(function)
    secret = production.output_ref(Output.LWA_SECRET_ARN)
    actions = production.actions_on(role, secret)
    assert "secretsmanager:PutSecretValue" in actions
    assert not {"secretsmanager:UpdateSecret", "secretsmanager:UpdateSecretVersionStage"} & actions
    assert ref(production.environment(function)[Env.LWA_SECRET_ARN]) == secret
    assert production.environment(function)[Env.SECRET_ROTATE_AFTER_DAYS] == "150"
    schedule = production.schedule_of(function)
    assert schedule["ScheduleExpression"] == "rate(1 day)"
    assert '"action":"check"' in str(schedule["Target"]["Input"]).replace(" ", "")
    # Its one event source is the rotation queue, one message at a time.
    sources = [
        m["Properties"]
        for m in production.of_type("AWS::Lambda::EventSourceMapping").values()
        if ref(m["Properties"]["FunctionName"]) == function
    ]
    assert [referenced(s["EventSourceArn"]) for s in sources] == [
        {production.output_ref(Output.SECRET_ROTATION_QUEUE_ARN)}
    ]
    assert sources[0]["BatchSize"] == 1
