"""Where a running embedded default can be found by other CLI commands (`sellersync --local ...`).

The state file (default `.local/state.json`, or $SELLERSYNC_LOCAL_STATE) is a JSON object: `aws_endpoint_url`,
`region`, `stack_name`, `api_url`, `outputs` (the stack's outputs), `pid` (of `sellersync local up`; a file whose
process is gone is ignored) and `amazon` (the Amazon it faces: `spapi_endpoint_url`, `lwa_token_url`,
`seller_central_url`, `time_scale`). A file of an older version with `sandbox_url` instead of `amazon` is still read.
"""

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from local.endpoints import AmazonEndpoints, sandbox_endpoints

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
    amazon: AmazonEndpoints | None = None


def state_json(state: LocalState) -> dict[str, Any]:
    """The state file's JSON object."""
    return {**asdict(state), "amazon": state.amazon.model_dump() if state.amazon else None}


def write_state(state: LocalState, path: Path = STATE_FILE) -> None:
    """Records the running embedded default."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(state_json(state), indent=2))


def parse_state(data: dict[str, Any]) -> LocalState:
    """A state file's object (an older file's `sandbox_url` becomes that sandbox's endpoints)."""
    sandbox_url = data.pop("sandbox_url", None)
    amazon = data.pop("amazon", None)
    if amazon is not None:
        endpoints: AmazonEndpoints | None = AmazonEndpoints.model_validate(amazon)
    else:
        endpoints = sandbox_endpoints(sandbox_url) if sandbox_url else None
    return LocalState(**data, amazon=endpoints)


def read_state(path: Path = STATE_FILE) -> LocalState | None:
    """The running embedded default, or None when none runs (a stale file is ignored)."""
    if not path.exists():
        return None
    state = parse_state(json.loads(path.read_text()))
    try:
        os.kill(state.pid, 0)
    except ProcessLookupError:
        return None
    return state


def clear_state(path: Path = STATE_FILE) -> None:
    """Forgets the embedded default (on shutdown)."""
    path.unlink(missing_ok=True)
