"""Carrier coercion: the warehouse's carrier name -> a CarrierCode Amazon accepts, or `Other` with the name.

Amazon takes only the exact spellings of its `amzn-base.xsd` list (REFERENCE.md section 6); an invalid code leaves the
order unconfirmed. The rules, in order (docs/shipments.md, "Carriers"):
1. `alias_map`: the connection's `carrier_alias_map` (warehouse name -> code), matched exactly, then folded. A mapped
   value that is not an accepted code is folded against the list; failing that it goes as `Other` with it as the name.
2. `builtin`: `data/carrier_aliases.toml`, the marketplace's country table, then its region's, then ALL; folded.
3. `exact`, then `normalised`: the name is an accepted code as it is, or once folded (case, spaces, punctuation and
   accents ignored). When several codes fold alike (`NACEX`/`Nacex`), `preferred_code` picks one.
4. `other`: code `Other`, carrierName the warehouse's name (control characters dropped, spaces collapsed, at most 100
   characters).
The accepted list is generated data (`data/carrier_codes.txt`, scripts/carrier_codes.py), read once per process.
"""

import functools
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Literal

from shared.spapi.marketplaces import MARKETPLACES, Region, marketplace_by_id

OTHER = "Other"
MAX_NAME_LENGTH = 100
ALL_SCOPE = "ALL"
CarrierRule = Literal["alias_map", "builtin", "exact", "normalised", "other"]


@dataclass(frozen=True)
class CarrierChoice:
    """What goes to Amazon: `code` is an accepted CarrierCode (or "Other", then with `name` as carrierName)."""

    code: str
    name: str | None
    rule: CarrierRule


def _data(name: str) -> str:
    return resources.files(__package__ or "shared.shipments").joinpath("data", name).read_text(encoding="utf-8")


@functools.cache
def accepted_codes() -> frozenset[str]:
    """Amazon's CarrierCode values, exact spelling and case (data/carrier_codes.txt)."""
    lines = _data("carrier_codes.txt").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def fold(text: str) -> str:
    """`text` compared loosely: accents dropped (NFKD), case folded, only letters and digits kept."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed.casefold() if c.isalnum() and not unicodedata.combining(c))


def preferred_code(codes: Iterable[str]) -> str:
    """The one of several codes that fold alike: mixed case (as Seller Central writes names) before all capitals or
    all lower case, then the first in case-insensitive order (`Nacex`, `Royal Mail`, `AT Post`, `GEODIS`)."""

    def key(code: str) -> tuple[bool, str, str]:
        mixed = code != code.upper() and code != code.lower()
        return not mixed, code.casefold(), code

    return min(codes, key=key)


@functools.cache
def _folded_codes() -> Mapping[str, str]:
    groups: dict[str, list[str]] = {}
    for code in accepted_codes():
        if folded := fold(code):
            groups.setdefault(folded, []).append(code)
    return {folded: preferred_code(codes) for folded, codes in groups.items()}


def _scopes() -> frozenset[str]:
    return frozenset({ALL_SCOPE, *(r.value for r in Region), *(m.country_code for m in MARKETPLACES)})


@functools.cache
def builtin_aliases() -> Mapping[str, Mapping[str, str]]:
    """Per scope (ALL, a region, a country code): folded warehouse name -> code. Raises ValueError on bad data."""
    tables = tomllib.loads(_data("carrier_aliases.toml"))
    unknown = set(tables) - _scopes()
    if unknown:
        raise ValueError(f"carrier_aliases.toml: unknown scope(s) {sorted(unknown)}")
    return {scope: _alias_table(scope, table) for scope, table in tables.items()}


def _alias_table(scope: str, table: Mapping[str, list[str]]) -> dict[str, str]:
    folded_codes = _folded_codes()
    out: dict[str, str] = {}
    for code, names in table.items():
        if code not in accepted_codes():
            raise ValueError(f"carrier_aliases.toml [{scope}]: {code!r} is not an accepted carrier code")
        for name in names:
            key = fold(name)
            if not key or out.get(key, code) != code:
                raise ValueError(f"carrier_aliases.toml [{scope}]: {name!r} is empty or maps to two codes")
            if scope == ALL_SCOPE and key in folded_codes and fold(code) != key:
                shadowed = folded_codes[key]
                raise ValueError(f"carrier_aliases.toml [ALL]: {name!r} overrides the code {shadowed!r} everywhere")
            out[key] = code
    return out


def visible_text(name: str) -> str:
    """The name with control and format characters dropped, whitespace runs made one space, trimmed; raises
    ValueError when nothing is left."""
    kept = "".join(" " if c.isspace() else c for c in name if c.isspace() or unicodedata.category(c)[0] != "C")
    cleaned = " ".join(kept.split())
    if not cleaned:
        raise ValueError(f"a carrier name needs at least one visible character, got {name!r}")
    return cleaned


def clean_name(name: str) -> str:
    """The name as carrierName takes it: `visible_text`, cut to 100 characters. Raises ValueError when empty."""
    return visible_text(name)[:MAX_NAME_LENGTH].rstrip()


def _alias_map_lookup(given: str, raw: str, alias_map: Mapping[str, str]) -> str | None:
    """The mapped value: a key equal to the name (as given or cleaned), else the first key in sorted order that
    folds alike."""
    for candidate in (raw, given):
        if candidate in alias_map:
            return alias_map[candidate]
    folded = fold(given)
    if not folded:
        return None
    return next((alias_map[key] for key in sorted(alias_map) if fold(key) == folded), None)


def _accepted(value: str) -> str | None:
    """`value` as an accepted code: itself when listed, else the code it folds to, else None."""
    if value in accepted_codes():
        return value
    return _folded_codes().get(fold(value)) if fold(value) else None


def _choice(code: str, given: str, rule: CarrierRule) -> CarrierChoice:
    return CarrierChoice(code, clean_name(given) if code == OTHER else None, rule)


def _from_alias_map(given: str, raw: str, alias_map: Mapping[str, str]) -> CarrierChoice | None:
    mapped = _alias_map_lookup(given, raw, alias_map)
    if mapped is None:
        return None
    try:
        value = visible_text(mapped)
    except ValueError:  # an empty mapping (the settings model refuses one): the other rules decide
        return None
    code = _accepted(value)
    if code is None:
        return CarrierChoice(OTHER, clean_name(value), "alias_map")
    return _choice(code, given, "alias_map")


def _from_builtin(given: str, marketplace_id: str) -> CarrierChoice | None:
    marketplace = marketplace_by_id(marketplace_id)
    tables = builtin_aliases()
    key = fold(given)
    for scope in (marketplace.country_code, marketplace.region.value, ALL_SCOPE):
        code = tables.get(scope, {}).get(key)
        if code is not None:
            return _choice(code, given, "builtin")
    return None


def coerce_carrier(name: str, marketplace_id: str, alias_map: Mapping[str, str]) -> CarrierChoice:
    """The CarrierCode (and carrierName) to send for the warehouse's carrier `name` in a marketplace.

    Raises ValueError when the name has no visible character, UnknownMarketplaceError for an unknown marketplace id.
    """
    given = visible_text(name)  # matched whole; cut to 100 characters only as a carrierName
    marketplace_by_id(marketplace_id)  # an unknown marketplace fails whichever rule would decide
    choice = _from_alias_map(given, name, alias_map) or _from_builtin(given, marketplace_id)
    if choice is not None:
        return choice
    if given in accepted_codes():
        return _choice(given, given, "exact")
    code = _folded_codes().get(fold(given)) if fold(given) else None
    if code is not None:
        return _choice(code, given, "normalised")
    return _choice(OTHER, given, "other")
