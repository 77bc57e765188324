"""EventBridge input transformers rendered as EventBridge renders them, in place of moto's renderer.

An input template such as `{"connection_id":<cid>,"requested_at":<time>}` (what CDK's `RuleTargetInput.from_object`
writes) relies on two EventBridge rules that moto does not follow: a placeholder outside quotes takes the JSON form of
its value (a string gets its quotes), and `$.time` is the event's ISO-8601 time (`2026-05-01T12:00:00Z`). moto inserts
strings bare and gives the time as epoch seconds, so such a template either breaks its PutEvents or delivers a
different body than the cloud would. `install()` (run by `local.aws.moto_server`, in the process moto runs in) swaps in
`render`, which follows EventBridge; templates with EventBridge's reserved `<aws.events.…>` variables, or without an
InputPathsMap, still go to moto's own renderer (moto's archives use them).
"""

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from moto.events.utils import EventMessageType, EventTemplateParser

_PLACEHOLDER = re.compile(r"<([A-Za-z0-9_.\-]+)>")
_RESERVED = "<aws.events."
_original_parse = EventTemplateParser.parse


def event_time(value: Any) -> str:
    """An event's `time` as EventBridge shows it to rules and transformers: ISO 8601, UTC, whole seconds."""
    if isinstance(value, int | float) or (isinstance(value, str) and re.fullmatch(r"\d+(\.\d+)?", value)):
        moment = datetime.fromtimestamp(float(value), UTC)
    elif isinstance(value, datetime):
        moment = value.astimezone(UTC)
    else:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00")).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _lookup(event: Any, path: str) -> Any:
    """The value at a simple JSONPath (`$`, `$.a.b`, `$.a[0]`), or None where the event has none."""
    node = event
    for part in re.findall(r"[^.\[\]]+", path.removeprefix("$")):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


def _inside_string(template: str, end: int) -> bool:
    """Whether position `end` of a JSON template lies inside a string literal."""
    inside, escaped = False, False
    for char in template[:end]:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = inside
        elif char == '"':
            inside = not inside
    return inside


def render(template: str, paths: Mapping[str, str], event: Mapping[str, Any]) -> Any:
    """The body EventBridge delivers for an input transformer: `template` with each `<name>` of `paths` filled in.

    Outside quotes a placeholder becomes its value's JSON (null when the event lacks it); inside quotes its text.
    """
    visible = {**event, "time": event_time(event["time"])} if "time" in event else dict(event)
    values = {name: _lookup(visible, path) for name, path in paths.items()}

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            return match.group(0)
        value = values[name]
        if _inside_string(template, match.start()):
            text = value if isinstance(value, str) else json.dumps(value) if value is not None else ""
            return json.dumps(text)[1:-1]
        return json.dumps(value)

    return json.loads(_PLACEHOLDER.sub(fill, template))


def _parse(input_template: str, input_paths_map: dict[str, Any], event: EventMessageType) -> Any:
    if not input_template or not input_paths_map or _RESERVED in input_template:
        return _original_parse(input_template, input_paths_map, event)
    return render(input_template, input_paths_map, event)


def install() -> None:
    """Makes moto's EventBridge render input transformers with `render` (idempotent)."""
    EventTemplateParser.parse = staticmethod(_parse)  # type: ignore[method-assign]
