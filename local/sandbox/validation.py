"""One generic validator built from the Swagger 2.0 models: request parameters in, response bodies out.

Parameters are coerced from strings per their declared type (arrays by collectionFormat, csv by default), then
checked with JSON Schema (draft 4, as Swagger 2.0 uses) against the parameter's own keywords; bodies are checked
against their schema with the model's definitions in scope, so every $ref resolves.
"""

import functools
import json
from collections.abc import Mapping
from typing import Any

from jsonschema import Draft4Validator, FormatChecker
from jsonschema.exceptions import best_match

from local.sandbox.clock import parse_time
from local.sandbox.specs import Operation, find_operation, load_model

NOT_SCHEMA = {"name", "in", "required", "description", "collectionFormat", "allowEmptyValue", "schema"}
SEPARATORS = {"csv": ",", "ssv": " ", "tsv": "\t", "pipes": "|"}
INVALID_TYPE = "The input you have submitted is not valid. Please check the fields with invalid type"


class InvalidInput(Exception):
    """A request the model rejects; answered 400 InvalidInput (details: Amazon's optional third field)."""

    def __init__(self, message: str, details: str = "") -> None:
        super().__init__(message)
        self.details = details


class ResponseValidationError(AssertionError):
    """A sandbox response that does not match the operation's model (a sandbox bug; raised in test mode)."""


_FORMATS = FormatChecker(formats=())


@_FORMATS.checks("date-time", raises=ValueError)
def _is_date_time(value: object) -> bool:
    # Amazon accepts ISO 8601 with or without fractional seconds; a naive time is taken as UTC.
    if isinstance(value, str):
        parse_time(value)
    return True


def validate_request(
    op: Operation, path: Mapping[str, str], query: Mapping[str, list[str]], body: bytes
) -> tuple[dict[str, Any], Any]:
    """Checks a request against its operation; returns (parameters with defaults, parsed body)."""
    values: dict[str, Any] = {}
    parsed_body: Any = None
    for param in op.parameters:
        name, where = param["name"], param["in"]
        if where == "body":
            parsed_body = _body(op, param, body)
            continue
        raw = _raw(where, name, path, query)
        if raw is None:
            if param.get("required"):
                raise InvalidInput(f"Missing required parameter '{name}'.")
            if "default" in param:
                values[name] = param["default"]
            continue
        value = _coerce(param, raw)
        error = best_match(_param_validator(op.model, op.operation_id, name).iter_errors(value))
        if error is not None:
            raise InvalidInput(f"Invalid '{name}' provided: {error.message}.")
        values[name] = value
    return values, parsed_body


def validate_response(op: Operation, status: int, body: Any) -> None:
    """Raises ResponseValidationError unless the model declares this status and the body matches its schema."""
    declared = op.responses.get(str(status)) or op.responses.get("default")
    if declared is None:
        raise ResponseValidationError(f"{op.operation_id} declares no {status} response")
    if "schema" not in declared:
        if body not in (None, b"", ""):
            raise ResponseValidationError(f"{op.operation_id} {status} must have no body")
        return
    error = best_match(_response_validator(op.model, op.operation_id, str(status)).iter_errors(body))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path)
        raise ResponseValidationError(f"{op.operation_id} {status} at '{where}': {error.message}")


def schema_validator(schema: dict[str, Any]) -> Draft4Validator:
    """A draft-4 validator with the sandbox's format checks (for schemas that are not Swagger models)."""
    return Draft4Validator(schema, format_checker=_FORMATS)


def _raw(where: str, name: str, path: Mapping[str, str], query: Mapping[str, list[str]]) -> list[str] | None:
    if where == "path":
        return [path[name]] if name in path else None
    if where == "query":
        found = query.get(name)
        return found if found else None
    return None


def _coerce(param: dict[str, Any], raw: list[str]) -> Any:
    if param.get("type") != "array":
        return _scalar(param, param.get("type", "string"), raw[-1])
    fmt = param.get("collectionFormat", "csv")
    # Clients send arrays either joined (csv) or as repeated keys; both reach the same list.
    parts = raw if fmt == "multi" else [piece for value in raw for piece in value.split(SEPARATORS.get(fmt, ","))]
    item_type = param.get("items", {}).get("type", "string")
    return [_scalar(param, item_type, part) for part in parts]


def _scalar(param: dict[str, Any], kind: str, raw: str) -> Any:
    try:
        if kind == "integer":
            return int(raw)
        if kind == "number":
            return float(raw)
    except ValueError as exc:
        raise InvalidInput(f"Invalid '{param['name']}' provided: '{raw}' is not a {kind}.") from exc
    if kind == "boolean":
        if raw.lower() not in ("true", "false"):
            raise InvalidInput(f"Invalid '{param['name']}' provided: '{raw}' is not a boolean.")
        return raw.lower() == "true"
    return raw


def _body(op: Operation, param: dict[str, Any], raw: bytes) -> Any:
    if not raw.strip():
        if param.get("required"):
            raise InvalidInput("Missing required request body.")
        return None
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise InvalidInput("The request body is not valid JSON.") from exc
    error = best_match(_body_validator(op.model, op.operation_id).iter_errors(body))
    if error is None:
        return body
    field_path = _dotted(error.absolute_path)
    if error.validator == "type":
        # Amazon's gateway wording since ~2026-01 (selling-partner-api-models #5094): a number for a string.
        raise InvalidInput(f"{INVALID_TYPE} [{field_path}].")
    if error.validator == "format":
        # confirmShipment's model example answers a non-ISO shipDate with a bare "Invalid Input".
        raise InvalidInput("Invalid Input", f"{field_path}: {error.message}")
    where = "/".join(str(p) for p in error.absolute_path) or "body"
    raise InvalidInput(f"Invalid request body at '{where}': {error.message}.")


def _dotted(path: Any) -> str:
    """A JSON path as Amazon names fields: packageDetail.orderItems[0].quantity."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text or "body"


def _with_definitions(model_name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {**schema, "definitions": load_model(model_name).get("definitions", {})}


@functools.cache
def _param_validator(model_name: str, operation_id: str, name: str) -> Draft4Validator:
    param = next(p for p in find_operation(model_name, operation_id).parameters if p["name"] == name)
    schema = {k: v for k, v in param.items() if k not in NOT_SCHEMA and not k.startswith("x-")}
    return schema_validator(_with_definitions(model_name, schema))


@functools.cache
def _body_validator(model_name: str, operation_id: str) -> Draft4Validator:
    param = next(p for p in find_operation(model_name, operation_id).parameters if p["in"] == "body")
    return schema_validator(_with_definitions(model_name, param["schema"]))


@functools.cache
def _response_validator(model_name: str, operation_id: str, status: str) -> Draft4Validator:
    declared = find_operation(model_name, operation_id).responses[status]
    return schema_validator(_with_definitions(model_name, declared["schema"]))
