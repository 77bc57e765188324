"""The options every stack command takes, declared once: `--local`, `--stack-name` and `--json`."""

from typing import Annotated

import typer

DEFAULT_STACK_NAME = "SellerSync"

LocalOpt = Annotated[
    bool, typer.Option("--local", help="Work on the running embedded default (`sellersync local up`).")
]
StackOpt = Annotated[
    str, typer.Option("--stack-name", help="CloudFormation stack, found with the normal AWS credentials and region.")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]
# For commands that work on one connection and may take the stack's only one (cli/connection_choice.py).
ConnectionOpt = Annotated[
    str | None, typer.Option("--connection", help="Connection id (optional when the stack has exactly one).")
]
