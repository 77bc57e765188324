"""The orders world (moto, the local Amazon sandbox, the real notifications consumer) for the security tests."""

from tests.integration.orders.conftest import key_arn, sandbox, world  # noqa: F401  (fixtures, re-exported)
