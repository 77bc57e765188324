"""`sellersync local up`'s options: parsed into a plan, or refused with one line naming the problem (never a secret)."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.commands.local import plan_up
from cli.errors import UsageError
from cli.main import app

SANDBOX = "http://127.0.0.1:9600"
AMAZON = ["--spapi-endpoint-url", SANDBOX, "--lwa-token-url", f"{SANDBOX}/auth/o2/token"]
AMAZON += ["--seller-central-url", f"{SANDBOX}/{{region}}"]
SECRET = "do-not-echo-this-secret"


def _credentials(tmp_path: Path, **values: object) -> Path:
    path = tmp_path / "lwa.json"
    path.write_text(json.dumps(values))
    return path


def test_without_amazon_options_the_built_in_sandbox_is_planned(tmp_path: Path) -> None:
    plan = plan_up(state_file=tmp_path / "s.json", time_scale=30.0)
    assert plan.amazon is None and plan.credentials is None and plan.aws_endpoint_url is None
    assert plan.time_scale == 30.0


def test_the_three_endpoints_name_another_amazon_with_the_time_scale(tmp_path: Path) -> None:
    plan = plan_up(
        state_file=tmp_path / "s.json",
        spapi_endpoint_url=f"{SANDBOX}/",
        lwa_token_url=f"{SANDBOX}/auth/o2/token",
        seller_central_url=f"{SANDBOX}/{{region}}",
        time_scale=60.0,
        aws_endpoint="http://127.0.0.1:5000",
    )
    assert plan.amazon is not None
    assert plan.amazon.spapi_endpoint_url == SANDBOX  # the trailing slash dropped
    assert plan.amazon.environment()["SPAPI_TIME_SCALE"] == "60.0"
    assert plan.aws_endpoint_url == "http://127.0.0.1:5000"


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"spapi_endpoint_url": SANDBOX}, "missing --lwa-token-url, --seller-central-url"),
        ({"spapi_endpoint_url": SANDBOX, "lwa_token_url": SANDBOX}, "missing --seller-central-url"),
        (
            {"spapi_endpoint_url": "ftp://x", "lwa_token_url": SANDBOX, "seller_central_url": SANDBOX},
            "spapi_endpoint_url: Value error, 'ftp://x' is not an http(s) URL",
        ),
        ({"aws_endpoint": "localhost:4566"}, "'localhost:4566' is not an http(s) URL"),
    ],
)
def test_bad_endpoints_are_refused(tmp_path: Path, given: dict[str, str], message: str) -> None:
    with pytest.raises(UsageError) as refused:
        plan_up(state_file=tmp_path / "s.json", **given)  # type: ignore[arg-type]
    assert message in str(refused.value)


def test_the_credentials_file_is_read_into_the_plan(tmp_path: Path) -> None:
    path = _credentials(tmp_path, application_id="amzn1.sp.solution.x", client_id="amzn1.client", client_secret=SECRET)
    plan = plan_up(state_file=tmp_path / "s.json", lwa_credentials=path)
    assert plan.credentials is not None
    assert plan.credentials.client_id == "amzn1.client"
    assert SECRET not in repr(plan)  # a SecretStr shows as stars
    assert json.loads(plan.credentials.secret_string())["client_secret"] == SECRET


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "does not exist"),
        ("not json", "is not JSON"),
        (json.dumps({"client_id": "c", "client_secret": SECRET}), "application_id: Field required"),
        (json.dumps({"application_id": "a", "client_id": "c", "client_secret": SECRET, "x": 1}), "x: Extra inputs"),
        (json.dumps(["a", "c", SECRET]), "must be a JSON object with application_id, client_id and client_secret"),
    ],
)
def test_a_bad_credentials_file_is_refused_without_its_values(
    tmp_path: Path, content: str | None, message: str
) -> None:
    path = tmp_path / "lwa.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(UsageError) as refused:
        plan_up(state_file=tmp_path / "s.json", lwa_credentials=path)
    assert message in str(refused.value)
    assert SECRET not in str(refused.value)


def test_the_login_hop_is_a_built_in_sandbox_option(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="--login-hop"):
        plan_up(
            state_file=tmp_path / "s.json",
            login_hop=True,
            spapi_endpoint_url=SANDBOX,
            lwa_token_url=SANDBOX,
            seller_central_url=SANDBOX,
        )


def test_the_command_answers_bad_input_with_one_error_line_and_exit_code_2(tmp_path: Path) -> None:
    path = _credentials(tmp_path, client_id="c", client_secret=SECRET)
    result = CliRunner().invoke(app, ["local", "up", *AMAZON, "--lwa-credentials", str(path)])
    assert result.exit_code == 2
    assert result.output.startswith("error: LWA credentials file")
    assert len(result.output.strip().splitlines()) == 1
    assert SECRET not in result.output and "Traceback" not in result.output
