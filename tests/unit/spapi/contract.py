"""Checks requests against Amazon's official Swagger models, vendored in local/sandbox/models (tests only).

A request is matched to its operation by method and path template; then its path parameters, query parameters
(csv arrays split and typed), headers and JSON body are validated with jsonschema, `$ref`s resolved against the
model's definitions. Objects are checked strictly (no undeclared properties), so a misspelt optional field fails.
"""

import copy
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import requests
from jsonschema import Draft4Validator, FormatChecker

MODELS_DIR = Path(__file__).resolve().parents[3] / "local" / "sandbox" / "models"
_METHODS = ("get", "put", "post", "delete", "patch")


class ContractError(AssertionError):
    """A request does not match its operation's model."""


@dataclass(frozen=True)
class Operation:
    """One operation of a model file."""

    model_file: str
    operation_id: str
    method: str
    template: str
    spec: dict[str, Any]
    definitions: dict[str, Any]

    @property
    def pattern(self) -> re.Pattern[str]:
        """The path template as a regex with one named group per path parameter."""
        parts = re.split(r"(\{[^}]+\})", self.template)
        regex = "".join(f"(?P<{p[1:-1]}>[^/]+)" if p.startswith("{") else re.escape(p) for p in parts)
        return re.compile(f"^{regex}$")

    def parameters(self, location: str) -> dict[str, dict[str, Any]]:
        """The declared parameters in `path`, `query` or `body`, by name."""
        return {p["name"]: p for p in self.spec.get("parameters", []) if p.get("in") == location}

    def static_cases(self) -> Iterator[tuple[int, dict[str, Any]]]:
        """Amazon's static sandbox cases: (HTTP status, case with `request` and `response`)."""
        for status, answer in self.spec.get("responses", {}).items():
            for case in answer.get("x-amzn-api-sandbox", {}).get("static", []):
                yield int(status), case


@cache
def operations() -> tuple[Operation, ...]:
    """Every operation of every vendored model."""
    found = []
    for path in sorted(MODELS_DIR.glob("*.json")):
        model = json.loads(path.read_text())
        definitions = _strict(model.get("definitions", {}))
        for template, item in model["paths"].items():
            for method in _METHODS:
                if method in item:
                    spec = item[method]
                    spec = spec | {"parameters": [*item.get("parameters", []), *spec.get("parameters", [])]}
                    found.append(Operation(path.name, spec["operationId"], method.upper(), template, spec, definitions))
    return tuple(found)


def operation(model_file: str, operation_id: str) -> Operation:
    """The operation with this id in this model file."""
    return next(o for o in operations() if o.model_file == model_file and o.operation_id == operation_id)


def match(method: str, path: str) -> tuple[Operation, dict[str, str]]:
    """The operation a request path belongs to (the most literal template wins) and its raw path parameters."""
    candidates = []
    for op in operations():
        found = op.pattern.match(path) if op.method == method else None
        if found:
            literal = len(re.sub(r"\{[^}]+\}", "", op.template))
            candidates.append((literal, not op.spec.get("deprecated", False), op, found.groupdict()))
    if not candidates:
        raise ContractError(f"no operation in the models for {method} {path}")
    candidates.sort(key=lambda c: (c[0], c[1]), reverse=True)
    return candidates[0][2], candidates[0][3]


def validate_request(request: requests.PreparedRequest) -> Operation:
    """Validates a request as sent against its operation's model; raises ContractError with every problem."""
    url = urlsplit(request.url or "")
    op, raw_path_params = match(request.method or "", url.path)
    problems = [
        *_check_path(op, raw_path_params),
        *_check_query(op, parse_qs(url.query, keep_blank_values=True)),
        *_check_headers(request),
        *_check_body(op, request.body),
    ]
    if problems:
        raise ContractError(f"{op.operation_id} ({op.model_file}): " + "; ".join(problems))
    return op


def validate_value(schema: dict[str, Any], definitions: dict[str, Any], value: Any) -> list[str]:
    """jsonschema problems of a value against a (Swagger 2 = draft 4) schema with the model's definitions."""
    validator = Draft4Validator(schema | {"definitions": definitions}, format_checker=_FORMATS)
    return [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in validator.iter_errors(value)]


def _check_path(op: Operation, raw: dict[str, str]) -> list[str]:
    declared = op.parameters("path")
    problems = [f"path parameter {name} is not declared" for name in raw if name not in declared]
    for name, value in raw.items():
        if name in declared:
            problems += [f"path {name}: {p}" for p in _check_param(declared[name], op, unquote(value))]
    return problems


def _check_query(op: Operation, query: dict[str, list[str]]) -> list[str]:
    declared = op.parameters("query")
    problems = [f"query parameter {name} is not declared" for name in query if name not in declared]
    problems += [
        f"required query parameter {n} missing" for n, p in declared.items() if p.get("required") and n not in query
    ]
    for name, values in query.items():
        if name in declared:
            if len(values) != 1:
                problems.append(f"query {name} repeated; arrays go as one csv value")
            problems += [f"query {name}: {p}" for p in _check_param(declared[name], op, values[0])]
    return problems


def _check_param(param: dict[str, Any], op: Operation, raw: str) -> list[str]:
    """Converts a raw string per the parameter's type (csv for arrays) and validates it."""
    schema = {k: v for k, v in param.items() if k not in ("name", "in", "required", "description", "collectionFormat")}
    kind = param.get("type")
    try:
        if kind == "array":
            if param.get("collectionFormat", "csv") != "csv":
                return [f"collectionFormat {param['collectionFormat']} not supported by this check"]
            value: Any = [_convert(param["items"].get("type"), v) for v in raw.split(",")]
        else:
            value = _convert(kind, raw)
    except ValueError as exc:
        return [str(exc)]
    return validate_value(schema, op.definitions, value)


def _convert(kind: str | None, raw: str) -> Any:
    if kind == "integer":
        return int(raw)
    if kind == "number":
        return float(raw)
    if kind == "boolean":
        if raw not in ("true", "false"):
            raise ValueError(f"{raw!r} is not a boolean")
        return raw == "true"
    return raw


def _check_headers(request: requests.PreparedRequest) -> list[str]:
    headers = request.headers
    problems = []
    if not headers.get("x-amz-access-token", "").startswith("Atza|"):
        problems.append("x-amz-access-token missing")
    if not headers.get("user-agent", "").startswith("SellerSync/"):
        problems.append("user-agent is not SellerSync/<version>")
    if "authorization" in headers:
        problems.append("an Authorization header is sent (SP-API needs no SigV4)")
    if request.body and headers.get("content-type") != "application/json":
        problems.append("a body without content-type application/json")
    return problems


def _check_body(op: Operation, body: bytes | str | None) -> list[str]:
    declared = list(op.parameters("body").values())
    if not declared:
        return ["a body is sent to an operation without one"] if body else []
    if not body:
        return ["the required body is missing"] if declared[0].get("required") else []
    try:
        value = json.loads(body)
    except ValueError:
        return ["the body is not JSON"]
    return [f"body {p}" for p in validate_value(declared[0]["schema"], op.definitions, value)]


def _strict(definitions: dict[str, Any]) -> dict[str, Any]:
    """Definitions with additionalProperties false on plain objects (not on allOf parts, which it would break)."""
    strict = copy.deepcopy(definitions)
    in_all_of = {
        ref["$ref"].rsplit("/", 1)[-1] for d in definitions.values() for ref in d.get("allOf", []) if "$ref" in ref
    }
    for name, schema in strict.items():
        if "properties" in schema and "additionalProperties" not in schema and name not in in_all_of:
            schema["additionalProperties"] = False
    return strict


_FORMATS = FormatChecker(formats=())


@_FORMATS.checks("date-time", raises=ValueError)
def _is_date_time(value: object) -> bool:
    if isinstance(value, str) and datetime.fromisoformat(value.replace("Z", "+00:00")).tzinfo is None:
        raise ValueError(f"{value!r} has no time zone")
    return True
