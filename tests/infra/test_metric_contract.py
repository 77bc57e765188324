"""Every metric an alarm or a widget reads is one the code emits: same namespace, name and dimension names."""

import copy
from typing import Any

import pytest

from infra.config import METRICS_NAMESPACE
from shared.metrics import MetricKey
from shared.sync.metrics import SYNC_DIMENSION, SyncMetric
from tests.infra.metric_contract import (
    DECLARED,
    Emission,
    Read,
    emissions_in,
    emitted_by_code,
    read_by_template,
    unemitted,
)
from tests.infra.template_tools import Synthesized

pytestmark = pytest.mark.infra


def test_every_emission_call_names_a_declared_metric() -> None:
    emitted = emitted_by_code()
    assert [e.where for e in emitted if e.key is None] == []
    # The scan finds the emitters: the sync runner, orders, inventory, notifications and the OAuth function.
    assert {e.where.split(":")[0] for e in emitted} >= {
        "shared/sync/jobs.py",
        "shared/orders/sync.py",
        "shared/inventory/input.py",
        "functions/notifications.py",
        "functions/oauth.py",
    }


def test_an_emission_of_a_literal_or_undeclared_name_is_reported() -> None:
    source = (
        "metrics.add_metric('OrdersImported', unit, 1)\n"
        "metrics.add_metric(name=UNDECLARED, unit=unit, value=1)\n"
        "metrics.add_metric(SyncMetric.ORDERS_IMPORTED, unit, 1)\n"
        "metrics.add_metric(SPELLED, unit, 1)\n"
    )
    namespace = {"SyncMetric": SyncMetric, "UNDECLARED": "Undeclared", "SPELLED": "OrdersImported"}
    found = list(emissions_in(source, "m.py", namespace))
    assert [(e.where, e.key) for e in found] == [
        ("m.py:1", None),
        ("m.py:2", None),
        ("m.py:3", DECLARED[SyncMetric.ORDERS_IMPORTED]),
        ("m.py:4", None),
    ]


def test_every_metric_an_alarm_or_widget_reads_is_one_the_code_emits(production: Synthesized) -> None:
    reads = read_by_template(production.json)
    ours = [r for r in reads if r.key.namespace == METRICS_NAMESPACE]
    # The checker sees the alarms (OAuth, re-authorization, order lag, feeds failed) and the widgets' metrics.
    assert {r.key.name for r in ours if r.where.startswith("alarm")} >= {
        "ConnectServerErrors",
        "ConnectionsNeedingReauthorization",
        "DaysUntilReauthorization",
        "OrderImportLagSeconds",
        "InventoryFeedsFailed",
    }
    assert {r.key.name for r in ours if r.where.startswith("dashboard")} >= {"SyncRuns", "InventoryTiesResolved"}
    assert unemitted(reads, emitted_by_code()) == []


def _alarm(metric: dict[str, Any]) -> dict[str, Any]:
    return {"Type": "AWS::CloudWatch::Alarm", "Properties": {"Threshold": 0, "EvaluationPeriods": 1, **metric}}


def test_a_planted_alarm_or_widget_on_a_metric_no_code_emits_is_reported(production: Synthesized) -> None:
    # Given the production template with three alarms and a widget planted on metrics the code does not emit:
    # a misspelt name, the right name with an extra `service` dimension, one inside a math expression, and a widget
    # in another namespace
    template = copy.deepcopy(production.json)
    sync_type = [{"Name": SYNC_DIMENSION, "Value": "orders"}]
    resources = template["Resources"]
    resources["PlantedMisspelt"] = _alarm(
        {"Namespace": METRICS_NAMESPACE, "MetricName": "OrdersImportd", "Dimensions": sync_type}
    )
    resources["PlantedExtraDimension"] = _alarm(
        {
            "Namespace": METRICS_NAMESPACE,
            "MetricName": SyncMetric.ORDERS_IMPORTED.value,
            "Dimensions": [*sync_type, {"Name": "service", "Value": "sellersync"}],
        }
    )
    stat = {"Namespace": METRICS_NAMESPACE, "MetricName": "SyncRunz", "Dimensions": sync_type}
    resources["PlantedInMath"] = _alarm(
        {"Metrics": [{"Id": "e", "Expression": "m0"}, {"Id": "m0", "MetricStat": {"Metric": stat, "Period": 300}}]}
    )
    (dashboard,) = [r for r in resources.values() if r["Type"] == "AWS::CloudWatch::Dashboard"]
    widget = '{"type":"metric","properties":{"title":"planted","metrics":[["Other","SyncRuns","sync_type","x"]]}}'
    parts = dashboard["Properties"]["DashboardBody"]["Fn::Join"][1]
    parts[0] = parts[0].replace('"widgets":[', '"widgets":[' + widget + ",", 1)
    # When the checker compares it with what the code emits
    problems = unemitted(read_by_template(template), emitted_by_code())
    # Then it reports each planted metric, and nothing else
    assert sorted(p.split(" reads ")[0] for p in problems) == [
        "alarm PlantedExtraDimension",
        "alarm PlantedInMath",
        "alarm PlantedMisspelt",
        "dashboard " + next(k for k, r in resources.items() if r is dashboard) + " widget 'planted'",
    ]
    assert "emitted as" in next(p for p in problems if p.startswith("alarm PlantedExtraDimension"))


def test_a_read_metric_matches_only_on_the_full_dimension_set() -> None:
    emitted = [Emission("x.py:1", MetricKey(METRICS_NAMESPACE, "A", frozenset({"sync_type"})))]
    fewer = Read("alarm X", MetricKey(METRICS_NAMESPACE, "A", frozenset()))
    aws = Read("alarm Y", MetricKey("AWS/Lambda", "Errors", frozenset({"FunctionName"})))
    assert unemitted([fewer, aws], emitted) == [
        f"alarm X reads {fewer.key} (emitted as {emitted[0].key})",
    ]
