"""The OAuth function's responses carry the state nonce (Location, Set-Cookie): X-Ray must never record them."""

from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

import pytest

import functions.oauth as oauth_function
from shared.settings import OAuthSettings


class RecordingSubsegment:
    def __init__(self) -> None:
        self.metadata: dict[str, Any] = {}
        self.annotations: dict[str, Any] = {}

    def put_metadata(self, key: str, value: Any, namespace: str = "") -> None:
        self.metadata[key] = value

    def put_annotation(self, key: str, value: Any) -> None:
        self.annotations[key] = value


class RecordingProvider:
    def __init__(self) -> None:
        self.subsegments: list[RecordingSubsegment] = []

    @contextmanager
    def in_subsegment(self, name: str) -> Iterator[RecordingSubsegment]:
        subsegment = RecordingSubsegment()
        self.subsegments.append(subsegment)
        yield subsegment


def test_the_handler_response_is_not_added_to_the_trace(monkeypatch: pytest.MonkeyPatch) -> None:
    provider = RecordingProvider()
    monkeypatch.setattr(oauth_function.tracer, "provider", provider)
    settings = OAuthSettings.model_construct(
        connections_table="connections",
        oauth_states_table="oauth-states",
        kms_key_arn="arn:aws:kms:eu-west-1:123456789012:key/k",
        lwa_secret_arn="arn:aws:secretsmanager:eu-west-1:123456789012:secret:lwa",
        invite_key_secret_arn="arn:aws:secretsmanager:eu-west-1:123456789012:secret:invite",
        event_bus_name="bus",
        service_name="oauth",
        metrics_namespace="SellerSyncTest",
        oauth_redirect_uri="https://api.example/oauth/callback",
        oauth_draft_app=True,
        seller_central_url=None,
        api_url="https://api.example/",
    )
    monkeypatch.setattr(oauth_function, "_settings", lambda: settings)
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "SellerSyncTest")
    context = SimpleNamespace(
        function_name="oauth",
        memory_limit_in_mb=128,
        invoked_function_arn="arn:aws:lambda:eu-west-1:123456789012:function:oauth",
        aws_request_id="req-1",
    )

    # An unknown path answers a page without touching AWS; every response goes through the same decorator
    response = oauth_function.lambda_handler({"rawPath": "/nope", "requestContext": {"requestId": "r"}}, context)

    assert response["statusCode"] == 404
    [subsegment] = provider.subsegments  # the handler ran inside our recording subsegment
    assert "ColdStart" in subsegment.annotations
    assert not any("response" in key for key in subsegment.metadata), subsegment.metadata
