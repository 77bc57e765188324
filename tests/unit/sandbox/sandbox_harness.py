"""The sandbox unit-test harness: a Flask test client on a hand-driven clock, notifications recorded; no sockets."""

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from local.sandbox import SandboxConfig, create_app, sandbox_of
from local.sandbox.clock import ScaledClock
from local.sandbox.config import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET
from local.sandbox.world import Sandbox

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class FakeRealTime:
    """Stands in for time.monotonic: tests move it by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class RecordingSender:
    """Collects notifications instead of sending them to SQS."""

    sent: list[tuple[str, str]] = field(default_factory=list)

    def send(self, queue_arn: str, body: str) -> None:
        self.sent.append((queue_arn, body))


@dataclass
class Harness:
    """A sandbox app plus what tests need to drive it."""

    app: Flask
    client: FlaskClient
    real_time: FakeRealTime
    sender: RecordingSender

    @property
    def sandbox(self) -> Sandbox:
        return sandbox_of(self.app)

    def seller(self, region: str, index: int = 0) -> str:
        """The selling_partner_id of the index-th seller of a region."""
        return [s for s in self.sandbox.state.sellers.values() if s.region == region][index].selling_partner_id

    def advance(self, sandbox_seconds: float) -> None:
        """Moves sandbox time forward and runs what became due."""
        self.sandbox.clock.advance(sandbox_seconds)
        self.sandbox.tick()

    def lwa(self, **form: str) -> Any:
        """POST /auth/o2/token with the sandbox client credentials unless overridden."""
        data = {"client_id": DEFAULT_CLIENT_ID, "client_secret": DEFAULT_CLIENT_SECRET, **form}
        return self.client.post("/auth/o2/token", data=data)

    def steer(self, method: str, path: str, **kwargs: Any) -> Any:
        """An inspection or steering call; returns its JSON."""
        return self.client.open(path, method=method, **kwargs).get_json()

    def refresh_token(self, seller_id: str) -> str:
        """Authorizes a seller through the inspection shortcut."""
        return str(self.steer("POST", f"/_sandbox/sellers/{seller_id}/authorize")["refreshToken"])

    def token(self, seller_id: str) -> str:
        """A fresh access token for a seller."""
        response = self.lwa(grant_type="refresh_token", refresh_token=self.refresh_token(seller_id))
        return str(response.json["access_token"])

    def grantless_token(self) -> str:
        """A client_credentials token for the notifications scope."""
        response = self.lwa(grant_type="client_credentials", scope="sellingpartnerapi::notifications")
        return str(response.json["access_token"])

    def call(self, method: str, path: str, token: str, **kwargs: Any) -> Any:
        """An SP-API call with x-amz-access-token."""
        headers = {"x-amz-access-token": token, **kwargs.pop("headers", {})}
        return self.client.open(path, method=method, headers=headers, **kwargs)


def build_harness(**overrides: Any) -> Harness:
    """A harness with config overrides; responses are always checked against the models."""
    options: dict[str, Any] = {"seed": 7, "validate_responses": True, "orders_per_hour": 0, **overrides}
    config = SandboxConfig(**options)
    real_time = FakeRealTime()
    clock = ScaledClock(START, config.time_scale, real=real_time)
    sender = RecordingSender()
    app = create_app(config, clock=clock, sender=sender)
    return Harness(app, app.test_client(), real_time, sender)
