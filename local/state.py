"""Where a running embedded default can be found by other CLI commands (`sellersync --local ...`)."""

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

# moto accepts any credentials; these fixed fake ones keep real credentials from ever being used locally. Defined here,
# not in local/aws.py (which imports moto), since every `--local` command needs them.
LOCAL_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
STATE_FILE = Path(os.environ.get("SELLERSYNC_LOCAL_STATE", Path.cwd() / ".local" / "state.json"))


@dataclass(frozen=True)
class LocalState:
    """Endpoints and outputs of a running `sellersync local up`."""

    aws_endpoint_url: str
    region: str
    stack_name: str
    api_url: str
    outputs: dict[str, str]
    pid: int
    sandbox_url: str | None = None


def write_state(state: LocalState, path: Path = STATE_FILE) -> None:
    """Records the running embedded default."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(asdict(state), indent=2))


def read_state(path: Path = STATE_FILE) -> LocalState | None:
    """The running embedded default, or None when none runs (a stale file is ignored)."""
    if not path.exists():
        return None
    state = LocalState(**json.loads(path.read_text()))
    try:
        os.kill(state.pid, 0)
    except ProcessLookupError:
        return None
    return state


def clear_state(path: Path = STATE_FILE) -> None:
    """Forgets the embedded default (on shutdown)."""
    path.unlink(missing_ok=True)
