"""Least privilege, pinned per role: who may decrypt refresh tokens, and exactly which table actions each has.

A role that gains a permission (a new grant, a CDK grant that widens) fails here until this table says so.
"""

from collections.abc import Mapping
from dataclasses import dataclass

import pytest

from infra.config import Table
from infra.outputs import table_output_key
from shared.repositories.connections import TOKEN_CONTEXT_KEY
from tests.infra.template_tools import Synthesized, as_list, referenced

pytestmark = pytest.mark.infra

GET, QUERY, BATCH_GET = "dynamodb:GetItem", "dynamodb:Query", "dynamodb:BatchGetItem"
PUT, UPDATE, DELETE = "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"
CONNECTIONS_RW = (GET, QUERY, PUT, UPDATE, DELETE)
ORDERS_RW = (GET, QUERY, PUT, UPDATE)
RATE_LIMITS_RW = (GET, UPDATE)
FEEDS_RW = (QUERY, PUT, UPDATE)
INVENTORY_RW = (BATCH_GET, QUERY, PUT)
# Packages and cancellations: transactions of Puts, Updates and a ConditionCheck (never a Delete).
SHIPMENTS_RW = (GET, QUERY, PUT, UPDATE, "dynamodb:ConditionCheckItem")


@dataclass(frozen=True)
class Expected:
    """What one function's role may do: decrypt refresh tokens, and the DynamoDB actions per table."""

    decrypts_tokens: bool
    tables: Mapping[Table, tuple[str, ...]]


PIPELINE = {Table.CONNECTIONS: CONNECTIONS_RW, Table.INVENTORY: INVENTORY_RW}
SHIPMENTS = {
    Table.CONNECTIONS: (GET, QUERY),
    Table.ORDERS: (GET, QUERY),
    Table.SHIPMENTS: SHIPMENTS_RW,
    Table.RATE_LIMITS: RATE_LIMITS_RW,
}
CALLS_AMAZON = {**PIPELINE, Table.RATE_LIMITS: RATE_LIMITS_RW}
# Only the functions that call Amazon with a seller's refresh token may decrypt one. No role can Scan, BatchWriteItem,
# or use an action on a table that our code never calls there.
EXPECTED = {
    "functions.oauth.lambda_handler": Expected(
        False, {Table.CONNECTIONS: (GET, PUT, UPDATE), Table.OAUTH_STATES: (GET, PUT, UPDATE, DELETE)}
    ),
    "functions.sync_authorization.lambda_handler": Expected(True, {Table.CONNECTIONS: CONNECTIONS_RW}),
    # the order functions read the SKU map (listings table) for the events' merchant SKUs
    "functions.sync_orders.lambda_handler": Expected(
        True,
        {
            Table.CONNECTIONS: CONNECTIONS_RW,
            Table.ORDERS: ORDERS_RW,
            Table.RATE_LIMITS: RATE_LIMITS_RW,
            Table.LISTINGS: (GET, QUERY),
        },
    ),
    "functions.sync_inventory.lambda_handler": Expected(False, {**PIPELINE, Table.LISTINGS: (GET, QUERY)}),
    "functions.sync_catalog.lambda_handler": Expected(
        True,
        {
            Table.CONNECTIONS: CONNECTIONS_RW,
            Table.LISTINGS: (GET, QUERY, PUT, UPDATE, DELETE),
            Table.RATE_LIMITS: RATE_LIMITS_RW,
        },
    ),
    "functions.notifications.lambda_handler": Expected(
        True,
        {
            Table.CONNECTIONS: (GET, QUERY),
            Table.ORDERS: ORDERS_RW,
            Table.RATE_LIMITS: RATE_LIMITS_RW,
            Table.LISTINGS: (GET, QUERY),
        },
    ),
    # the input function reads the SKU map (listings table) to fan a merchant SKU out to its Amazon SKUs
    "functions.inventory_input.lambda_handler": Expected(False, {**PIPELINE, Table.LISTINGS: (GET, QUERY)}),
    "functions.inventory_feeds.lambda_handler": Expected(True, {**CALLS_AMAZON, Table.FEEDS: FEEDS_RW}),
    # the fast lane logs its stock-outs in the feeds table (shared/inventory/watch.py)
    "functions.inventory_fastlane.lambda_handler": Expected(True, {**CALLS_AMAZON, Table.FEEDS: FEEDS_RW}),
    "functions.inventory_results.lambda_handler": Expected(True, {**CALLS_AMAZON, Table.FEEDS: FEEDS_RW}),
    # The shipments functions read stored orders and connections, and keep the shipments table.
    # the input also reads the SKU map (listings table): a package item may name an order line's merchant SKU
    "functions.shipments_input.lambda_handler": Expected(True, {**SHIPMENTS, Table.LISTINGS: (GET, QUERY)}),
    **{f"functions.shipments_{name}.lambda_handler": Expected(True, SHIPMENTS) for name in ("verify", "cancellations")},
}
TOKEN_DENIAL = {"Null": {f"kms:EncryptionContext:{TOKEN_CONTEXT_KEY}": "false"}}


def _key(stack: Synthesized) -> str:
    (key,) = stack.of_type("AWS::KMS::Key")
    return key


def decrypts_tokens(stack: Synthesized, role: str) -> bool:
    """Whether the role may call kms:Decrypt on the stack key under a refresh token's encryption context.

    Allowed by a statement on the key that no kms:ViaService condition limits to an AWS service, and not denied by a
    statement on the key conditioned on the token's context key.
    """
    key = _key(stack)
    allowed = denied = False
    for statement in stack.statements(role):
        if "kms:Decrypt" not in as_list(statement["Action"]) or key not in referenced(statement["Resource"]):
            continue
        condition = statement.get("Condition", {})
        if statement["Effect"] == "Deny":
            denied |= condition == TOKEN_DENIAL
        else:
            allowed |= not any("kms:ViaService" in values for values in condition.values())
    return allowed and not denied


def _functions(stack: Synthesized) -> dict[str, str]:
    """Handler -> role of each of our functions (those whose handler lives in functions/)."""
    roles: dict[str, str] = {}
    for lid, function in stack.of_type("AWS::Lambda::Function").items():
        handler = function["Properties"].get("Handler", "")
        if handler.startswith("functions."):
            assert handler not in roles, f"two functions run {handler}"
            roles[handler] = stack.role_of(lid)
    return roles


def test_every_function_of_the_stack_is_pinned(production: Synthesized) -> None:
    assert set(_functions(production)) == set(EXPECTED)


@pytest.mark.parametrize("handler", sorted(EXPECTED))
def test_only_the_functions_that_call_amazon_with_a_token_can_decrypt_one(
    production: Synthesized, handler: str
) -> None:
    role = _functions(production)[handler]
    assert decrypts_tokens(production, role) is EXPECTED[handler].decrypts_tokens


@pytest.mark.parametrize("handler", sorted(EXPECTED))
def test_each_function_has_exactly_the_table_actions_its_code_calls(production: Synthesized, handler: str) -> None:
    role = _functions(production)[handler]
    for table in Table:
        actions = {
            a
            for a in production.actions_on(role, production.output_ref(table_output_key(table)))
            if a.startswith("dynamodb:")
        }
        assert actions == set(EXPECTED[handler].tables.get(table, ())), (handler, table)


def test_no_other_role_can_decrypt_tokens_and_no_role_can_scan(production: Synthesized) -> None:
    ours = set(_functions(production).values())
    for lid in production.of_type("AWS::IAM::Role"):
        actions = {a for s in production.statements(lid) if s["Effect"] == "Allow" for a in as_list(s["Action"])}
        assert not {"dynamodb:Scan", "dynamodb:*", "dynamodb:BatchWriteItem"} & actions, lid
        if lid not in ours:
            assert not decrypts_tokens(production, lid), lid


def test_the_oauth_function_encrypts_tokens_and_reads_the_lwa_secret(production: Synthesized) -> None:
    role = _functions(production)["functions.oauth.lambda_handler"]
    key_actions = production.actions_on(role, _key(production))
    assert "kms:Encrypt" in key_actions
    assert "secretsmanager:GetSecretValue" in production.actions_on(role, production.output_ref("LwaSecretArn"))
