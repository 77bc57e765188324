"""Prices measured usage (bench_cost.py): usage windows, their differences and scaling, and dollars per service.

A `Usage` is what one window of the running stack billed: AWS requests per service:operation and billed units (from
cost_meter.AwsMeter), Lambda invocations and GB-seconds (cost_meter.FunctionMeter), schedule fires and log bytes.
Windows subtract (a connection's share = the window with it - the window without) and scale (per order, per month).
`price` turns a usage into dollars per service with the prices of cost_prices.toml (eu-west-1, dated, free tiers
ignored). SQS requests made by Lambda's event source polling are not the local pollers' (they poll differently): they
are left out of the measured counts and modelled instead (`ESM_REQUESTS_PER_INVOCATION`, `ESM_IDLE_REQUESTS_MONTH`).
"""

import tomllib
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PRICES_FILE = Path(__file__).with_name("cost_prices.toml")
HOURS_PER_MONTH = 730  # AWS's monthly hours
GB = 1024**3
# Lambda's SQS pollers: at least 5 long polls (20 s) per queue at all times, and per batch one receive and one delete.
ESM_IDLE_REQUESTS_MONTH = 5 * 3 * 60 * HOURS_PER_MONTH
ESM_REQUESTS_PER_INVOCATION = 2
ESM_OPERATIONS = frozenset(
    {"ReceiveMessage", "DeleteMessage", "DeleteMessageBatch", "ChangeMessageVisibility", "ChangeMessageVisibilityBatch"}
)
# Lambda writes START, END and REPORT lines for every invocation (not in the local log files).
PLATFORM_LOG_BYTES = 350


def load_prices(path: Path = PRICES_FILE) -> dict[str, Any]:
    """The price table (see the file's header for region, date and sources)."""
    with path.open("rb") as handle:
        return tomllib.load(handle)


@dataclass
class Usage:
    """What a window billed (or a scaled share of it)."""

    requests: Counter[str] = field(default_factory=Counter)  # "service:Operation" -> requests
    units: Counter[str] = field(default_factory=Counter)  # billed units (dynamodb.read:<table>, sqs.requests:<op>…)
    invocations: Counter[str] = field(default_factory=Counter)  # function -> invocations
    gb_seconds: Counter[str] = field(default_factory=Counter)
    esm_invocations: float = 0.0  # invocations by an SQS event source
    schedule_fires: float = 0.0
    log_bytes: float = 0.0

    def minus(self, other: "Usage") -> "Usage":
        """This window without `other` (negative differences, noise, are kept: they show in the table)."""

        def sub(a: Counter[str], b: Counter[str]) -> Counter[str]:
            return Counter({k: a.get(k, 0) - b.get(k, 0) for k in set(a) | set(b)})

        return Usage(
            sub(self.requests, other.requests),
            sub(self.units, other.units),
            sub(self.invocations, other.invocations),
            sub(self.gb_seconds, other.gb_seconds),
            self.esm_invocations - other.esm_invocations,
            self.schedule_fires - other.schedule_fires,
            self.log_bytes - other.log_bytes,
        )

    def times(self, factor: float) -> "Usage":
        """This usage scaled by `factor`."""

        def mul(a: Counter[str]) -> Counter[str]:
            return Counter({k: v * factor for k, v in a.items()})

        return Usage(
            mul(self.requests),
            mul(self.units),
            mul(self.invocations),
            mul(self.gb_seconds),
            self.esm_invocations * factor,
            self.schedule_fires * factor,
            self.log_bytes * factor,
        )

    def plus(self, other: "Usage") -> "Usage":
        """Both usages together."""
        return self.minus(other.times(-1.0))

    def total_invocations(self) -> float:
        """Lambda invocations of every function."""
        return float(sum(self.invocations.values()))

    def sqs_requests(self) -> float:
        """Billed SQS requests: the code's own (per 64 KB chunk) plus Lambda's polling per batch."""
        own = sum(
            v for k, v in self.units.items() if k.startswith("sqs.requests:") and k.split(":")[1] not in ESM_OPERATIONS
        )
        return own + ESM_REQUESTS_PER_INVOCATION * self.esm_invocations

    def service_requests(self, service: str) -> float:
        """Requests to one service (every operation)."""
        return float(sum(v for k, v in self.requests.items() if k.startswith(f"{service}:")))


def traced_functions(template: dict[str, Any]) -> frozenset[str]:
    """The functions with Active tracing (logical ids): Lambda traces each of their invocations (under one a second,
    its sampling keeps every one); a PassThrough function records no trace of its own (infra/tracing.py)."""
    return frozenset(
        lid
        for lid, resource in template["Resources"].items()
        if resource["Type"] == "AWS::Lambda::Function"
        and resource["Properties"].get("TracingConfig", {}).get("Mode") == "Active"
    )


def logical_id(function: str) -> str:
    """A function's logical id from its deployed name (`<stack>-<logical id>-<suffix>`), or the id itself."""
    return function.split("-")[1] if "-" in function else function


def price(usage: Usage, prices: dict[str, Any], traced: Collection[str] | None = None) -> dict[str, float]:
    """Dollars per service for `usage` (request- and volume-priced items only; fixed items: `fixed_price`); X-Ray
    counts a trace per invocation of the `traced` functions (None: every function, `sellersync:tracing` all)."""
    traces = sum(v for k, v in usage.invocations.items() if traced is None or logical_id(k) in traced)
    lam, ddb, cw = prices["lambda"], prices["dynamodb"], prices["cloudwatch"]
    writes = sum(v for k, v in usage.units.items() if k.startswith("dynamodb.write:"))
    reads = sum(v for k, v in usage.units.items() if k.startswith("dynamodb.read:"))
    log_bytes = usage.log_bytes + PLATFORM_LOG_BYTES * usage.total_invocations()
    return {
        "Lambda": sum(usage.gb_seconds.values()) * lam["gb_second"]
        + usage.total_invocations() * lam["per_million_requests"] / 1e6,
        "X-Ray": traces * prices["xray"]["per_million_traces"] / 1e6,
        "DynamoDB": writes * ddb["per_million_write_units"] / 1e6 + reads * ddb["per_million_read_units"] / 1e6,
        "SQS": usage.sqs_requests() * prices["sqs"]["per_million_requests"] / 1e6,
        "EventBridge": usage.units["events.entries"] * prices["eventbridge"]["per_million_custom_events"] / 1e6
        + usage.schedule_fires * prices["eventbridge"]["per_million_scheduler_invocations"] / 1e6
        + usage.units["events.bytes"] / GB * prices["eventbridge"]["archive_gb_processed"],
        # No PutMetricData: the functions emit EMF through their logs (priced as custom metrics, fixed); the calls the
        # meter sees are the local runtime's stand-in for CloudWatch's extraction (local/emf.py), not billed in AWS.
        "CloudWatch": log_bytes / GB * (cw["logs_ingested_gb"] + cw["logs_stored_gb_month"]),
        "KMS": usage.service_requests("kms") * prices["kms"]["per_10k_requests"] / 1e4,
        "Secrets Manager": usage.service_requests("secretsmanager")
        * prices["secretsmanager"]["per_10k_api_calls"]
        / 1e4,
    }


@dataclass(frozen=True)
class StackShape:
    """What the template holds that bills by the month, whatever runs."""

    alarms: int
    dashboards: int
    kms_keys: int
    secrets: int
    esm_queues: int  # SQS event sources (Lambda polls each all the time)
    metric_series: int  # custom metrics seen (namespace x name x dimension values)


def shape_of(template: dict[str, Any], metric_series: int) -> StackShape:
    """Counts the template's monthly-billed resources."""
    kinds = Counter(str(r["Type"]) for r in template["Resources"].values())
    return StackShape(
        alarms=kinds["AWS::CloudWatch::Alarm"],
        dashboards=kinds["AWS::CloudWatch::Dashboard"],
        kms_keys=kinds["AWS::KMS::Key"],
        secrets=kinds["AWS::SecretsManager::Secret"],
        esm_queues=kinds["AWS::Lambda::EventSourceMapping"],
        metric_series=metric_series,
    )


def fixed_price(shape: StackShape, prices: dict[str, Any]) -> dict[str, float]:
    """Dollars a month of the stack's standing resources (the idle schedules are priced from measured usage)."""
    cw = prices["cloudwatch"]
    return {
        "CloudWatch alarms": shape.alarms * cw["alarm_month"],
        "CloudWatch dashboards": shape.dashboards * cw["dashboard_month"],
        "CloudWatch custom metrics": shape.metric_series * cw["metric_month"],
        "KMS keys": shape.kms_keys * prices["kms"]["key_month"],
        "Secrets Manager secrets": shape.secrets * prices["secretsmanager"]["secret_month"],
        "SQS: Lambda's idle polling": shape.esm_queues
        * ESM_IDLE_REQUESTS_MONTH
        * prices["sqs"]["per_million_requests"]
        / 1e6,
    }
