"""`sellersync demo`: brings the embedded default up, exercises what the stack holds and reports what happened.

It grows with every capability: each sync type, once registered, adds its own end-to-end run here.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from infra.config import STACK_NAME, SYNC_TYPES, SyncType, Table
from infra.outputs import Output, table_output_key
from local.amazon import LocalWorld, run_local_world
from local.checks import Check, check_stack
from local.connect_demo import click_through
from local.runtime import LocalOptions
from local.sandbox.inspector import SandboxInspector
from local.synth import synthesize
from shared.oauth.links import create_connect_link
from shared.repositories import ConnectionsRepository, KmsEncryptor, OAuthStatesRepository
from shared.secrets import load_invite_key
from shared.spapi.marketplaces import Region, marketplace_by_id

Step = Callable[[str], None]
# The functions' logs (their CloudWatch Logs, locally): one file per function.
DEMO_LOG_DIR = Path(".local") / "logs"


@dataclass
class ConnectedSeller:
    """The sandbox seller the demo connected through the HTTP flow, as stored."""

    selling_partner_id: str
    connection_id: str
    region: str
    status: str
    marketplaces: list[str]
    page_title: str
    hops: list[str]
    seconds: float


@dataclass
class DemoSummary:
    """Everything the demo did, for the readable report and for `--json`."""

    stack_name: str
    synthesized_resources: int
    deployed_resources: dict[str, int]
    local_equivalents: dict[str, str]
    api_url: str
    checks: list[Check]
    sync_types: list[str]
    connected: ConnectedSeller | None
    log_dir: str
    seconds: float

    @property
    def ok(self) -> bool:
        """True when every check passed and the seller was connected."""
        return all(c.ok for c in self.checks) and self.connected is not None and self.connected.status == "ACTIVE"


def _count_by_type(resources: dict[str, tuple[str, str]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for kind, _ in resources.values():
        counts[kind] = counts.get(kind, 0) + 1
    return dict(sorted(counts.items()))


def run_demo(step: Step, registry: tuple[SyncType, ...] = SYNC_TYPES, log_dir: Path = DEMO_LOG_DIR) -> DemoSummary:
    """Synthesizes the app, deploys it into the embedded AWS and checks that every component works."""
    started = time.monotonic()
    step("Synthesizing the CDK app (offline, no Docker)")
    template = synthesize(registry)
    step(f"Starting the embedded AWS and the Amazon sandbox, deploying {len(template['Resources'])} resources")
    # Pollers start after the checks: a poller would take the checks' probe message off a work queue.
    options = LocalOptions(stack_name=STACK_NAME, run_clock=False, run_pollers=False, log_dir=log_dir)
    with run_local_world(template, options) as world:
        stack = world.stack
        step("Checking tables, queues, bus, key, secret and API")
        checks = check_stack(stack.deployed)
        for poller in stack.runtime.pollers:
            poller.start()
        step("Connecting a sandbox seller: connect link, consent page, Authorize, callback")
        connected = connect_sandbox_seller(world, Region.EU)
        return DemoSummary(
            stack_name=stack.deployed.stack_name,
            synthesized_resources=len(template["Resources"]),
            deployed_resources=_count_by_type(stack.deployed.resources),
            local_equivalents={kind: note for _, kind, note in stack.deployed.equivalents},
            api_url=stack.api_url,
            checks=checks,
            sync_types=[e.name for e in registry],
            connected=connected,
            log_dir=str(log_dir),
            seconds=round(time.monotonic() - started, 1),
        )


def connect_sandbox_seller(world: LocalWorld, region: Region) -> ConnectedSeller | None:
    """Makes a connect link as `sellersync connect-link` does and clicks through it as a seller would."""
    started = time.monotonic()
    aws, outputs = world.stack.deployed.aws, world.stack.deployed.outputs
    dynamodb = aws.client("dynamodb")
    states = OAuthStatesRepository(outputs[table_output_key(Table.OAUTH_STATES)], dynamodb)
    key = load_invite_key(aws.client("secretsmanager"), outputs[Output.INVITE_KEY_SECRET_ARN])
    seller = SandboxInspector(world.sandbox.url).seller(region.value)
    SandboxInspector(world.sandbox.url).sign_in(seller.selling_partner_id)
    link, _ = create_connect_link(states, key, world.api_url, region=region, name=seller.store_name)
    result = click_through(link)
    if result.selling_partner_id is None:
        return None
    encryptor = KmsEncryptor(outputs[Output.KMS_KEY_ARN], aws.client("kms"))
    connections = ConnectionsRepository(outputs[table_output_key(Table.CONNECTIONS)], dynamodb, encryptor)
    connection = next(
        (c for c in connections.list_connections() if c.selling_partner_id == result.selling_partner_id), None
    )
    if connection is None:
        return None
    return ConnectedSeller(
        selling_partner_id=connection.selling_partner_id,
        connection_id=connection.connection_id,
        region=connection.region.value,
        status=connection.status.value,
        marketplaces=[f"{marketplace_by_id(m).country_code} {m}" for m in connection.marketplace_ids],
        page_title=result.title,
        hops=result.hops,
        seconds=round(time.monotonic() - started, 2),
    )
