"""The template's alarms, evaluated locally: moto stores alarms but never evaluates them, so this does.

Each alarm deployed into the embedded AWS (local/equivalents.py puts them there) is read back with DescribeAlarms and
evaluated as CloudWatch would, once, at `now`:
- its datapoints: one per evaluation period, the newest ending at `now`, each the alarm's statistic over its period
  from GetMetricStatistics (our metrics reach the embedded CloudWatch through local/emf.py); an SQS queue's
  ApproximateNumberOfMessagesVisible is read from the queue itself (GetQueueAttributes, the newest period only), as
  moto publishes no SQS metrics; a metric math alarm whose expression is a sum (`a + b`) or `MAX([...])` of plain
  metrics is computed from those;
- missing datapoints as the alarm's TreatMissingData says: `breaching` counts them as breaching, `notBreaching` as
  not, `missing` and `ignore` leave them out (with none left: INSUFFICIENT_DATA, as a new alarm shows);
- ALARM when at least DatapointsToAlarm of them breach the threshold, else OK.
Not evaluated (state NOT_EVALUATED, with the reason): percentile statistics (moto computes none), other math, and
metrics only AWS publishes that have no local stand-in (SQS message age).
"""

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # local/aws.py imports moto: `sellersync local alarms` needs only boto3 clients
    from local.aws import LocalAws

ALARM, OK, INSUFFICIENT_DATA, NOT_EVALUATED = "ALARM", "OK", "INSUFFICIENT_DATA", "NOT_EVALUATED"
SQS_NAMESPACE = "AWS/SQS"
VISIBLE = "ApproximateNumberOfMessagesVisible"
COMPARE: dict[str, Callable[[float, float], bool]] = {
    "GreaterThanThreshold": lambda value, threshold: value > threshold,
    "GreaterThanOrEqualToThreshold": lambda value, threshold: value >= threshold,
    "LessThanThreshold": lambda value, threshold: value < threshold,
    "LessThanOrEqualToThreshold": lambda value, threshold: value <= threshold,
}
_MAX = re.compile(r"^MAX\(\[([\w\s,]+)\]\)$")
_SUM = re.compile(r"^\w+(\s*\+\s*\w+)*$")

type Datapoints = list[float | None]


class NotEvaluatedError(Exception):
    """The alarm's metric cannot be evaluated locally (the message says why)."""


@dataclass(frozen=True)
class AlarmState:
    """One alarm as evaluated locally."""

    name: str
    state: str
    reason: str
    metric: str
    description: str


def evaluate_alarms(cloudwatch: Any, sqs: Any, stack_name: str, now: datetime | None = None) -> list[AlarmState]:
    """Every alarm of the stack (by the `<stack>-` name prefix the local deployment gives them), evaluated at `now`."""
    now = now or datetime.now(UTC)
    prefix = f"{stack_name}-"
    alarms = [
        alarm
        for page in cloudwatch.get_paginator("describe_alarms").paginate(AlarmNamePrefix=prefix)
        for alarm in page.get("MetricAlarms", [])
    ]
    source = MetricSource(cloudwatch, sqs)
    states = [evaluate_alarm(alarm, source, now) for alarm in alarms]
    return sorted(states, key=lambda s: (s.state != ALARM, s.name))


def firing_alarms(aws: "LocalAws", stack_name: str) -> list[AlarmState]:
    """The stack's alarms in ALARM now, in the embedded AWS (what `make demo` ends with)."""
    states = evaluate_alarms(aws.client("cloudwatch"), aws.client("sqs"), stack_name)
    return [state for state in states if state.state == ALARM]


def evaluate_alarm(alarm: Mapping[str, Any], source: "MetricSource", now: datetime) -> AlarmState:
    """One alarm's state at `now` (see the module doc)."""
    name = str(alarm["AlarmName"])
    description = str(alarm.get("AlarmDescription", ""))
    metric = describe_metric(alarm)
    try:
        points = source.datapoints(alarm, now)
    except NotEvaluatedError as exc:
        return AlarmState(name, NOT_EVALUATED, str(exc), metric, description)
    state, reason = decide(alarm, points)
    return AlarmState(name, state, reason, metric, description)


def decide(alarm: Mapping[str, Any], points: Datapoints) -> tuple[str, str]:
    """The state and its reason, from the datapoints (oldest first; None for a missing one)."""
    threshold = float(alarm["Threshold"])
    operator = str(alarm["ComparisonOperator"])
    if operator not in COMPARE:
        return NOT_EVALUATED, f"comparison {operator} is not evaluated locally"
    compare = COMPARE[operator]
    treat = str(alarm.get("TreatMissingData") or "missing")
    needed = int(alarm.get("DatapointsToAlarm") or alarm.get("EvaluationPeriods") or 1)
    present = [p for p in points if p is not None]
    missing = len(points) - len(present)
    shown = ", ".join("-" if p is None else f"{p:g}" for p in points)
    versus = f"[{shown}] {operator} {threshold:g}"
    if not present and treat not in ("breaching", "notBreaching"):
        return INSUFFICIENT_DATA, f"no data in {len(points)} period(s) ({treat})"
    breaching = sum(compare(p, threshold) for p in present) + (missing if treat == "breaching" else 0)
    missing_note = f"; {missing} missing treated as {treat}" if missing else ""
    reason = f"{breaching} of {len(points)} datapoint(s) breaching {versus}{missing_note}; {needed} needed"
    return (ALARM if breaching >= needed else OK), reason


def describe_metric(alarm: Mapping[str, Any]) -> str:
    """The alarm's metric as one line: namespace/name{dimensions} statistic period, or its math expression."""
    if alarm.get("Metrics"):
        expressions = [m["Expression"] for m in alarm["Metrics"] if m.get("Expression")]
        return f"math: {'; '.join(expressions)}"
    dimensions = ",".join(f"{d['Name']}={d['Value']}" for d in alarm.get("Dimensions", []))
    statistic = alarm.get("Statistic") or alarm.get("ExtendedStatistic")
    return f"{alarm.get('Namespace')}/{alarm.get('MetricName')}{{{dimensions}}} {statistic} {alarm.get('Period')}s"


class MetricSource:
    """Datapoints from the embedded CloudWatch and SQS."""

    def __init__(self, cloudwatch: Any, sqs: Any) -> None:
        self._cloudwatch = cloudwatch
        self._sqs = sqs

    def datapoints(self, alarm: Mapping[str, Any], now: datetime) -> Datapoints:
        """One value per evaluation period, oldest first."""
        periods = int(alarm.get("EvaluationPeriods") or 1)
        if alarm.get("Metrics"):
            return self._math(alarm["Metrics"], periods, now)
        stat = {k: alarm.get(k) for k in ("Namespace", "MetricName", "Dimensions", "Period")}
        return self._stat(stat, alarm.get("Statistic") or alarm.get("ExtendedStatistic"), periods, now)

    def _stat(self, metric: Mapping[str, Any], statistic: Any, periods: int, now: datetime) -> Datapoints:
        namespace, name = str(metric["Namespace"]), str(metric["MetricName"])
        dimensions = list(metric.get("Dimensions") or [])
        if namespace == SQS_NAMESPACE:
            if name != VISIBLE:
                raise NotEvaluatedError(f"{namespace}/{name} has no local stand-in")
            return [None] * (periods - 1) + [self._visible(dimensions)]
        if statistic not in ("Sum", "Maximum", "Minimum", "Average", "SampleCount"):
            raise NotEvaluatedError(f"statistic {statistic} is not computed by the embedded CloudWatch")
        period = int(metric["Period"])
        # GetMetricStatistics drops the times' fractions of a second: the window ends at the next whole second, so a
        # datapoint of the current second counts.
        now = now.replace(microsecond=0) + timedelta(seconds=1) if now.microsecond else now
        points: Datapoints = []
        for back in range(periods - 1, -1, -1):
            end = now - timedelta(seconds=back * period)
            answer = self._cloudwatch.get_metric_statistics(
                Namespace=namespace,
                MetricName=name,
                Dimensions=dimensions,
                StartTime=end - timedelta(seconds=period),
                EndTime=end,
                Period=period,
                Statistics=[statistic],
            )
            values = [float(d[statistic]) for d in answer.get("Datapoints", []) if statistic in d]
            points.append(_combine(statistic, values))
        return points

    def _visible(self, dimensions: Sequence[Mapping[str, str]]) -> float:
        queue = next((d["Value"] for d in dimensions if d["Name"] == "QueueName"), None)
        if queue is None:
            raise NotEvaluatedError("an SQS metric without a QueueName dimension")
        url = self._sqs.get_queue_url(QueueName=queue)["QueueUrl"]
        attributes = self._sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
        return float(attributes["Attributes"]["ApproximateNumberOfMessages"])

    def _math(self, metrics: Sequence[Mapping[str, Any]], periods: int, now: datetime) -> Datapoints:
        expressions = [m for m in metrics if m.get("ReturnData", True) and m.get("Expression")]
        if len(expressions) != 1:
            raise NotEvaluatedError("a math alarm without exactly one expression")
        text = str(expressions[0]["Expression"]).strip()
        series: dict[str, Datapoints] = {}
        for m in metrics:
            if "MetricStat" in m:
                stat = m["MetricStat"]
                series[m["Id"]] = self._stat({**stat["Metric"], "Period": stat["Period"]}, stat["Stat"], periods, now)
        maximum = _MAX.match(text)
        if maximum:
            ids, combine = [i.strip() for i in maximum.group(1).split(",")], "max"
        elif _SUM.match(text):
            ids, combine = [i.strip() for i in text.split("+")], "sum"
        else:
            raise NotEvaluatedError(f"math expression {text!r} is not evaluated locally")
        if not set(ids) <= set(series):
            raise NotEvaluatedError(f"math expression {text!r} names metrics the alarm does not define")
        points: Datapoints = []
        for index in range(periods):
            present = [v for i in ids if (v := series[i][index]) is not None]
            points.append(None if not present else max(present) if combine == "max" else sum(present))
        return points


def _combine(statistic: str, values: list[float]) -> float | None:
    """moto may split one window into buckets: the statistic over them (Average and SampleCount approximately)."""
    if not values:
        return None
    if statistic == "Maximum":
        return max(values)
    if statistic == "Minimum":
        return min(values)
    if statistic == "Average":
        return sum(values) / len(values)
    return sum(values)
