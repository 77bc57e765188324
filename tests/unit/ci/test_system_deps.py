"""`.ci/system-deps.sh`: installs the Debian packages whose command is missing, as root, with sudo, or says what to
install in one line. Run with stand-ins for `id`, `sudo` and `apt-get` first on PATH, recording what they were asked."""

import os
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[3] / ".ci" / "system-deps.sh"


def _stub(folder: Path, name: str, body: str) -> None:
    path = folder / name
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)


def _run(tmp_path: Path, uid: int, *pairs: str, sudo: str = "absent", apt_fails: bool = False) -> tuple[int, str, str]:
    stubs = tmp_path / "bin"
    stubs.mkdir()
    log = tmp_path / "calls.log"
    _stub(stubs, "id", f'[ "$1" = "-u" ] && echo {uid}')
    apt = f'echo "apt-get $*" >> {log}' + ("\nexit 100" if apt_fails else "")
    _stub(stubs, "apt-get", apt)
    if sudo == "passwordless":
        _stub(
            stubs, "sudo", f'echo "sudo $*" >> {log}\n[ "$1" = "-n" ] && shift\n[ "$1" = "true" ] && exit 0\nexec "$@"'
        )
    elif sudo == "asks-password":
        _stub(stubs, "sudo", f'echo "sudo $*" >> {log}\necho "sudo: a password is required" >&2\nexit 1')
    env = {**os.environ, "PATH": f"{stubs}:/usr/bin:/bin"}
    done = subprocess.run(["bash", str(SCRIPT), *pairs], env=env, capture_output=True, text=True, timeout=30)
    return done.returncode, done.stderr, log.read_text() if log.exists() else ""


def test_nothing_is_installed_when_every_command_is_there(tmp_path: Path) -> None:
    code, err, calls = _run(tmp_path, 0, "sh=dash", "bash=bash")
    assert (code, err, calls) == (0, "", "")


def test_root_installs_only_the_missing_packages_with_apt_get(tmp_path: Path) -> None:
    code, err, calls = _run(tmp_path, 0, "sh=dash", "no-such-command-1=pkg-one", "no-such-command-2=pkg-two")
    assert code == 0, err
    assert calls.splitlines() == ["apt-get update -qq", "apt-get install -y -qq pkg-one pkg-two"]
    assert "pkg-one pkg-two" in err


def test_a_user_with_passwordless_sudo_installs_through_sudo(tmp_path: Path) -> None:
    code, err, calls = _run(tmp_path, 1000, "no-such-command=pkg", sudo="passwordless")
    assert code == 0, err
    assert "sudo -n apt-get install -y -qq pkg" in calls and "apt-get install -y -qq pkg" in calls


@pytest.mark.parametrize("sudo", ["absent", "asks-password"])
def test_without_root_or_sudo_one_line_names_the_packages(tmp_path: Path, sudo: str) -> None:
    code, err, calls = _run(tmp_path, 1000, "no-such-command=chromium", sudo=sudo)
    assert code == 1
    assert err.strip().splitlines() == [
        "error: missing Debian package(s): chromium; install them with: sudo apt-get install -y chromium"
    ]
    assert "apt-get" not in calls


def test_a_failed_install_says_what_to_install_without_a_traceback(tmp_path: Path) -> None:
    code, err, _ = _run(tmp_path, 0, "no-such-command=nodejs", apt_fails=True)
    assert code == 1
    assert err.strip().splitlines()[-1] == (
        "error: could not install nodejs; install them with: apt-get install -y nodejs"
    )
    assert "Traceback" not in err
