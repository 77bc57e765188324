"""The tables: key design, capacity mode, recovery, encryption, lifecycle."""

import json

import pytest

from infra.config import Table
from infra.outputs import table_output_key
from tests.infra.template_tools import Synthesized, ref

pytestmark = pytest.mark.infra

TTL = {Table.OAUTH_STATES: "expires_at", Table.RATE_LIMITS: "expires_at", Table.AUDIT: "expires_at"}
WITH_GSI1 = {Table.CONNECTIONS, Table.ORDERS, Table.FEEDS, Table.SHIPMENTS, Table.LISTINGS}
PARTITION_ONLY = {Table.RATE_LIMITS: "pk"}
RETAINED = {
    Table.CONNECTIONS,
    Table.ORDERS,
    Table.FEEDS,
    Table.INVENTORY,
    Table.SHIPMENTS,
    Table.LISTINGS,
    Table.AUDIT,
}
DELETION_PROTECTED = {Table.CONNECTIONS, Table.ORDERS}


def _keys(schema: list[dict[str, str]]) -> dict[str, str]:
    return {k["KeyType"]: k["AttributeName"] for k in schema}


@pytest.mark.parametrize("table", list(Table), ids=str)
def test_each_table_is_on_demand_recoverable_and_encrypted_with_the_stack_key(
    synthesized: Synthesized, table: Table
) -> None:
    props = synthesized.props(synthesized.output_ref(table_output_key(table)))
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["SSESpecification"]["SSEEnabled"] is True
    assert props["SSESpecification"]["SSEType"] == "KMS"
    assert ref(props["SSESpecification"]["KMSMasterKeyId"]) == synthesized.output_ref("KmsKeyArn")


@pytest.mark.parametrize("table", list(Table), ids=str)
def test_key_schema_ttl_and_gsi1_follow_the_key_design(production: Synthesized, table: Table) -> None:
    props = production.props(production.output_ref(table_output_key(table)))
    if table in PARTITION_ONLY:
        assert _keys(props["KeySchema"]) == {"HASH": PARTITION_ONLY[table]}
    else:
        assert _keys(props["KeySchema"]) == {"HASH": "pk", "RANGE": "sk"}
    if table in TTL:
        assert props["TimeToLiveSpecification"] == {"AttributeName": TTL[table], "Enabled": True}
    else:
        assert "TimeToLiveSpecification" not in props
    if table in WITH_GSI1:
        (index,) = props["GlobalSecondaryIndexes"]
        assert index["IndexName"] == "gsi1"
        assert _keys(index["KeySchema"]) == {"HASH": "gsi1pk", "RANGE": "gsi1sk"}
        assert index["Projection"] == {"ProjectionType": "ALL"}
    else:
        assert "GlobalSecondaryIndexes" not in props
    assert all(a["AttributeType"] == "S" for a in props["AttributeDefinitions"])


@pytest.mark.parametrize("table", list(Table), ids=str)
def test_business_data_is_retained_and_the_core_tables_are_deletion_protected(
    production: Synthesized, table: Table
) -> None:
    resource = production.resources[production.output_ref(table_output_key(table))]
    assert resource["DeletionPolicy"] == ("Retain" if table in RETAINED else "Delete")
    assert resource["Properties"]["DeletionProtectionEnabled"] is (table in DELETION_PROTECTED)


def test_the_stack_key_rotates_and_outlives_the_stack(production: Synthesized) -> None:
    key = production.resources[production.output_ref("KmsKeyArn")]
    assert key["Properties"]["EnableKeyRotation"] is True
    assert key["DeletionPolicy"] == "Retain"


def test_the_lwa_secret_is_a_placeholder_structure_encrypted_with_the_stack_key(production: Synthesized) -> None:
    props = production.props(production.output_ref("LwaSecretArn"))
    generated = props["GenerateSecretString"]
    assert generated["GenerateStringKey"] == "client_secret"
    assert set(json.loads(generated["SecretStringTemplate"])) == {"client_id", "application_id"}
    assert ref(props["KmsKeyId"]) == production.output_ref("KmsKeyArn")
