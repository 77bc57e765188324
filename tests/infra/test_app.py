"""The app entry point and cdk.json."""

import json
from pathlib import Path

import pytest

from infra import app
from infra.config import ALARM_EMAIL_CONTEXT_KEY, INVENTORY, ORDERS, SCHEDULES_CONTEXT_KEY, STACK_NAME
from infra.constructs.secret_rotation import ROTATE_AFTER_DAYS_CONTEXT_KEY
from shared.credentials.rotation import DEFAULT_ROTATE_AFTER_DAYS

pytestmark = pytest.mark.infra


def test_cdk_json_runs_the_app_module_with_the_context_defaults() -> None:
    config = json.loads(app.CDK_JSON.read_text())
    assert config["app"] == ".venv/bin/python -m infra.app"
    # The orders and inventory schedules are set in cdk.json (where an operator changes them), to the registry's
    # defaults.
    assert app.cdk_json_context() == {
        SCHEDULES_CONTEXT_KEY: {
            "orders": "rate(15 minutes)",
            "inventory": "cron(30 2 * * ? *)",
            "catalog": "rate(1 hour)",
        },
        ALARM_EMAIL_CONTEXT_KEY: None,
        ROTATE_AFTER_DAYS_CONTEXT_KEY: DEFAULT_ROTATE_AFTER_DAYS,
    }
    assert ORDERS.default_schedule == "rate(15 minutes)"
    assert INVENTORY.default_schedule == "cron(30 2 * * ? *)"


def test_main_synthesizes_the_stack_into_the_cdk_outdir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CDK_OUTDIR", str(tmp_path))
    app.main()
    template = json.loads((tmp_path / f"{STACK_NAME}.template.json").read_text())
    # The DefaultStackSynthesizer's bootstrap check stays in the template: cloud deploys need the bootstrap.
    assert "BootstrapVersion" in template["Parameters"]
    assert capsys.readouterr().out.strip() == str(tmp_path)
