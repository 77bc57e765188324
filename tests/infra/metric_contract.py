"""The metric contract: which custom metrics the code emits, and which ones a template's alarms and widgets read.

Emitted: every `add_metric(...)` / `single_metric(...)` call in shared/ and functions/ is found in the source and its
name argument is evaluated in its module; it must be a declared metric (shared/sync/metrics.py,
shared/oauth/metrics.py, shared/shipments/metrics.py, shared/shipments/cancellation_metrics.py,
shared/credentials/metrics.py), whose declaration
gives the namespace and dimension names it is emitted with. Read: every metric of every AWS::CloudWatch::Alarm (plain
or inside a math expression) and of every dashboard widget. A read metric in one of our namespaces must match an
emitted one on namespace, name and the full set of dimension names, as CloudWatch matches it.
"""

import ast
import importlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shared.catalog import metrics as catalog_metrics
from shared.credentials import metrics as credential_metrics
from shared.metrics import MetricKey
from shared.oauth import metrics as oauth_metrics
from shared.shipments import cancellation_metrics
from shared.shipments import metrics as shipment_metrics
from shared.sync import metrics as sync_metrics

ROOT = Path(__file__).resolve().parents[2]
EMITTING_PACKAGES = ("shared", "functions")
EMISSION_CALLS = frozenset({"add_metric", "single_metric"})
DECLARED: dict[str, MetricKey] = {
    **sync_metrics.DECLARED,
    **oauth_metrics.DECLARED,
    **shipment_metrics.DECLARED,
    **cancellation_metrics.DECLARED,
    **catalog_metrics.DECLARED,
    **credential_metrics.DECLARED,
}
# Namespaces AWS services publish to: their metrics are not ours to emit.
AWS_NAMESPACE_PREFIX = "AWS/"


@dataclass(frozen=True)
class Emission:
    """One emission call: where it is and what its name argument is (None when it is not a declared metric)."""

    where: str
    key: MetricKey | None


@dataclass(frozen=True)
class Read:
    """One metric an alarm or a widget reads, with the dimension names it asks for."""

    where: str
    key: MetricKey


def emissions_in(source: str, where: str, namespace: Mapping[str, Any]) -> Iterator[Emission]:
    """The emission calls of one module's source; their name argument is evaluated in the module's `namespace`."""
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call) or _callee(node.func) not in EMISSION_CALLS:
            continue
        named = [k.value for k in node.keywords if k.arg == "name"] or node.args[:1]
        yield Emission(f"{where}:{node.lineno}", _declared(named[0], namespace) if named else None)


def emitted_by_code(root: Path = ROOT) -> list[Emission]:
    """Every emission call in shared/ and functions/ (modules are imported only when they hold one)."""
    found: list[Emission] = []
    for package in EMITTING_PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            source = path.read_text(encoding="utf-8")
            if not any(call in source for call in EMISSION_CALLS):
                continue
            relative = path.relative_to(root)
            module = importlib.import_module(".".join(relative.with_suffix("").parts))
            found += emissions_in(source, str(relative), vars(module))
    return found


def _callee(func: ast.expr) -> str | None:
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else None


def _declared(expr: ast.expr, namespace: Mapping[str, Any]) -> MetricKey | None:
    """The declared metric a name argument denotes; None for a literal, an expression or an undeclared name."""
    if not isinstance(expr, ast.Name | ast.Attribute):
        return None
    try:
        value = eval(compile(ast.Expression(expr), "<metric name>", "eval"), dict(namespace))  # noqa: S307
    except (NameError, AttributeError):
        return None
    key = DECLARED.get(value) if isinstance(value, str) else None
    # A plain string that happens to spell a declared name is still an undeclared emission: only members count.
    return key if key is not None and type(value) is not str else None


def read_by_template(template: Mapping[str, Any]) -> list[Read]:
    """Every metric the template's alarms and dashboards read."""
    reads: list[Read] = []
    for lid, resource in template.get("Resources", {}).items():
        props = resource.get("Properties", {})
        if resource.get("Type") == "AWS::CloudWatch::Alarm":
            stats = [props] + [m["MetricStat"]["Metric"] for m in props.get("Metrics", []) if "MetricStat" in m]
            for stat in stats:
                if "MetricName" in stat:
                    dimensions = frozenset(d["Name"] for d in stat.get("Dimensions", []))
                    reads.append(Read(f"alarm {lid}", MetricKey(stat["Namespace"], stat["MetricName"], dimensions)))
        elif resource.get("Type") == "AWS::CloudWatch::Dashboard":
            reads += _widget_reads(lid, _render(props["DashboardBody"]))
    return reads


def _render(body: Any) -> dict[str, Any]:
    """The dashboard body as JSON: CDK writes it as an Fn::Join of text and references (shown as a placeholder)."""
    if isinstance(body, str):
        return dict(json.loads(body))
    separator, parts = body["Fn::Join"]
    return dict(json.loads(separator.join(p if isinstance(p, str) else "${Token}" for p in parts)))


def _widget_reads(dashboard: str, body: Mapping[str, Any]) -> Iterator[Read]:
    for index, widget in enumerate(body.get("widgets", [])):
        title = widget.get("properties", {}).get("title", f"#{index}")
        for row in widget.get("properties", {}).get("metrics", []):
            fields = [f for f in row if isinstance(f, str)]
            if len(fields) < 2:
                continue  # a math expression row: its inputs are rows of their own
            namespace, name, *dimensions = fields
            yield Read(
                f"dashboard {dashboard} widget {title!r}", MetricKey(namespace, name, frozenset(dimensions[::2]))
            )


def unemitted(reads: list[Read], emitted: list[Emission]) -> list[str]:
    """Each read of one of our metrics that no code emits, with where it is read and the closest emitted metric."""
    keys = {e.key for e in emitted if e.key is not None}
    by_name = {key.name: key for key in keys}
    problems = []
    for read in reads:
        if read.key.namespace.startswith(AWS_NAMESPACE_PREFIX) or read.key in keys:
            continue
        near = by_name.get(read.key.name)
        hint = f" (emitted as {near})" if near else " (no code emits this name)"
        problems.append(f"{read.where} reads {read.key}{hint}")
    return problems
