"""The first deployment's `pending` value: the listings notifications' function, queue and subscription schedule, but
no partner bus or rule yet (the partner event source's name is not known before the function has created the
destination)."""

from pathlib import Path

import pytest

from infra.app import build_app, stack_of
from infra.constructs.catalog import LISTINGS_EVENT_SOURCE_CONTEXT_KEY, PENDING, SUBSCRIBE_SCHEDULE
from infra.outputs import ListingsOutput
from tests.infra.registry import TEST_CONTEXT, TEST_REGISTRY
from tests.infra.template_tools import Synthesized, ref

pytestmark = pytest.mark.infra


def test_pending_builds_the_function_queue_and_schedule_without_a_partner_bus(tmp_path: Path) -> None:
    from aws_cdk.assertions import Template

    context = {**TEST_CONTEXT, LISTINGS_EVENT_SOURCE_CONTEXT_KEY: PENDING}
    stack = stack_of(build_app(TEST_REGISTRY, outdir=str(tmp_path), context=context))
    pending = Synthesized(stack=stack, template=Template.from_stack(stack), outdir=tmp_path)
    outputs = pending.json["Outputs"]
    assert ListingsOutput.PARTNER_BUS_NAME not in outputs
    assert {ListingsOutput.QUEUE_URL, ListingsOutput.DLQ_URL, ListingsOutput.FUNCTION_NAME} <= set(outputs)
    buses = pending.of_type("AWS::Events::EventBus").values()
    assert not [b for b in buses if "EventSourceName" in b["Properties"]]
    function = pending.output_ref(ListingsOutput.FUNCTION_NAME)
    schedules = [
        s["Properties"]
        for s in pending.of_type("AWS::Scheduler::Schedule").values()
        if ref(s["Properties"]["Target"]["Arn"]) == function
    ]
    assert [s["ScheduleExpression"] for s in schedules] == [SUBSCRIBE_SCHEDULE]
    queue = pending.output_ref(ListingsOutput.QUEUE_URL)
    targets = [t for r in pending.of_type("AWS::Events::Rule").values() for t in r["Properties"]["Targets"]]
    assert not [t for t in targets if ref(t["Arn"]) == queue]
