"""Least privilege: each function reaches what its registry entry declares and nothing else."""

import pytest

from infra.access import Access, table_actions
from infra.config import SyncType, Table
from infra.outputs import table_output_key
from tests.infra.registry import BETA, TEST_REGISTRY
from tests.infra.template_tools import WRITES, Synthesized, as_list

pytestmark = pytest.mark.infra
# CDK grants produce these wildcards; the nag acknowledgments name each of them (see infra/nag.py).
WILDCARD_ACTIONS = {"kms:GenerateDataKey*", "kms:ReEncrypt*"}
STAR_RESOURCE_ACTIONS = {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}


def _role(sample: Synthesized, entry: SyncType) -> str:
    return sample.role_of(sample.function_of(entry.name))


def test_the_on_demand_reader_cannot_write_orders(sample: Synthesized) -> None:
    actions = sample.actions_on(_role(sample, BETA), sample.output_ref(table_output_key(Table.ORDERS)))
    assert actions == set(table_actions(Table.ORDERS, Access.READ)) >= {"dynamodb:GetItem", "dynamodb:Query"}
    assert not actions & WRITES


@pytest.mark.parametrize("entry", TEST_REGISTRY, ids=lambda e: e.name)
def test_a_function_reaches_only_the_tables_it_declares_with_the_declared_access(
    sample: Synthesized, entry: SyncType
) -> None:
    role = _role(sample, entry)
    for table in Table:
        actions = sample.actions_on(role, sample.output_ref(table_output_key(table)))
        access = entry.tables.get(table)
        if access is None:
            assert not actions, f"{entry.name} may {sorted(actions)} on {table}"
        elif access is Access.READ:
            assert actions == set(table_actions(table, access)) and not actions & WRITES
        else:
            assert actions == set(table_actions(table, access)) and actions & WRITES


@pytest.mark.parametrize("entry", TEST_REGISTRY, ids=lambda e: e.name)
def test_secret_and_bus_access_only_where_declared(sample: Synthesized, entry: SyncType) -> None:
    role = _role(sample, entry)
    secret_actions = sample.actions_on(role, sample.output_ref("LwaSecretArn"))
    assert ("secretsmanager:GetSecretValue" in secret_actions) is entry.reads_lwa_secret
    assert ("events:PutEvents" in sample.actions_on(role, sample.output_ref("EventBusName"))) is entry.publishes_events


@pytest.mark.parametrize("entry", TEST_REGISTRY, ids=lambda e: e.name)
def test_a_function_sends_to_its_own_queue_only(sample: Synthesized, entry: SyncType) -> None:
    role = _role(sample, entry)
    own = sample.output_ref(f"Sync{entry.title}QueueUrl")
    assert "sqs:SendMessage" in sample.actions_on(role, own)
    others = {sample.output_ref(f"Sync{e.title}QueueUrl") for e in TEST_REGISTRY} - {own}
    assert all("sqs:SendMessage" not in sample.actions_on(role, other) for other in others)


def test_no_managed_policies_and_no_wildcards_beyond_cdk_grants(synthesized: Synthesized) -> None:
    for lid, role in synthesized.of_type("AWS::IAM::Role").items():
        assert "ManagedPolicyArns" not in role["Properties"], lid
        for statement in synthesized.statements(lid):
            actions = set(as_list(statement["Action"]))
            assert {a for a in actions if "*" in a} <= WILDCARD_ACTIONS, lid
            if "*" in as_list(statement["Resource"]):
                assert actions <= STAR_RESOURCE_ACTIONS, (lid, actions)
