"""EventBridge Scheduler: one schedule per scheduled sync type, none for on-demand ones, context over defaults."""

import json

import pytest

from infra.config import SCHEDULE_RETRY_ATTEMPTS
from tests.infra.registry import ALPHA, BETA, GAMMA, GAMMA_SCHEDULE
from tests.infra.template_tools import Synthesized, ref, referenced

pytestmark = pytest.mark.infra


def _schedules_by_function(sample: Synthesized) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for schedule in sample.of_type("AWS::Scheduler::Schedule").values():
        found.setdefault(str(ref(schedule["Properties"]["Target"]["Arn"])), []).append(schedule["Properties"])
    return found


def test_exactly_one_schedule_per_scheduled_type_and_none_for_on_demand(sample: Synthesized) -> None:
    by_function = _schedules_by_function(sample)
    assert {name: len(by_function.get(sample.function_of(name), [])) for name in ("alpha", "beta", "gamma")} == {
        "alpha": 1,
        "beta": 0,
        "gamma": 1,
    }
    assert BETA.default_schedule is None


@pytest.mark.parametrize(
    ("name", "expression"), [("alpha", ALPHA.default_schedule), ("gamma", GAMMA_SCHEDULE)], ids=["default", "context"]
)
def test_the_schedule_expression_comes_from_the_context_else_the_default(
    sample: Synthesized, name: str, expression: str
) -> None:
    (schedule,) = _schedules_by_function(sample)[sample.function_of(name)]
    assert schedule["ScheduleExpression"] == expression
    assert GAMMA.default_schedule != GAMMA_SCHEDULE


@pytest.mark.parametrize("name", ["alpha", "gamma"])
def test_the_schedule_dispatches_its_own_sync_type_with_retries_and_a_dlq(sample: Synthesized, name: str) -> None:
    function = sample.function_of(name)
    (schedule,) = _schedules_by_function(sample)[function]
    target = schedule["Target"]
    assert json.loads(target["Input"]) == {"sync_type": name, "action": "dispatch"}
    assert target["RetryPolicy"]["MaximumRetryAttempts"] == SCHEDULE_RETRY_ATTEMPTS
    assert target["RetryPolicy"]["MaximumEventAgeInSeconds"] > 0
    (dlq,) = referenced(target["DeadLetterConfig"])
    # The scheduler's role may invoke this function only, and write to its DLQ (with the key SQS encrypts with).
    role = str(ref(target["RoleArn"]))
    assert sample.actions_on(role, function) == {"lambda:InvokeFunction"}
    assert sample.actions_on(role, dlq) == {"sqs:SendMessage"}
    assert {"kms:GenerateDataKey", "kms:Decrypt"} <= sample.actions_on(role, sample.output_ref("KmsKeyArn"))
    other_functions = {sample.function_of(n) for n in ("alpha", "beta", "gamma")} - {function}
    assert all(not sample.actions_on(role, other) for other in other_functions)
