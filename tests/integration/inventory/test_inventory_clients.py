"""AWS clients are built once per container: a warm handler, invoked again (dead-letter path and feed checks
included), asks boto3 for no new client (shared/aws.py)."""

import sys
from pathlib import Path
from types import FrameType
from typing import Any

import boto3
import pytest

from tests.integration.inventory.conftest import World

ROOT = Path(__file__).resolve().parents[3]
OURS = (str(ROOT / "shared"), str(ROOT / "functions"))


def _count_our_clients(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The services of every boto3 client that shared/ or functions/ makes from now on (the harness's own and the
    sandbox's are not counted)."""
    made: list[str] = []
    real = boto3.session.Session.client

    def counting(self: Any, service: str, *args: Any, **kwargs: Any) -> Any:
        frame: FrameType | None = sys._getframe(1)
        while frame is not None:
            if frame.f_code.co_filename.startswith(OURS):
                made.append(service)
                break
            frame = frame.f_back
        return real(self, service, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(boto3.session.Session, "client", counting)
    return made


def test_a_warm_handler_makes_no_new_client(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    sku = world.skus()[0]
    made = _count_our_clients(monkeypatch)
    # Cold: the input, feeds and results functions make their clients, one per service, the dead letters included.
    world.send(world.record(sku, 5), world.record("", 3), world.record(sku, -1))
    world.pump()
    assert world.listing(sku).quantity == 5
    cold = list(made)
    assert cold, "the handlers made their clients through boto3"
    assert len(cold) == len(set(cold)), f"one client per service: {cold}"
    # Warm: the same again (two more dead letters, another feed and its check) makes none.
    world.send(world.record(sku, 7), world.record("", 3), world.record(sku, -2))
    world.pump()
    assert world.listing(sku).quantity == 7
    assert len(world.dead_letters("input_dlq")) == 4
    assert made == cold
