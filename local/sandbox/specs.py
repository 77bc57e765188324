"""Amazon's vendored Swagger 2.0 models and JSON schemas, loaded from the package's models/ folder."""

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MODELS_DIR = Path(__file__).parent / "models"
HTTP_METHODS = ("get", "put", "post", "delete", "patch")


@dataclass(frozen=True)
class Operation:
    """One SP-API operation as its model declares it."""

    model: str
    operation_id: str
    method: str
    path: str
    parameters: tuple[dict[str, Any], ...]
    responses: dict[str, Any]

    @property
    def flask_path(self) -> str:
        """The path with {name} placeholders turned into Flask converters."""
        return self.path.replace("{", "<").replace("}", ">")


@functools.cache
def load_model(name: str) -> dict[str, Any]:
    """A Swagger model by file stem, e.g. 'orders_2026-01-01'."""
    with (MODELS_DIR / f"{name}.json").open(encoding="utf-8") as handle:
        model: dict[str, Any] = json.load(handle)
    return model


@functools.cache
def load_schema(relative: str) -> dict[str, Any]:
    """A JSON schema under models/schemas, e.g. 'feeds/listings-feed-schema-v2.json'."""
    with (MODELS_DIR / "schemas" / relative).open(encoding="utf-8") as handle:
        schema: dict[str, Any] = json.load(handle)
    return schema


@functools.cache
def find_operation(model_name: str, operation_id: str) -> Operation:
    """The operation with this ID in a model; path-level parameters are merged in (operation ones win)."""
    model = load_model(model_name)
    for path, item in model["paths"].items():
        shared = item.get("parameters", []) if isinstance(item, dict) else []
        for method in HTTP_METHODS:
            spec = item.get(method)
            if isinstance(spec, dict) and spec.get("operationId") == operation_id:
                own = spec.get("parameters", [])
                names = {(p["in"], p["name"]) for p in own}
                merged = (*own, *(p for p in shared if (p["in"], p["name"]) not in names))
                return Operation(model_name, operation_id, method.upper(), path, merged, spec["responses"])
    raise KeyError(f"{operation_id} not in {model_name}")
