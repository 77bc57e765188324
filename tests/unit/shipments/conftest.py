"""Fixtures of the shipments unit tests: moto's in-process DynamoDB, and a fresh shipments table per test."""

from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from shared.repositories.shipments import ShipmentsRepository
from tests.dynamodb import create_table
from tests.moto_inprocess import in_process_aws


@pytest.fixture(scope="module")
def dynamodb() -> Iterator[Any]:
    """moto's DynamoDB, in process; fake credentials only."""
    with in_process_aws():
        yield boto3.client(
            "dynamodb", region_name="eu-west-1", aws_access_key_id="testing", aws_secret_access_key="testing"
        )


@pytest.fixture
def table(dynamodb: Any) -> str:
    """A fresh shipments table (pk/sk and gsi1, as infra lays it out)."""
    return create_table(dynamodb, "shipments", gsi1=True)


@pytest.fixture
def repo(dynamodb: Any, table: str) -> ShipmentsRepository:
    return ShipmentsRepository(table, dynamodb)
