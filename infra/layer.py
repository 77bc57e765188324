"""Builds the Lambda dependency layer without Docker: binary wheels for the Lambda platform, cached by lock hash.

The layer holds the runtime dependencies of pyproject.toml as pinned in uv.lock, installed for python3.13 on arm64
(manylinux2014_aarch64, binary wheels only). boto3 and botocore are left out: the Lambda runtime provides them.
"""

import fcntl
import hashlib
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD_DIR = ROOT / ".build"
PLATFORM = "aarch64-manylinux2014"
PYTHON_VERSION = "3.13"
# Provided by the python3.13 Lambda runtime; shipping them would only make the layer larger.
RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "six", "urllib3")


class LayerBuildError(RuntimeError):
    """The dependency layer could not be built."""


def lock_hash(root: Path = ROOT) -> str:
    """Short hash of uv.lock and pyproject.toml: the layer's cache key."""
    digest = hashlib.sha256()
    for name in ("uv.lock", "pyproject.toml"):
        digest.update((root / name).read_bytes())
    return digest.hexdigest()[:16]


def _uv() -> str:
    """uv as pinned in the project's environment (the `uv` package), else the one on PATH or in ~/.local/bin."""
    try:
        import uv

        return str(uv.find_uv_bin())
    except (ImportError, FileNotFoundError):
        pass
    beside = Path(sys.executable).parent / "uv"
    candidates = [str(beside), shutil.which("uv"), str(Path.home() / ".local" / "bin" / "uv")]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return candidate
    raise LayerBuildError("uv not found: run `make setup` (it installs the locked environment, uv included)")


def _requirements(root: Path) -> str:
    exported = subprocess.run(
        [
            _uv(),
            "export",
            "--frozen",
            "--no-dev",
            "--no-default-groups",
            "--no-hashes",
            "--no-emit-project",
            "--no-header",
            "--no-annotate",
        ],
        cwd=root,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    keep = [
        line
        for line in exported.splitlines()
        if line.strip() and not line.startswith(("#", "-e")) and line.split("==")[0].strip() not in RUNTIME_PROVIDED
    ]
    return "\n".join(keep) + "\n"


def build_layer(root: Path = ROOT, build_dir: Path = BUILD_DIR) -> Path:
    """Returns the layer folder (holding python/), building it first unless the cache for this lock exists.

    Builds are serialized by a lock file, so that concurrent syntheses (parallel test workers, a demo beside the
    tests) build it once and never remove each other's work.
    """
    target = build_dir / f"layer-{lock_hash(root)}"
    if (target / "python").is_dir():
        return target
    build_dir.mkdir(parents=True, exist_ok=True)
    with (build_dir / ".layer.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (target / "python").is_dir():
            _build_into(root, build_dir, target)
    return target


def _build_into(root: Path, build_dir: Path, target: Path) -> None:
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=build_dir))
    req = staging / "requirements.txt"
    req.write_text(_requirements(root))
    cmd = [
        _uv(),
        "pip",
        "install",
        "--quiet",
        "--no-deps",
        "--only-binary",
        ":all:",
        "--python-platform",
        PLATFORM,
        "--python-version",
        PYTHON_VERSION,
        "--target",
        str(staging / "python"),
        "-r",
        str(req),
    ]
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        shutil.rmtree(staging, ignore_errors=True)
        raise LayerBuildError(f"layer install failed:\n{result.stderr}")
    req.unlink()
    for stale in [*build_dir.glob("layer-*"), *build_dir.glob(".staging-*")]:
        if stale.is_dir() and stale not in (staging, target):
            shutil.rmtree(stale, ignore_errors=True)
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)


def main() -> None:
    """`python -m infra.layer`: builds (or finds) the layer and prints its folder."""
    try:
        print(build_layer())
    except LayerBuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(1) from exc


if __name__ == "__main__":
    main()
