"""The synthesized stack itself deploys into the embedded AWS: local and cloud come from one template."""

from collections.abc import Iterator
from typing import Any

import pytest

from infra.config import Queue, Table
from infra.constructs import catalog, shipments
from infra.outputs import ListingsOutput, function_output_key, queue_output_key, table_output_key
from local.checks import check_stack
from local.clock import ScheduleClock
from local.runtime import LocalOptions, LocalStack, run_local_stack
from local.synth import synthesize_cached
from shared.env import Env
from tests.infra.registry import ALPHA, BETA, GAMMA, GAMMA_SCHEDULE, TEST_CONTEXT, TEST_REGISTRY

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return synthesize_cached(TEST_REGISTRY, TEST_CONTEXT).template


@pytest.fixture(scope="module")
def stack(template: dict[str, Any]) -> Iterator[LocalStack]:
    with run_local_stack(
        template, LocalOptions(stack_name="StackRunsLocally", run_pollers=False, run_clock=False)
    ) as running:
        yield running


def test_every_function_gets_its_cloud_environment_with_local_names(stack: LocalStack, template: dict) -> None:
    outputs = stack.deployed.outputs
    for entry in TEST_REGISTRY:
        spec = stack.deployed.functions[outputs[function_output_key(entry)]]
        declared = template["Resources"][spec.logical_id]["Properties"]["Environment"]["Variables"]
        assert set(spec.environment) == set(declared)
        assert spec.handler == entry.handler and spec.timeout_seconds == entry.timeout_seconds
        assert spec.environment[Env.SYNC_QUEUE_URL] == outputs[queue_output_key(entry)]
        for table in entry.tables:
            key = f"{table.value.upper()}_TABLE"
            assert spec.environment[key] == outputs[table_output_key(table)]


def test_event_sources_report_batch_item_failures(stack: LocalStack) -> None:
    by_fn = {e.function: e for e in stack.deployed.event_sources}
    # one per sync type, the notifications consumer's, one per inventory queue, one per shipments queue, the client
    # secret rotation's and the listings notifications consumer's (the sample's context names their partner event
    # source)
    assert len(by_fn) == len(TEST_REGISTRY) + 1 + len(Queue) + len(shipments.QUEUES) + 1 + 1
    beta = by_fn[stack.deployed.outputs[function_output_key(BETA)]]
    assert beta.report_batch_item_failures and beta.batch_size == BETA.batch_size
    assert beta.max_concurrency == BETA.max_concurrency


def test_schedules_run_on_the_local_clock_and_cron_is_listed_as_unsupported(stack: LocalStack) -> None:
    functions = stack.deployed.outputs
    expressions = {s.function: s.expression for s in stack.deployed.schedules}
    # The shipments verification's at-risk sweep, the daily secret age check and the listings subscription sweep are
    # the schedules besides the sync types'.
    sweeps = {name for name, expression in expressions.items() if "ShipmentsVerify" in name}
    assert [expressions.pop(name) for name in sweeps] == [shipments.AT_RISK_SCHEDULE]
    rotation = {name for name in expressions if "SecretRotation" in name}
    assert [expressions.pop(name) for name in rotation] == ["rate(1 day)"]
    listings = functions[ListingsOutput.FUNCTION_NAME]
    assert expressions.pop(listings) == catalog.SUBSCRIBE_SCHEDULE
    assert expressions == {
        functions[function_output_key(ALPHA)]: "rate(5 minutes)",
        functions[function_output_key(GAMMA)]: GAMMA_SCHEDULE,
    }
    clock = ScheduleClock(stack.deployed.schedules, fire=lambda _: None)
    assert [s.expression for s in clock.unsupported] == [GAMMA_SCHEDULE]


def test_alarms_of_the_template_exist_in_the_embedded_aws(stack: LocalStack, template: dict) -> None:
    in_template = sum(1 for r in template["Resources"].values() if r["Type"] == "AWS::CloudWatch::Alarm")
    alarms = stack.deployed.aws.client("cloudwatch").describe_alarms(AlarmNamePrefix="StackRunsLocally-")
    assert len(alarms["MetricAlarms"]) == in_template > 0


def test_data_plane_checks_pass(stack: LocalStack) -> None:
    results = check_stack(stack.deployed)
    assert [c for c in results if not c.ok] == []
    # tables, 3 work queues + 3 DLQs, the notifications queue + DLQ, 4 inventory queues + DLQs, 3 shipments queues +
    # DLQs, the secret rotation queue + DLQ, the listings notifications queue + DLQ, bus, key, secret, API
    assert len(results) == len(Table) + 6 + 2 + 2 * len(Queue) + 2 * len(shipments.QUEUES) + 2 + 2 + 4
