"""Which stack the CLI works on: the running embedded default, or a deployed stack found by its outputs."""

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from local.state import read_state


class TargetError(RuntimeError):
    """The stack could not be found or read."""


def resolve_outputs(local: bool, stack_name: str) -> dict[str, str]:
    """The stack's outputs, read from the local state file or from CloudFormation with the normal credentials."""
    if local:
        state = read_state()
        if state is None:
            raise TargetError("no embedded default is running: start one with `sellersync local up`")
        return state.outputs
    try:
        stacks = boto3.client("cloudformation").describe_stacks(StackName=stack_name)["Stacks"]
    except (ClientError, BotoCoreError) as exc:
        raise TargetError(f"cannot read stack {stack_name!r}: {exc}") from exc
    return {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}
