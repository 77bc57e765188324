"""The embedded default's Amazon: the local sandbox (or any other Amazon), wired to the local stack as Amazon is to a
deployed one.

The sandbox registers the stack's Redirect URI (and, optionally, its Log-in URI), the stack's LWA secret holds the
sandbox app's credentials, and every function calls the sandbox instead of Amazon (endpoint overrides). Used by
`sellersync local up`, the demo and the tests, so all three connect sellers the same way. `run_facing` wires the
stack to an Amazon that runs elsewhere (another sandbox, Amazon's own sandbox): its endpoints and LWA app are given.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import requests

from infra.config import INVENTORY_FEED_POLL_SECONDS, Table
from infra.outputs import Output, table_output_key
from local.aws import LocalAws
from local.endpoints import AmazonEndpoints, LwaCredentials, sandbox_endpoints
from local.runtime import LocalOptions, LocalStack, run_local_stack
from local.sandbox import SandboxConfig, SandboxInspector, SandboxServer
from shared.clock import origin_for
from shared.env import Env
from shared.repositories import ConnectionsRepository, KmsEncryptor

CALLBACK_PATH, LOGIN_PATH = "/oauth/callback", "/oauth/login"
# A time-scaled sandbox polls feeds at the scaled interval, but never more often than every 5 real seconds, and never
# less often than SQS's longest message delay allows (the results function re-polls with a delayed message).
MIN_FEED_POLL_SECONDS, MAX_FEED_POLL_SECONDS = 5, 900


def sandbox_config_for(
    api_url: str, aws_endpoint_url: str, *, login_hop: bool = False, **fields: object
) -> SandboxConfig:
    """A sandbox app whose Redirect URI (and Log-in URI with `login_hop`) is the local API's."""
    return SandboxConfig(
        aws_endpoint_url=aws_endpoint_url,
        redirect_uris=[f"{api_url}{CALLBACK_PATH}"],
        login_uri=f"{api_url}{LOGIN_PATH}" if login_hop else None,
        **fields,
    )


def function_env_for(amazon: AmazonEndpoints) -> dict[str, str]:
    """The endpoint overrides that point every function at `amazon`, with its time scale.

    A time-scaled Amazon also gets a feed poll interval that follows its time and, when it tells its time (a local
    sandbox's /_sandbox/clock), the clock origin that makes the functions' "now" its own (shared/clock.py).
    """
    env: dict[str, str] = amazon.environment()
    if amazon.time_scale != 1.0:
        env[Env.INVENTORY_FEED_POLL_SECONDS] = str(feed_poll_seconds(amazon.time_scale))
        amazon_now = amazon_clock(amazon.spapi_endpoint_url)
        if amazon_now is not None:
            env[Env.SPAPI_CLOCK_ORIGIN] = origin_for(amazon_now, datetime.now(UTC), amazon.time_scale).isoformat()
    return env


def amazon_clock(spapi_endpoint_url: str) -> datetime | None:
    """The Amazon's own time, from a local sandbox's /_sandbox/clock; None when it has none (then no clock origin)."""
    try:
        return datetime.fromisoformat(SandboxInspector(spapi_endpoint_url, timeout=5).now())
    except (requests.RequestException, ValueError, KeyError, TypeError):
        return None


def feed_poll_seconds(time_scale: float) -> int:
    """Real seconds between getFeed checks for a sandbox running `time_scale` sandbox seconds per real second."""
    scaled = round(INVENTORY_FEED_POLL_SECONDS / time_scale)
    return min(MAX_FEED_POLL_SECONDS, max(MIN_FEED_POLL_SECONDS, scaled))


def store_sandbox_app(aws: LocalAws, outputs: dict[str, str], config: SandboxConfig) -> None:
    """Fills the stack's LWA secret with the sandbox app's credentials, as an operator does after deploying."""
    credentials = LwaCredentials(
        application_id=config.application_id, client_id=config.client_id, client_secret=config.client_secret
    )
    store_lwa_app(aws, outputs, credentials)


def store_lwa_app(aws: LocalAws, outputs: dict[str, str], credentials: LwaCredentials) -> None:
    """Fills the stack's LWA secret with an LWA app's credentials (never logged)."""
    aws.client("secretsmanager").put_secret_value(
        SecretId=outputs[Output.LWA_SECRET_ARN], SecretString=credentials.secret_string()
    )


@dataclass
class LocalWorld:
    """The local stack and the sandbox it talks to."""

    stack: LocalStack
    sandbox: SandboxServer
    config: SandboxConfig
    amazon: AmazonEndpoints

    @property
    def api_url(self) -> str:
        """The local HTTP API."""
        return self.stack.api_url

    def connections(self) -> ConnectionsRepository:
        """The deployed stack's connections (and their settings), as the functions read them."""
        aws, outputs = self.stack.deployed.aws, self.stack.deployed.outputs
        encryptor = KmsEncryptor(outputs[Output.KMS_KEY_ARN], aws.client("kms"))
        return ConnectionsRepository(outputs[table_output_key(Table.CONNECTIONS)], aws.client("dynamodb"), encryptor)


@contextmanager
def run_local_world(
    template: dict[str, object],
    options: LocalOptions,
    *,
    sandbox_port: int = 0,
    login_hop: bool = False,
    **sandbox_fields: object,
) -> Iterator[LocalWorld]:
    """Runs the sandbox and the local stack wired to each other, until the block ends."""
    from local.aws import free_port

    aws_port = options.aws_port or free_port()
    api_port = options.api_port or free_port()
    api_url = f"http://127.0.0.1:{api_port}"
    time_scale = float(str(sandbox_fields.get("time_scale", 1.0)))
    aws_url = options.aws_endpoint_url or f"http://127.0.0.1:{aws_port}"
    config = sandbox_config_for(api_url, aws_url, login_hop=login_hop, **sandbox_fields)
    with SandboxServer(config, port=sandbox_port) as sandbox:
        amazon = sandbox_endpoints(sandbox.url, time_scale)
        env = {**options.function_env, **{str(k): v for k, v in function_env_for(amazon).items()}}
        wired = replace(options, aws_port=aws_port, api_port=api_port, function_env=env)
        with run_local_stack(template, wired) as stack:
            store_sandbox_app(stack.deployed.aws, stack.deployed.outputs, config)
            yield LocalWorld(stack=stack, sandbox=sandbox, config=config, amazon=amazon)


@contextmanager
def run_facing(
    template: dict[str, object], options: LocalOptions, amazon: AmazonEndpoints, credentials: LwaCredentials | None
) -> Iterator[LocalStack]:
    """Runs the local stack facing an Amazon that runs elsewhere, with its LWA app's credentials in the LWA secret
    (left as deployed when None), until the block ends. Starts no sandbox."""
    env = {**options.function_env, **{str(k): v for k, v in function_env_for(amazon).items()}}
    with run_local_stack(template, replace(options, function_env=env)) as stack:
        if credentials is not None:
            store_lwa_app(stack.deployed.aws, stack.deployed.outputs, credentials)
        yield stack
