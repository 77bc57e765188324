"""The functions' log lines (shared/runtime/logs.py): what the log group says is not repeated on every line."""

import json
from types import SimpleNamespace
from typing import Any

import pytest

from shared.runtime.logs import REDUNDANT_KEYS, function_logger


def test_a_handler_log_line_keeps_the_request_and_the_keys_and_leaves_out_the_function(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "sellersync-test")
    logger = function_logger()
    context = SimpleNamespace(
        function_name="Stack-SyncsOrdersFunction-ABC",
        memory_limit_in_mb=512,
        invoked_function_arn="arn:aws:lambda:eu-west-1:123456789012:function:Stack-SyncsOrdersFunction-ABC",
        aws_request_id="req-1",
    )

    @logger.inject_lambda_context(clear_state=True)
    def handler(event: dict[str, Any], context: Any) -> None:
        logger.append_keys(sync_type="orders")
        logger.info("sync run succeeded", extra={"connection_id": "eu-1"})

    handler({}, context)

    line = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert line["message"] == "sync run succeeded"
    assert (line["function_request_id"], line["sync_type"], line["connection_id"]) == ("req-1", "orders", "eu-1")
    assert line["service"] == "sellersync-test"
    assert "cold_start" in line
    assert not set(REDUNDANT_KEYS) & set(line), line
    assert "Stack-SyncsOrdersFunction-ABC" not in json.dumps(line)
