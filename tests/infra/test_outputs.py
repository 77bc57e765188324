"""Stack outputs: the documented keys the operator CLI reads, each pointing at the right resource."""

import pytest

from infra.config import SYNC_TYPES, Table
from infra.outputs import Output, dlq_output_key, function_output_key, output_keys, queue_output_key, table_output_key
from tests.infra.registry import TEST_REGISTRY
from tests.infra.template_tools import Synthesized

pytestmark = pytest.mark.infra


def test_the_production_stack_has_exactly_the_documented_outputs(production: Synthesized) -> None:
    assert set(production.json["Outputs"]) == output_keys(SYNC_TYPES)


def test_the_sample_stack_has_exactly_the_documented_outputs(sample: Synthesized) -> None:
    # The sample's context names a listings event source: its notifications' outputs are there, production's are not.
    assert set(sample.json["Outputs"]) == output_keys(TEST_REGISTRY, listings_notifications=True)


@pytest.mark.parametrize(
    ("key", "resource_type"),
    [
        (Output.EVENT_BUS_NAME, "AWS::Events::EventBus"),
        (Output.LWA_SECRET_ARN, "AWS::SecretsManager::Secret"),
        (Output.KMS_KEY_ARN, "AWS::KMS::Key"),
        (Output.ALARM_TOPIC_ARN, "AWS::SNS::Topic"),
        (Output.DASHBOARD_NAME, "AWS::CloudWatch::Dashboard"),
        (Output.NOTIFICATIONS_QUEUE_URL, "AWS::SQS::Queue"),
        (Output.NOTIFICATIONS_QUEUE_ARN, "AWS::SQS::Queue"),
        (Output.NOTIFICATIONS_DLQ_URL, "AWS::SQS::Queue"),
        (Output.NOTIFICATIONS_FUNCTION_NAME, "AWS::Lambda::Function"),
        *((key, "AWS::SQS::Queue") for key in Output if key.startswith("Inventory") and key.endswith("Url")),
        *((key, "AWS::Lambda::Function") for key in Output if key.startswith("Inventory") and key.endswith("Name")),
        *((table_output_key(t), "AWS::DynamoDB::Table") for t in Table),
    ],
)
def test_fixed_outputs_point_at_their_resources(production: Synthesized, key: str, resource_type: str) -> None:
    assert production.resources[production.output_ref(key)]["Type"] == resource_type


def test_the_api_url_is_the_default_stage_url(production: Synthesized) -> None:
    value = production.json["Outputs"][Output.API_URL]["Value"]
    (api,) = production.of_type("AWS::ApiGatewayV2::Api")
    assert api in str(value) and "execute-api" in str(value)


def test_per_sync_type_outputs_point_at_its_function_and_queues(sample: Synthesized) -> None:
    for entry in TEST_REGISTRY:
        assert sample.output_ref(function_output_key(entry)) == sample.function_of(entry.name)
        queue = sample.props(sample.output_ref(queue_output_key(entry)))
        assert queue["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0] == sample.output_ref(
            dlq_output_key(entry)
        )
