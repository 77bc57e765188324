"""cdk.json's `sellersync:amazonEndpoints`: the Amazon endpoint overrides of a deployed stack, checked at synthesis."""

import json
from pathlib import Path
from typing import Any

import pytest

from infra.amazon_endpoints import AMAZON_ENDPOINTS_CONTEXT_KEY, AmazonEndpointsError, check_url, endpoint_overrides
from infra.app import build_app
from infra.config import SCHEDULES_CONTEXT_KEY
from shared.env import Env
from tests.infra.conftest import synthesize
from tests.infra.registry import ALPHA
from tests.infra.template_tools import Synthesized

pytestmark = pytest.mark.infra

OVERRIDES = {
    "spapiEndpointUrl": "https://sandbox.sellingpartnerapi-eu.amazon.com",
    "lwaTokenUrl": "https://api.amazon.com/auth/o2/token",
    "sellerCentralUrl": "https://sellercentral-europe.amazon.com",
}
OVERRIDE_KEYS = {Env.SPAPI_ENDPOINT_URL, Env.LWA_TOKEN_URL, Env.SELLER_CENTRAL_URL}


def _environments(synthesized: Synthesized) -> dict[str, dict[str, Any]]:
    return {lid: synthesized.environment(lid) for lid in synthesized.of_type("AWS::Lambda::Function")}


@pytest.mark.parametrize(
    "url",
    ["https://example.com", "http://127.0.0.1:8600", "http://127.5.0.9", "http://localhost:1", "http://[::1]:80/x"],
)
def test_https_or_loopback_http_is_accepted(url: str) -> None:
    assert check_url(url) == url


@pytest.mark.parametrize("url", ["http://example.com", "http://10.0.0.1", "ftp://example.com", "example.com", ""])
def test_anything_else_is_refused(url: str) -> None:
    with pytest.raises(ValueError, match="http"):
        check_url(url)


def test_unset_means_no_overrides() -> None:
    assert endpoint_overrides(None) == {}


def test_a_json_string_as_cdk_dash_c_passes_it_is_read() -> None:
    assert endpoint_overrides(json.dumps(OVERRIDES))[Env.LWA_TOKEN_URL] == OVERRIDES["lwaTokenUrl"]


def test_a_deployed_stack_without_the_key_sets_no_override(sample: Synthesized) -> None:
    environments = _environments(sample)
    assert environments
    assert all(not (OVERRIDE_KEYS & set(env)) for env in environments.values())


def test_the_overrides_reach_every_function(tmp_path: Path) -> None:
    context = {SCHEDULES_CONTEXT_KEY: {}, AMAZON_ENDPOINTS_CONTEXT_KEY: OVERRIDES}
    environments = _environments(synthesize((ALPHA,), tmp_path, context))
    assert len(environments) >= 2  # the sync worker and the stack's own functions (OAuth, notifications, inventory)
    for env in environments.values():
        assert env[Env.SPAPI_ENDPOINT_URL] == OVERRIDES["spapiEndpointUrl"]
        assert env[Env.LWA_TOKEN_URL] == OVERRIDES["lwaTokenUrl"]
        assert env[Env.SELLER_CENTRAL_URL] == OVERRIDES["sellerCentralUrl"]


@pytest.mark.parametrize(
    ("value", "named"),
    [
        ({**OVERRIDES, "lwaTokenUrl": "http://api.amazon.com/auth/o2/token"}, "lwaTokenUrl"),
        ({**OVERRIDES, "spapiEndpointUrl": "not a url"}, "spapiEndpointUrl"),
        ({"spapiEndpointUrl": OVERRIDES["spapiEndpointUrl"]}, "lwaTokenUrl"),
        ("https://sandbox.sellingpartnerapi-eu.amazon.com", "not a JSON object"),
        (["https://sandbox.sellingpartnerapi-eu.amazon.com"], "value"),
    ],
)
def test_a_bad_value_stops_synthesis_with_a_clear_error(tmp_path: Path, value: Any, named: str) -> None:
    context = {SCHEDULES_CONTEXT_KEY: {}, AMAZON_ENDPOINTS_CONTEXT_KEY: value}
    with pytest.raises(AmazonEndpointsError, match=AMAZON_ENDPOINTS_CONTEXT_KEY) as raised:
        build_app((ALPHA,), outdir=str(tmp_path), context=context)
    assert named in str(raised.value)
