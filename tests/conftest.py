"""Fixtures shared by every test suite."""

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from local.aws import LocalAws, moto_server

if TYPE_CHECKING:
    from local.amazon import LocalWorld

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")


@pytest.fixture(autouse=True)
def _fresh_aws_clients() -> Iterator[None]:
    """Every test starts without the container's cached AWS clients (shared/aws.py), so one that points the
    environment at another endpoint or region gets clients for it. Imports nothing that was not loaded already."""
    yield
    if (module := sys.modules.get("shared.aws")) is not None:
        module.clear()


@pytest.fixture(scope="session")
def local_aws() -> Iterator[LocalAws]:
    """One moto server for the whole test session (tests isolate themselves by resource names)."""
    with moto_server() as aws:
        yield aws


@pytest.fixture(scope="session")
def production_template() -> dict[str, Any]:
    """The production stack's template: synthesized once per run, or reused from the synthesis cache (keyed by the
    sources synthesis reads, local/synth.py) when `make demo` or an earlier run synthesized the same tree."""
    from local.synth import synthesize_cached

    return synthesize_cached().template


@pytest.fixture(scope="session")
def function_logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the shared local stack's functions log (one file per function)."""
    return tmp_path_factory.mktemp("function-logs")


@pytest.fixture(scope="session")
def local_world(production_template: dict[str, Any], function_logs: Path) -> Iterator["LocalWorld"]:
    """The production stack deployed once per test process into the embedded AWS, wired to a local Amazon sandbox.

    Nothing runs on its own (queue pollers and schedule clock off): a module that needs Lambda's event sources turns
    the pollers on for itself (`runtime.polling()`), and tests fire schedules themselves. The modules that share it
    isolate themselves by fresh sandbox sellers (`SandboxInspector.new_seller`) and so fresh connection ids, never by
    redeploying; the sandbox's faults and signed-in seller are put back after each test that changes them.
    """
    from local.amazon import run_local_world
    from local.runtime import LocalOptions

    options = LocalOptions(stack_name="SharedLocal", run_pollers=False, run_clock=False, log_dir=function_logs)
    with run_local_world(production_template, options) as world:
        yield world


# pytest-xdist (`make test` runs the suite on parallel workers with --dist loadgroup): a module's tests run in one
# worker, as with --dist loadfile (module fixtures are set up once), and so do the tests that share an expensive
# session fixture, so that it is built once per run rather than once per worker.
_GROUP_BY_FIXTURE = {"local_world": "local-world"}
_GROUP_BY_FOLDER = {"infra": "infra-synth"}
# The longest tests go first, so that no worker is left with one at the end.
_FIRST = ("tests/integration/test_demo_smoke.py",)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Marks each test's xdist group (before xdist reads the marks) and moves the longest tests to the front."""
    root = Path(str(config.rootpath))
    for item in items:
        module = item.path.relative_to(root)
        group = next((g for f, g in _GROUP_BY_FIXTURE.items() if f in getattr(item, "fixturenames", ())), None)
        group = group or _GROUP_BY_FOLDER.get(module.parts[1] if len(module.parts) > 2 else "") or str(module)
        item.add_marker(pytest.mark.xdist_group(group))
    items.sort(key=lambda item: not str(item.path.relative_to(root)).startswith(_FIRST))
