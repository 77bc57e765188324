"""Deploying into an AWS that runs elsewhere (`sellersync local up --aws-endpoint URL`): references resolved over the
API only give what moto's own in-process resolver gives, and the stack runs from a separate moto server process."""

from collections.abc import Iterator
from typing import Any

import pytest
import requests

import local.deploy
from infra.outputs import Output
from local.aws import LocalAws
from local.deploy import deploy_template
from local.resolve_api import ApiResolver
from local.runtime import LocalOptions, LocalStack, run_local_stack
from local.specs import DeployedStack
from local.synth import synthesize_cached
from local.template import LOCAL_EQUIVALENTS
from tests.integration.local.moto_process import external_moto

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return synthesize_cached().template


def _shape(deployed: DeployedStack) -> dict[str, Any]:
    """What the local equivalents hold, by logical ids (physical names differ between two deployments)."""
    logical = {physical: lid for lid, (_, physical) in deployed.resources.items()}
    queues = {
        physical.rsplit("/", 1)[-1]: lid
        for lid, (kind, physical) in deployed.resources.items()
        if kind == "AWS::SQS::Queue"
    }
    return {
        "schedules": sorted((s.logical_id, logical[s.function], s.expression, s.payload) for s in deployed.schedules),
        "event_sources": sorted(
            (logical[e.function], queues[e.queue_arn.rsplit(":", 1)[-1]], e.batch_size, e.batching_window_seconds)
            for e in deployed.event_sources
        ),
        "routes": sorted((r.method, r.path, logical[r.function]) for r in deployed.routes),
        "functions": sorted(spec.logical_id for spec in deployed.functions.values()),
    }


@pytest.fixture(scope="module")
def in_process(local_aws: LocalAws, template: dict[str, Any]) -> Iterator[tuple[DeployedStack, Any, dict]]:
    """The stack deployed into the in-process moto, with moto's resolver and the local values it used."""
    captured: dict[str, Any] = {}
    original = local.deploy._resolver

    def capturing(stack_name: str, aws: LocalAws, values: dict) -> Any:
        captured["values"] = values
        captured["resolve"] = original(stack_name, aws, values)
        return captured["resolve"]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(local.deploy, "_resolver", capturing)
        deployed = deploy_template(template, "ResolvedByApi", local_aws, "http://127.0.0.1:9")
    yield deployed, captured["resolve"], captured["values"]


def test_the_api_resolver_resolves_every_set_aside_resource_as_moto_does(
    in_process: tuple[DeployedStack, Any, dict], template: dict[str, Any]
) -> None:
    deployed, moto_resolve, values = in_process
    resources = template["Resources"]
    account = deployed.aws.client("sts").get_caller_identity()["Account"]
    api_resolve = ApiResolver(deployed.aws, account, deployed.resources, resources, values)
    set_aside = {lid: res for lid, res in resources.items() if res["Type"] in LOCAL_EQUIVALENTS}
    assert len(set_aside) > 20
    for lid, res in set_aside.items():
        properties = res.get("Properties", {})
        got, expected = api_resolve(properties), moto_resolve(properties)
        assert got == expected, lid


@pytest.fixture(scope="module")
def external_stack(template: dict[str, Any]) -> Iterator[LocalStack]:
    with (
        external_moto() as endpoint,
        run_local_stack(
            template,
            LocalOptions(stack_name="ExternalAws", aws_endpoint_url=endpoint, run_pollers=False, run_clock=False),
        ) as stack,
    ):
        yield stack


def test_the_stack_deploys_into_a_moto_server_process_with_the_same_equivalents(
    external_stack: LocalStack, in_process: tuple[DeployedStack, Any, dict]
) -> None:
    deployed = external_stack.deployed
    assert deployed.aws.endpoint_url != in_process[0].aws.endpoint_url
    assert _shape(deployed) == _shape(in_process[0])
    sqs = deployed.aws.client("sqs")
    queue = deployed.outputs[Output.NOTIFICATIONS_QUEUE_URL]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    assert arn == deployed.outputs[Output.NOTIFICATIONS_QUEUE_ARN]


def test_the_local_api_serves_the_oauth_endpoints_from_the_external_aws(external_stack: LocalStack) -> None:
    # The OAuth function reads its tables and secrets in the external moto server: an unknown invite is refused
    # with the stack's own page (not a connection error or a 502 from a missing resource).
    response = requests.get(f"{external_stack.api_url}/oauth/login", timeout=30)
    assert response.status_code == 400
    assert "text/html" in response.headers["content-type"]
