"""The Amazon a local stack faces (state file, function env) and the synthesis cache, without AWS or Amazon."""

import json
import os
from pathlib import Path
from typing import Any

import pytest

import local.synth
from local.amazon import function_env_for
from local.endpoints import AmazonEndpoints, sandbox_endpoints
from local.state import LocalState, parse_state, read_state, write_state
from local.synth import synthesize_cached
from shared.env import Env

ELSEWHERE = AmazonEndpoints(
    spapi_endpoint_url="https://sandbox.sellingpartnerapi-eu.amazon.com",
    lwa_token_url="https://api.amazon.com/auth/o2/token",
    seller_central_url="https://sellercentral-europe.amazon.com",
    time_scale=10.0,
)


def test_the_state_file_records_the_amazon_and_reads_it_back(tmp_path: Path) -> None:
    state = LocalState(
        "http://127.0.0.1:1", "eu-west-1", "SellerSync", "http://127.0.0.1:2", {}, os.getpid(), ELSEWHERE
    )
    write_state(state, tmp_path / "state.json")
    assert json.loads((tmp_path / "state.json").read_text())["amazon"]["time_scale"] == 10.0
    assert read_state(tmp_path / "state.json") == state


def test_an_older_state_file_with_sandbox_url_still_reads() -> None:
    old = {"aws_endpoint_url": "http://a", "region": "eu-west-1", "stack_name": "SellerSync", "api_url": "http://b"}
    state = parse_state({**old, "outputs": {}, "pid": 1, "sandbox_url": "http://127.0.0.1:8600"})
    assert state.amazon == sandbox_endpoints("http://127.0.0.1:8600")
    assert state.amazon.lwa_token_url == "http://127.0.0.1:8600/auth/o2/token"


def test_an_amazon_without_a_clock_gets_the_time_scale_but_no_clock_origin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("local.amazon.amazon_clock", lambda url: None)
    env = function_env_for(ELSEWHERE)
    assert env[Env.SPAPI_TIME_SCALE] == "10.0"
    assert env[Env.SPAPI_ENDPOINT_URL] == ELSEWHERE.spapi_endpoint_url
    assert env[Env.INVENTORY_FEED_POLL_SECONDS] == "30"  # 300 s of Amazon time at 10x
    assert Env.SPAPI_CLOCK_ORIGIN not in env


def test_at_real_time_nothing_but_the_endpoints_is_set() -> None:
    env = function_env_for(ELSEWHERE.model_copy(update={"time_scale": 1.0}))
    assert set(env) == {Env.SPAPI_ENDPOINT_URL, Env.LWA_TOKEN_URL, Env.SELLER_CENTRAL_URL, Env.SPAPI_TIME_SCALE}


@pytest.fixture
def sources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """A source tree of the shape synthesis reads, and a counting stand-in for the CDK synthesis."""
    root = tmp_path / "src"
    for name in ("infra", "functions", "shared"):
        (root / name).mkdir(parents=True)
        (root / name / "mod.py").write_text(f"# {name}\n")
    for name in ("cdk.json", "pyproject.toml", "uv.lock"):
        (root / name).write_text("{}")
    counted: dict[str, Any] = {"root": root, "cache": tmp_path / "cache", "syntheses": 0}

    def synthesize(registry: Any, context: Any) -> dict[str, Any]:
        counted["syntheses"] += 1
        return {"Resources": {"N": {"Type": "AWS::SQS::Queue", "Properties": {"n": counted["syntheses"]}}}}

    monkeypatch.setattr(local.synth, "synthesize", synthesize)
    return counted


def test_an_unchanged_tree_is_synthesized_once(sources: dict[str, Any]) -> None:
    first = synthesize_cached(cache_dir=sources["cache"], root=sources["root"])
    second = synthesize_cached(cache_dir=sources["cache"], root=sources["root"])
    assert (first.cached, second.cached, sources["syntheses"]) == (False, True, 1)
    assert second.template == first.template


@pytest.mark.parametrize("changed", ["infra/mod.py", "functions/mod.py", "shared/new.py", "uv.lock", "cdk.json"])
def test_a_changed_source_synthesizes_again(sources: dict[str, Any], changed: str) -> None:
    synthesize_cached(cache_dir=sources["cache"], root=sources["root"])
    (sources["root"] / changed).write_text("# changed\n")
    again = synthesize_cached(cache_dir=sources["cache"], root=sources["root"])
    assert not again.cached and sources["syntheses"] == 2


def test_another_context_synthesizes_again(sources: dict[str, Any]) -> None:
    synthesize_cached(cache_dir=sources["cache"], root=sources["root"])
    other = synthesize_cached(
        context={"sellersync:alarmEmail": "a@b.c"}, cache_dir=sources["cache"], root=sources["root"]
    )
    assert not other.cached and sources["syntheses"] == 2
