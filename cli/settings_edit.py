"""`sellersync settings set`: `key=value` assignments applied to a connection's settings, validated, written once.

Keys are ConnectionSettings' fields, `marketplace_overrides.<marketplace id or country code>.<field>` for the
per-marketplace ones, or `sku_overrides.<sku>.<field>` for the per-SKU ones (the field is the text after the last
dot, so SKUs with dots work). Values are text that the settings model validates: numbers, `true`/`false`,
comma-separated lists for sets (`enabled_syncs=orders,inventory`), JSON objects for maps
(`shipping_method_map={"Std":"Standard"}`, `sku_overrides.ABC-1={"inventory_buffer":2}`). An empty value (`key=`)
resets a field to its default (an override: to the inherited value); `none` sets a field that allows it to None
(`price_change_limit=none`: no price guard). The write is conditional on the version that was read, so a concurrent
change is reported, never overwritten.
"""

import copy
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, get_origin

from cli.errors import CliError, UsageError
from shared.inventory import SYNC_TYPE as INVENTORY
from shared.models.settings import ConnectionSettings, MarketplaceOverrides, SkuOverrides
from shared.repositories.connections import ConnectionsRepository
from shared.repositories.errors import ConcurrentUpdateError, InvalidStoredSettingsError
from shared.spapi.marketplaces import UnknownMarketplaceError, marketplace_by_country, marketplace_by_id

OVERRIDES = "marketplace_overrides"
SKU_OVERRIDES = "sku_overrides"
NONE_TEXTS = frozenset({"none", "null"})


@dataclass(frozen=True)
class Assignment:
    """One `key=value`; `path` is the key split at dots (marketplace resolved to its id), `value` None resets."""

    path: tuple[str, ...]
    value: str | None

    @property
    def key(self) -> str:
        """The key as dotted text."""
        return ".".join(self.path)


@dataclass(frozen=True)
class SettingsUpdate:
    """What `settings set` wrote: the versions before and after, each changed key, and the new settings."""

    version: int
    changes: list[dict[str, Any]]
    settings: ConnectionSettings


class SettingsConflictError(CliError):
    """The settings changed between reading and writing; nothing was written."""


def _marketplace_id(text: str) -> str:
    for lookup in (marketplace_by_id, marketplace_by_country):
        try:
            return lookup(text).id
        except UnknownMarketplaceError:
            continue
    raise UsageError(f"unknown marketplace {text!r}: give an id (A1F83G8C2ARO7P) or a country code (UK)")


def parse_key(key: str) -> tuple[str, ...]:
    """A setting's path; raises UsageError naming the keys there are."""
    head, dot, rest = key.strip().partition(".")
    head = head.strip()
    if head not in ConnectionSettings.model_fields:
        raise UsageError(f"unknown setting {key!r}; settings: {', '.join(ConnectionSettings.model_fields)}")
    if not dot:
        return (head,)
    if head == OVERRIDES:
        return _marketplace_path(key, rest)
    if head == SKU_OVERRIDES:
        return _sku_path(key, rest)
    raise UsageError(f"{head} has no parts: {key!r}")


def _marketplace_path(key: str, rest: str) -> tuple[str, ...]:
    parts = tuple(part.strip() for part in rest.split("."))
    path = (OVERRIDES, _marketplace_id(parts[0]), *parts[1:])
    if len(path) == 2 or (len(path) == 3 and path[2] in MarketplaceOverrides.model_fields):
        return path
    raise UsageError(
        f"{key!r}: per-marketplace settings are {OVERRIDES}.<marketplace>.<field>, fields: "
        f"{', '.join(MarketplaceOverrides.model_fields)}"
    )


def _sku_path(key: str, rest: str) -> tuple[str, ...]:
    # SKUs may hold dots: the field is what follows the last one; without a known field the whole rest is the SKU.
    sku, _, field = rest.rpartition(".")
    if sku and field.strip() in SkuOverrides.model_fields:
        return (SKU_OVERRIDES, sku, field.strip())
    if rest:
        return (SKU_OVERRIDES, rest)
    raise UsageError(
        f"{key!r}: per-SKU settings are {SKU_OVERRIDES}.<sku>.<field>, fields: {', '.join(SkuOverrides.model_fields)}"
    )


def parse_assignments(
    texts: Iterable[str], unset: Iterable[str] = (), *, allow_empty: bool = False
) -> list[Assignment]:
    """`key=value` texts and `--unset key` names as assignments; raises UsageError on a malformed one."""
    found = []
    for text in texts:
        key, sep, value = text.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"{text!r} is not key=value (an empty value, `key=`, resets the key)")
        found.append(Assignment(parse_key(key), value.strip() or None))
    found += [Assignment(parse_key(key), None) for key in unset]
    if not found and not allow_empty:
        raise UsageError("nothing to set: give key=value (or --unset key)")
    return found


def _json(key: str, text: str, kind: type) -> Any:
    try:
        value = json.loads(text)
    except ValueError:
        raise UsageError(f"{key}: expected JSON ({kind.__name__}), e.g. {key}=" + '{"a":"b"}') from None
    if not isinstance(value, kind):
        raise UsageError(f"{key}: expected a JSON {kind.__name__}")
    return value


def _value(key: str, field: str, text: str) -> Any:
    if text.lower() in NONE_TEXTS:
        return None
    origin = get_origin(ConnectionSettings.model_fields[field].annotation)
    if origin is dict:
        return _json(key, text, dict)
    if origin is frozenset:
        if text.startswith("["):
            return _json(key, text, list)
        return [item.strip() for item in text.split(",") if item.strip()]
    return text


def _apply(data: dict[str, Any], assignment: Assignment) -> None:
    path, value = assignment.path, assignment.value
    if len(path) == 1:
        if value is None:
            data.pop(path[0], None)
        else:
            data[path[0]] = _value(assignment.key, path[0], value)
        return
    overrides = data.setdefault(path[0], {})
    target = path[1]
    if len(path) == 2:
        if value is None:
            overrides.pop(target, None)
        else:
            overrides[target] = _json(assignment.key, value, dict)
        return
    entry = overrides.setdefault(target, {})
    entry[path[2]] = value
    if not any(v is not None for v in entry.values()):
        overrides.pop(target)


def apply_assignments(base: ConnectionSettings, assignments: Iterable[Assignment]) -> ConnectionSettings:
    """The settings with the assignments applied in order; raises pydantic's ValidationError when invalid."""
    data = copy.deepcopy(base.model_dump(mode="json"))
    for assignment in assignments:
        _apply(data, assignment)
    return ConnectionSettings.model_validate(data)


def flatten(settings: ConnectionSettings) -> dict[str, Any]:
    """Dotted keys and JSON values (sets sorted), overrides as `<overrides>.<marketplace id or sku>.<field>`."""
    data = settings.model_dump(mode="json", exclude={OVERRIDES, SKU_OVERRIDES})
    flat = {k: sorted(v) if isinstance(v, list) else v for k, v in data.items()}
    for name, overrides in ((OVERRIDES, settings.marketplace_overrides), (SKU_OVERRIDES, settings.sku_overrides)):
        for target, override in overrides.items():
            for field, value in override.model_dump(mode="json", exclude_none=True).items():
                flat[f"{name}.{target}.{field}"] = value
    return flat


def changes(old: ConnectionSettings, new: ConnectionSettings) -> list[dict[str, Any]]:
    """Each key whose value differs, with both values (None: unset)."""
    before, after = flatten(old), flatten(new)
    keys = sorted(set(before) | set(after))
    return [{"key": k, "old": before.get(k), "new": after.get(k)} for k in keys if before.get(k) != after.get(k)]


def update_settings(
    repo: ConnectionsRepository,
    connection_id: str,
    assignments: list[Assignment],
    *,
    replace: bool = False,
    stored_version: Callable[[], int] = lambda: 0,
) -> SettingsUpdate:
    """Reads, applies and writes the settings at the version read (see the module doc).

    `replace` starts from the defaults instead of the stored settings, at the stored item's raw version
    (`stored_version`), so that an item that no longer validates can be repaired.

    Raises:
        InvalidStoredSettingsError: the stored item no longer validates and `replace` was not given.
        SettingsConflictError: another writer changed the settings after they were read; nothing was written.
    """
    if replace:
        old, version = ConnectionSettings(), stored_version()
    else:
        old, version = repo.get_versioned_settings(connection_id)
    new = apply_assignments(old, assignments)
    try:
        written = repo.put_settings(connection_id, new, expected_version=version)
    except ConcurrentUpdateError:
        raise _conflict(repo, connection_id, version, assignments) from None
    return SettingsUpdate(written, changes(old, new), new)


def _conflict(
    repo: ConnectionsRepository, connection_id: str, version: int, assignments: list[Assignment]
) -> SettingsConflictError:
    message = f"the settings of {connection_id!r} changed after they were read (version {version}); nothing was written"
    try:
        current, now = repo.get_versioned_settings(connection_id)
    except InvalidStoredSettingsError as exc:
        return SettingsConflictError(f"{message}. They now read as invalid: {exc}")
    values = flatten(current)
    shown = ", ".join(f"{a.key}={json.dumps(values.get(a.key))}" for a in assignments)
    return SettingsConflictError(f"{message}. Now at version {now}: {shown}. Run the command again to apply it there.")


# The settings the inventory rules read (shared/inventory/rules.py), at every level.
# Seeding from Amazon is applied by the same reconciliation (shared/inventory/reconcile.py).
INVENTORY_RULE_FIELDS = frozenset(MarketplaceOverrides.model_fields) | {"seed_inventory_from_amazon"}


def changes_inventory_rules(update: SettingsUpdate) -> bool:
    """Whether the update changes what the inventory pipeline would advertise: a rule changed (at any level) or the
    `inventory` sync was just enabled, and the sync is enabled now."""
    if INVENTORY not in update.settings.enabled_syncs:
        return False
    for change in update.changes:
        if change["key"].rsplit(".", 1)[-1] in INVENTORY_RULE_FIELDS:
            return True
        if change["key"] == "enabled_syncs" and INVENTORY not in (change["old"] or []):
            return True
    return False
