"""Which stack the CLI works on: the running embedded default, or a deployed stack found by its outputs.

A `Target` carries the stack's outputs, boto3 clients for its AWS (the embedded one with fixed fake credentials, or
the account of the normal AWS credentials and region) and, locally, the Amazon the embedded default faces (its state
file's `amazon`: the built-in sandbox or the endpoints `local up` was given).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from local import state as local_state
from local.endpoints import AmazonEndpoints


class TargetError(RuntimeError):
    """The stack could not be found or read, or lacks an output the command needs."""


@dataclass(frozen=True)
class Target:
    """A stack to operate: its outputs, its AWS and (locally) the sandbox that plays Amazon."""

    stack_name: str
    outputs: Mapping[str, str]
    session: boto3.session.Session
    endpoint_url: str | None = None
    # Locally, the Amazon the embedded default faces (its built-in sandbox or another, from the state file).
    amazon: AmazonEndpoints | None = None
    _clients: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def local(self) -> bool:
        """Whether this is the embedded default."""
        return self.endpoint_url is not None

    @property
    def region(self) -> str:
        """The AWS region of the stack."""
        return str(self.session.region_name)

    def client(self, service: str, config: Config | None = None) -> Any:
        """A boto3 client of the stack's AWS (made once per service; a client with its own `config` every time)."""
        if config is not None:
            return self.session.client(service, endpoint_url=self.endpoint_url, config=config)  # type: ignore[call-overload]
        if service not in self._clients:
            self._clients[service] = self.session.client(service, endpoint_url=self.endpoint_url)  # type: ignore[call-overload]
        return self._clients[service]

    def output(self, key: str) -> str:
        """One output of the stack; raises TargetError naming the key when the stack has none."""
        try:
            return self.outputs[key]
        except KeyError:
            raise TargetError(
                f"stack {self.stack_name!r} has no output {key!r}: is it deployed from this version of Seller Sync?"
            ) from None

    @property
    def spapi_endpoint_url(self) -> str | None:
        """The SP-API endpoint override: the local Amazon's, or None for Amazon's regional hosts."""
        return None if self.amazon is None else self.amazon.spapi_endpoint_url

    @property
    def lwa_token_url(self) -> str | None:
        """The LWA token URL override: the local Amazon's, or None for Amazon's."""
        return None if self.amazon is None else self.amazon.lwa_token_url

    def amazon_env(self) -> dict[str, str]:
        """The Amazon endpoint overrides (and time scale) the local functions run with (empty in the cloud)."""
        return {} if self.amazon is None else self.amazon.environment()


def resolve_target(local: bool, stack_name: str) -> Target:
    """The running embedded default (`local`) or the deployed stack `stack_name`; raises TargetError."""
    return _local_target(stack_name) if local else _cloud_target(stack_name)


def resolve_outputs(local: bool, stack_name: str) -> dict[str, str]:
    """The stack's outputs, read from the local state file or from CloudFormation with the normal credentials."""
    return dict(resolve_target(local, stack_name).outputs)


def _local_target(stack_name: str) -> Target:
    running = local_state.read_state(local_state.STATE_FILE)
    if running is None:
        raise TargetError("no embedded default is running: start one with `sellersync local up`")
    if running.stack_name != stack_name:
        raise TargetError(f"the embedded default runs stack {running.stack_name!r}, not {stack_name!r}")
    session = boto3.session.Session(
        aws_access_key_id=local_state.LOCAL_CREDENTIALS["aws_access_key_id"],
        aws_secret_access_key=local_state.LOCAL_CREDENTIALS["aws_secret_access_key"],
        region_name=running.region,
    )
    return Target(stack_name, running.outputs, session, running.aws_endpoint_url, running.amazon)


def _cloud_target(stack_name: str) -> Target:
    session = boto3.session.Session()
    if session.region_name is None:
        raise TargetError("no AWS region configured: set AWS_REGION (or a profile's region) to the stack's region")
    try:
        stacks = session.client("cloudformation").describe_stacks(StackName=stack_name)["Stacks"]
    except (ClientError, BotoCoreError) as exc:
        raise TargetError(f"cannot read stack {stack_name!r}: {exc}") from exc
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}
    return Target(stack_name, outputs, session)
