"""The layers contract of shared/ (pyproject.toml [tool.importlinter]) fails on an upward or sideways import.

Each test copies shared/ into a temporary directory, plants one module there and runs lint-imports on the real
`shared-layers` contract; the unplanted copy is the control that passes.
"""

import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _layers_contract() -> dict[str, object]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    return next(contract for contract in config["contracts"] if contract["id"] == "shared-layers")


def _lint(tmp_path: Path, planted: dict[str, str]) -> subprocess.CompletedProcess[str]:
    shutil.copytree(ROOT / "shared", tmp_path / "shared", ignore=shutil.ignore_patterns("__pycache__"))
    for relative, source in planted.items():
        (tmp_path / relative).write_text(source)
    contract = _layers_contract()
    # json.dumps writes strings and lists of strings as valid TOML.
    lines = ["[tool.importlinter]", 'root_packages = ["shared"]', "", "[[tool.importlinter.contracts]]"]
    lines += [f"{key} = {json.dumps(value)}" for key, value in contract.items()]
    (tmp_path / "pyproject.toml").write_text("\n".join(lines) + "\n")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo", "pyproject.toml"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_copy_of_shared_keeps_the_contract(tmp_path: Path) -> None:
    result = _lint(tmp_path, {})

    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(
    ("relative", "source", "reported"),
    [
        # Bottom importing capability logic (a model reaching up into the inventory rules).
        ("shared/models/planted.py", "from shared.inventory import rules\n", "shared.models is not allowed"),
        # An adapter importing capability logic (a repository reaching up into the order sync).
        ("shared/repositories/planted.py", "from shared.orders import sync\n", "shared.repositories is not allowed"),
        # Two capabilities importing each other (sideways).
        ("shared/orders/planted.py", "from shared.inventory import state\n", "shared.orders is not allowed"),
        # Capability logic importing the wiring.
        ("shared/inventory/planted.py", "from shared.runtime import orders\n", "shared.inventory is not allowed"),
    ],
)
def test_a_planted_import_breaks_the_contract(tmp_path: Path, relative: str, source: str, reported: str) -> None:
    result = _lint(tmp_path, {relative: source})

    assert result.returncode != 0
    assert "BROKEN" in result.stdout
    assert reported in result.stdout
