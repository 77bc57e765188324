"""Our functions' metrics, locally: the EMF lines they print become PutMetricData calls on the embedded AWS.

In Lambda, Powertools prints each flush of metrics as one Embedded Metric Format (EMF) JSON line and CloudWatch Logs
extracts the metrics from it. moto has no such extraction, so locally each worker (local/workers.py) tees its stdout
through `EmfCapture`, which keeps the EMF lines (they still reach the function's log), and hands them back with the
invocation's result; the runtime (local/runtime.py) puts them to the embedded CloudWatch (`put_emf`), with their own
timestamps. Lambda's own metrics are stood in for the same way: each invocation counts `Invocations` and, when it
failed, `Errors` in AWS/Lambda with the function's name, so the template's alarms on them can be evaluated
(local/alarms.py).
"""

import io
import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, TextIO

EMF_PREFIX = '{"_aws"'
LAMBDA_NAMESPACE = "AWS/Lambda"
# PutMetricData takes at most 1000 entries per call (and 150 values per entry).
MAX_ENTRIES = 1000
MAX_VALUES = 150


class EmfCapture(io.TextIOBase):
    """A stdout that writes everything through and keeps each complete EMF line (`take` hands them over)."""

    def __init__(self, stream: TextIO) -> None:
        super().__init__()
        self._stream = stream
        self._partial = ""
        self._documents: list[dict[str, Any]] = []

    def write(self, text: str) -> int:
        """Writes through, then looks at each completed line."""
        written = self._stream.write(text)
        self._partial += text
        if "\n" in self._partial:
            *lines, self._partial = self._partial.split("\n")
            for line in lines:
                self._keep(line)
        return written

    def flush(self) -> None:
        """Flushes the stream written through."""
        self._stream.flush()

    def writable(self) -> bool:
        """It is an output stream."""
        return True

    def _keep(self, line: str) -> None:
        if not line.startswith(EMF_PREFIX):
            return
        try:
            document = json.loads(line)
        except json.JSONDecodeError:
            return
        if isinstance(document, dict):
            self._documents.append(document)

    def take(self) -> list[dict[str, Any]]:
        """The EMF documents printed since the last call."""
        documents, self._documents = self._documents, []
        return documents


def metric_data(document: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """One EMF document as PutMetricData entries, by namespace (a document that is not EMF gives none)."""
    aws = document.get("_aws")
    if not isinstance(aws, Mapping):
        return {}
    timestamp = datetime.fromtimestamp(float(aws.get("Timestamp", 0)) / 1000, UTC)
    found: dict[str, list[dict[str, Any]]] = {}
    for directive in aws.get("CloudWatchMetrics", []):
        namespace = str(directive.get("Namespace", ""))
        for dimension_set in directive.get("Dimensions", []) or [[]]:
            dimensions = [{"Name": name, "Value": str(document[name])} for name in dimension_set if name in document]
            for metric in directive.get("Metrics", []):
                name = metric.get("Name")
                raw = document.get(name)
                values = raw if isinstance(raw, list) else [raw]
                numbers = [float(v) for v in values if isinstance(v, int | float)]
                if not name or not numbers:
                    continue
                for start in range(0, len(numbers), MAX_VALUES):
                    entry: dict[str, Any] = {
                        "MetricName": name,
                        "Dimensions": dimensions,
                        "Timestamp": timestamp,
                        "Values": numbers[start : start + MAX_VALUES],
                    }
                    if metric.get("Unit"):
                        entry["Unit"] = metric["Unit"]
                    found.setdefault(namespace, []).append(entry)
    return found


def lambda_data(function_name: str, failed: bool, at: datetime) -> list[dict[str, Any]]:
    """What Lambda would count for one invocation: Invocations, and Errors (0 or 1)."""
    dimensions = [{"Name": "FunctionName", "Value": function_name}]
    return [
        {"MetricName": name, "Dimensions": dimensions, "Timestamp": at, "Values": [value], "Unit": "Count"}
        for name, value in (("Invocations", 1.0), ("Errors", 1.0 if failed else 0.0))
    ]


def put_emf(cloudwatch: Any, documents: Iterable[Mapping[str, Any]]) -> int:
    """Puts the documents' metrics to CloudWatch; returns how many entries were put."""
    by_namespace: dict[str, list[dict[str, Any]]] = {}
    for document in documents:
        for namespace, entries in metric_data(document).items():
            by_namespace.setdefault(namespace, []).extend(entries)
    return sum(put_entries(cloudwatch, namespace, entries) for namespace, entries in by_namespace.items())


def put_entries(cloudwatch: Any, namespace: str, entries: list[dict[str, Any]]) -> int:
    """PutMetricData in calls of at most MAX_ENTRIES entries."""
    for start in range(0, len(entries), MAX_ENTRIES):
        cloudwatch.put_metric_data(Namespace=namespace, MetricData=entries[start : start + MAX_ENTRIES])
    return len(entries)
