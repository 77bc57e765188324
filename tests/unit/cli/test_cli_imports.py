"""`sellersync` starts fast: its top level imports no heavy package, and its lazy commands match their modules.

The timing itself is `make bench` (tests/benchmarks/bench_cli.py); these guards are not timed.
"""

import json
import subprocess
import sys

import pytest
import typer.main
from typer.testing import CliRunner

from cli.main import SellerSyncGroup, app

HEAVY = ("aws_cdk", "jsii", "moto", "aws_lambda_powertools")


def imported_by(statement: str) -> set[str]:
    """The top-level packages in sys.modules after `statement`, in a fresh interpreter."""
    code = f"import json, sys; {statement}; print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(json.loads(done.stdout.splitlines()[-1]))


def test_the_top_level_imports_neither_aws_nor_models() -> None:
    loaded = imported_by("import cli.main")

    assert loaded.isdisjoint(HEAVY + ("boto3", "botocore", "pydantic", "requests", "infra", "shared"))


def test_help_lists_every_command_without_importing_them() -> None:
    loaded = imported_by(
        "from typer.testing import CliRunner; from cli.main import app; "
        "assert 'connections' in CliRunner().invoke(app, ['--help']).stdout"
    )

    assert loaded.isdisjoint(HEAVY + ("boto3", "pydantic"))


# settings, inventory and sync still load Powertools through the sync framework they enqueue with; shipments through
# the capability's metric names (their MetricUnit), which its checks import.
@pytest.mark.parametrize("module", ["connections", "orders", "status", "listings", "carriers"])
def test_a_local_read_imports_no_cdk_moto_or_powertools(module: str) -> None:
    loaded = imported_by(f"import cli.commands.{module}")

    assert loaded.isdisjoint(HEAVY)


def test_each_lazy_command_is_listed_with_its_own_help() -> None:
    group = typer.main.get_command(app)
    assert isinstance(group, SellerSyncGroup)

    for name, lazy in SellerSyncGroup.lazy_commands.items():
        command = lazy.load(name)
        assert (command.name, command.help) == (name, lazy.help)


def test_a_mistyped_command_suggests_the_lazy_ones_too() -> None:
    result = CliRunner().invoke(app, ["conections", "list"])

    assert result.exit_code == 2 and "Did you mean 'connections'" in result.output
