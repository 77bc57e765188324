"""The production registry's `authorization` sync type: its function, schedule, grants and the two alarms on the
connections' authorizations (any connection needing re-authorization; re-authorization due within 30 days)."""

import json
from typing import Any

import pytest

from infra.config import AUTHORIZATION, METRICS_NAMESPACE, SYNC_TYPES
from shared.env import Env
from shared.sync import authorization
from tests.infra.registry import TEST_REGISTRY
from tests.infra.template_tools import Synthesized, notifies_topic, ref

pytestmark = pytest.mark.infra


def _alarms_on_metric(synthesized: Synthesized, metric: str) -> dict[str, dict[str, Any]]:
    """Alarm id -> properties, for alarms whose metric (plain or inside metric math) is one of ours by this name."""
    found = {}
    for lid, alarm in synthesized.of_type("AWS::CloudWatch::Alarm").items():
        props = alarm["Properties"]
        stats = [props] + [m["MetricStat"]["Metric"] for m in props.get("Metrics", []) if "MetricStat" in m]
        if any(s.get("Namespace") == METRICS_NAMESPACE and s.get("MetricName") == metric for s in stats):
            found[lid] = props
    return found


def test_the_registry_entry_mirrors_the_sync_definition() -> None:
    assert AUTHORIZATION in SYNC_TYPES
    assert (AUTHORIZATION.name, AUTHORIZATION.always_on) == (authorization.SYNC_TYPE, authorization.ALWAYS_ON)
    assert AUTHORIZATION.default_schedule == "rate(1 hour)"
    assert not any(entry.always_on for entry in TEST_REGISTRY)


def test_the_function_gets_the_key_and_secret_it_needs_and_no_endpoint_override(production: Synthesized) -> None:
    function = production.function_of("authorization")
    environment = production.environment(function)
    assert ref(environment[Env.KMS_KEY_ARN]) == production.output_ref("KmsKeyArn")
    assert ref(environment[Env.LWA_SECRET_ARN]) == production.output_ref("LwaSecretArn")
    assert Env.LWA_TOKEN_URL not in environment and Env.SPAPI_ENDPOINT_URL not in environment
    props = production.props(function)
    assert (props["Handler"], props["Timeout"]) == ("functions.sync_authorization.lambda_handler", 120)
    role = production.role_of(function)
    assert "kms:Decrypt" in production.actions_on(role, production.output_ref("KmsKeyArn"))
    assert "secretsmanager:GetSecretValue" in production.actions_on(role, production.output_ref("LwaSecretArn"))


def test_the_function_can_make_reauthorization_links(production: Synthesized) -> None:
    function = production.function_of("authorization")
    environment = production.environment(function)
    assert ref(environment[Env.INVITE_KEY_SECRET_ARN]) == production.output_ref("InviteKeySecretArn")
    assert Env.API_URL in environment and Env.OAUTH_STATES_TABLE in environment
    role = production.role_of(function)
    assert "secretsmanager:GetSecretValue" in production.actions_on(role, production.output_ref("InviteKeySecretArn"))


def test_the_schedule_dispatches_authorization_hourly(production: Synthesized) -> None:
    function = production.function_of("authorization")
    schedule = production.schedule_of(function)
    assert schedule["ScheduleExpression"] == "rate(1 hour)"
    assert json.loads(schedule["Target"]["Input"]) == {"sync_type": "authorization", "action": "dispatch"}


def test_an_alarm_fires_while_any_connection_needs_reauthorization(production: Synthesized) -> None:
    (props,) = _alarms_on_metric(production, "ConnectionsNeedingReauthorization").values()
    stats = [m["MetricStat"] for m in props["Metrics"] if "MetricStat" in m]
    # Every registered sync type may find a revoked authorization; the alarm takes the largest count of any.
    assert [(s["Metric"]["Dimensions"], s["Stat"], s["Period"]) for s in stats] == [
        ([{"Name": "sync_type", "Value": entry.name}], "Maximum", 3600) for entry in SYNC_TYPES
    ]
    assert (props["ComparisonOperator"], props["Threshold"]) == ("GreaterThanThreshold", 0)
    # The gauge arrives hourly: between data points the alarm keeps its state instead of clearing.
    assert props["TreatMissingData"] == "ignore"
    assert notifies_topic(production, props)


def test_an_alarm_fires_when_reauthorization_is_due_within_30_days(production: Synthesized) -> None:
    (props,) = _alarms_on_metric(production, "DaysUntilReauthorization").values()
    assert props["Dimensions"] == [{"Name": "sync_type", "Value": "authorization"}]
    assert (props["Statistic"], props["Period"]) == ("Minimum", 3600)
    assert (props["ComparisonOperator"], props["Threshold"]) == ("LessThanOrEqualToThreshold", 30)
    assert props["TreatMissingData"] == "ignore"
    assert notifies_topic(production, props)


def test_a_revocation_found_by_any_sync_type_reaches_the_alarm(sample: Synthesized) -> None:
    (props,) = _alarms_on_metric(sample, "ConnectionsNeedingReauthorization").values()
    dimensions = [m["MetricStat"]["Metric"]["Dimensions"] for m in props["Metrics"] if "MetricStat" in m]
    assert sorted(d[0]["Value"] for d in dimensions) == sorted(e.name for e in TEST_REGISTRY)
    (expression,) = [m["Expression"] for m in props["Metrics"] if "Expression" in m]
    assert expression.startswith("MAX([")
    assert _alarms_on_metric(sample, "DaysUntilReauthorization") == {}
