"""`local up`'s start-up (local/up.py) with the built-in sandbox: the sandbox plays the LWA app whose credentials were
given, the secret holds them, the state file names the sandbox with the time scale, and the cached template is used."""

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from infra.outputs import Output
from local.aws import LocalAws
from local.endpoints import LwaCredentials
from local.state import read_state
from local.synth import synthesize_cached
from local.up import Ready, UpPlan, start_local

pytestmark = pytest.mark.integration

CREDENTIALS = LwaCredentials(
    application_id="amzn1.sp.solution.builtin", client_id="amzn1.application-oa2-client.builtin", client_secret="s-b"
)


@pytest.fixture(scope="module")
def state_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("builtin") / "state.json"


@pytest.fixture(scope="module")
def cache_mtime() -> float:
    """The template is in the cache before the start (synthesized here if it was not)."""
    return synthesize_cached().path.stat().st_mtime


@pytest.fixture(scope="module")
def ready(state_file: Path, cache_mtime: float) -> Iterator[Ready]:
    plan = UpPlan(state_file=state_file, credentials=CREDENTIALS, time_scale=30.0, stack_name="LocalUpBuiltin")
    with start_local(plan) as started:
        yield started


def test_the_cached_template_is_used(ready: Ready, cache_mtime: float) -> None:
    assert ready.template_cached
    assert synthesize_cached().path.stat().st_mtime == cache_mtime  # not written again: no synthesis happened


def test_the_state_file_names_the_built_in_sandbox_with_the_time_scale(ready: Ready, state_file: Path) -> None:
    state = read_state(state_file)
    assert state is not None and state.amazon == ready.amazon
    assert ready.builtin_sandbox and ready.amazon.time_scale == 30.0
    assert ready.amazon.lwa_token_url == f"{ready.amazon.spapi_endpoint_url}/auth/o2/token"


def test_the_sandbox_plays_the_app_whose_credentials_the_secret_holds(ready: Ready, state_file: Path) -> None:
    state = read_state(state_file)
    assert state is not None
    secrets = LocalAws(state.aws_endpoint_url).client("secretsmanager")
    stored = json.loads(secrets.get_secret_value(SecretId=state.outputs[Output.LWA_SECRET_ARN])["SecretString"])
    assert LwaCredentials.model_validate(stored) == CREDENTIALS
    grant = {"grant_type": "client_credentials", "scope": "sellingpartnerapi::notifications"}
    accepted = requests.post(
        ready.amazon.lwa_token_url, data={**grant, "client_id": stored["client_id"], "client_secret": "s-b"}, timeout=10
    )
    refused = requests.post(
        ready.amazon.lwa_token_url, data={**grant, "client_id": stored["client_id"], "client_secret": "x"}, timeout=10
    )
    assert accepted.status_code == 200 and refused.status_code == 401


def test_the_state_file_is_removed_when_it_stops(state_file: Path) -> None:
    plan = UpPlan(state_file=state_file.with_name("short.json"), stack_name="LocalUpShort")
    with start_local(plan):
        assert plan.state_file.exists()
    assert not plan.state_file.exists()
