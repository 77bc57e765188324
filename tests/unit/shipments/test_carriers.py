"""Carrier coercion by example: every built-in alias, the order of the rules, names refused or cut, bad alias data."""

import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.shipments import carriers
from shared.shipments.carriers import CarrierChoice, accepted_codes, builtin_aliases, coerce_carrier, fold
from shared.spapi.marketplaces import MARKETPLACES, UnknownMarketplaceError, marketplace_by_country

ALIASES = Path(carriers.__file__).parent / "data" / "carrier_aliases.toml"
US, CA, UK, DE, FR, JP, AU = (marketplace_by_country(c).id for c in ("US", "CA", "UK", "DE", "FR", "JP", "AU"))


def builtin_cases() -> Iterator[tuple[str, str, str, str]]:
    """(scope, name, code, marketplace id) for every alias of the data file: a country's in that country, a region's
    in each of its marketplaces, an ALL one in the US, the UK and Japan unless a narrower table there names it."""
    tables = tomllib.loads(ALIASES.read_text(encoding="utf-8"))
    for scope, table in tables.items():
        for code, names in table.items():
            for name in names:
                for m in MARKETPLACES:
                    narrower = [
                        s for s in (m.country_code, m.region.value) if fold(name) in builtin_aliases().get(s, {})
                    ]
                    applies = scope == "ALL" and m.id in (US, UK, JP) and not narrower
                    if applies or scope in (m.country_code, m.region.value):
                        yield scope, name, code, m.id


@pytest.mark.parametrize(("scope", "name", "code", "marketplace_id"), list(builtin_cases()))
def test_every_builtin_alias_gives_its_code_where_it_applies(
    scope: str, name: str, code: str, marketplace_id: str
) -> None:
    assert coerce_carrier(name, marketplace_id, {}) == CarrierChoice(code, None, "builtin")


@pytest.mark.parametrize(
    ("name", "marketplace_id", "code"),
    [
        ("UPS Ground", US, "UPS"),
        ("UPS 2nd Day Air", US, "UPS"),
        ("ups", US, "UPS"),
        ("FedEx Home Delivery", US, "FedEx"),
        ("FedEx Ground", CA, "FedEx"),
        ("Federal Express", US, "FedEx"),
        ("USPS Priority", US, "USPS"),
        ("USPS First Class", US, "USPS"),
        ("United States Postal Service", US, "USPS"),
        ("Royal Mail 24", UK, "Royal Mail"),
        ("Royal Mail Tracked 48", UK, "Royal Mail"),
        ("RM48", UK, "Royal Mail"),
        ("DHL Express (UK)", UK, "DHL Express"),
        ("Parcelforce Worldwide", UK, "Parcelforce"),
        ("Hermes", UK, "Hermes UK"),
        ("Evri", UK, "Hermes UK"),
        ("DPD UK", UK, "DPD"),
        ("Deutsche Post DHL", DE, "DHL"),
        ("DHL Paket", DE, "DHL"),
        ("Postes Canada", CA, "Canada Post"),
        ("Yu-Pack", JP, "Japan Post"),
        ("Yamato", JP, "YAMATO"),
        ("Sagawa", JP, "SAGAWA"),
        ("AusPost", AU, "Australia Post"),
    ],
)
def test_the_warehouse_spellings_of_the_brief_become_amazons_codes(name: str, marketplace_id: str, code: str) -> None:
    choice = coerce_carrier(name, marketplace_id, {})

    assert (choice.code, choice.name) == (code, None)
    assert choice.rule in {"builtin", "exact", "normalised"}


@pytest.mark.parametrize(
    ("name", "marketplace_id", "expected"),
    [
        ("Colissimo", FR, CarrierChoice("Colissimo", None, "exact")),
        ("Chronopost", FR, CarrierChoice("Chronopost", None, "exact")),
        ("La Poste", FR, CarrierChoice("La Poste", None, "exact")),
        ("Canada Post", CA, CarrierChoice("Canada Post", None, "exact")),
        ("Japan Post", JP, CarrierChoice("Japan Post", None, "exact")),
        ("Australia Post", AU, CarrierChoice("Australia Post", None, "exact")),
        ("Amazon Shipping", UK, CarrierChoice("Amazon Shipping", None, "exact")),
        ("Hermes", DE, CarrierChoice("Hermes", None, "exact")),  # the UK table does not reach Germany
        ("DHL Paket", US, CarrierChoice("DHL-Paket", None, "normalised")),  # the EU table does not reach the US
        ("Royal  Mail\t", UK, CarrierChoice("Royal Mail", None, "exact")),
        ("royal_mail", UK, CarrierChoice("Royal Mail", None, "normalised")),
        ("LASERSHIP", US, CarrierChoice("Lasership", None, "normalised")),
        ("Purolator", CA, CarrierChoice("PUROLATOR", None, "normalised")),
        ("Yamato Transport", JP, CarrierChoice("YamatoTransport", None, "normalised")),
        ("Transaragones", FR, CarrierChoice("Transaragonés", None, "normalised")),
        ("nacex", FR, CarrierChoice("Nacex", None, "normalised")),
        ("Local Van Co.", UK, CarrierChoice("Other", "Local Van Co.", "other")),
        ("Other", UK, CarrierChoice("Other", "Other", "exact")),
    ],
)
def test_exact_and_normalised_matches_and_other(name: str, marketplace_id: str, expected: CarrierChoice) -> None:
    assert coerce_carrier(name, marketplace_id, {}) == expected


def test_the_alias_map_comes_first_even_over_a_builtin_alias_or_an_exact_code() -> None:
    alias_map = {"UPS Ground": "FedEx", "DHL": "DHL Express"}

    assert coerce_carrier("UPS Ground", US, alias_map) == CarrierChoice("FedEx", None, "alias_map")
    assert coerce_carrier("DHL", DE, alias_map) == CarrierChoice("DHL Express", None, "alias_map")
    assert coerce_carrier("UPS 2nd Day Air", US, alias_map).rule == "builtin"


def test_alias_map_keys_match_exactly_first_then_folded_in_sorted_order() -> None:
    alias_map = {"speedy-parcels": "DPD", "Speedy Parcels": "GLS", "SPEEDY PARCELS!": "TNT"}

    assert coerce_carrier("Speedy Parcels", UK, alias_map).code == "GLS"
    assert coerce_carrier(" speedy   parcels ", UK, alias_map).code == "TNT"  # "SPEEDY PARCELS!" sorts first


def test_an_alias_map_value_is_fold_matched_else_sent_as_other_with_it_as_the_name() -> None:
    assert coerce_carrier("ours", UK, {"ours": "royal mail"}) == CarrierChoice("Royal Mail", None, "alias_map")
    assert coerce_carrier("ours", UK, {"ours": " Speedy Co "}) == CarrierChoice("Other", "Speedy Co", "alias_map")
    assert coerce_carrier("ours", UK, {"ours": "Other"}) == CarrierChoice("Other", "ours", "alias_map")
    assert coerce_carrier("ours", UK, {"ours": "x" * 150}) == CarrierChoice("Other", "x" * 100, "alias_map")


def test_an_empty_alias_map_value_leaves_the_name_to_the_other_rules() -> None:
    assert coerce_carrier("UPS Ground", US, {"UPS Ground": " \x00 "}) == CarrierChoice("UPS", None, "builtin")


@pytest.mark.parametrize("name", ["", "   ", "\t\n", "\x00\u200b"])
def test_a_name_without_a_visible_character_is_refused(name: str) -> None:
    with pytest.raises(ValueError, match="carrier name needs at least one visible character"):
        coerce_carrier(name, UK, {})


def test_an_unknown_marketplace_is_refused() -> None:
    with pytest.raises(UnknownMarketplaceError):
        coerce_carrier("UPS", "A0000000000000", {"UPS": "UPS"})


def test_an_unknown_carrier_keeps_its_name_cleaned_and_cut_to_100_characters() -> None:
    choice = coerce_carrier(" Van\x07 " + "e" * 120 + " ", UK, {})

    assert choice == CarrierChoice("Other", "Van " + "e" * 96, "other")


def test_codes_that_fold_alike_resolve_to_one_documented_choice() -> None:
    groups: dict[str, set[str]] = {}
    for code in accepted_codes():
        groups.setdefault(fold(code), set()).add(code)
    chosen = {min(g): coerce_carrier(k.upper() + "!", UK, {}).code for k, g in groups.items() if len(g) > 1}

    assert chosen == {
        "APC Overnight": "APC Overnight",
        "AT POST": "AT Post",
        "COLIS PRIVE": "Colis Prive",
        "Couriers Please": "Couriers Please",
        "CTT EXPRESS": "CTTExpress",
        "FERCAM": "Fercam",
        "FRANCE EXPRESS": "France Express",
        "GEODIS": "GEODIS",
        "Kuehne Nagel": "Kuehne Nagel",
        "MZZ Briefdienst": "MZZ Briefdienst",
        "NACEX": "Nacex",
        "Parcel Hub": "Parcel Hub",
        "Post NL": "Post NL",
        "ROYAL_MAIL": "Royal Mail",
        "SENDLE": "Sendle",
        "Trans-o-Flex": "Trans-o-Flex",
        "UK MAIL": "UKMail",
    }


@pytest.fixture
def alias_data(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """Replaces the alias file's text (codes file unchanged) and clears the loader's cache around the test."""
    files: dict[str, str] = {}
    real = carriers._data
    monkeypatch.setattr(carriers, "_data", lambda name: files.get(name) or real(name))
    builtin_aliases.cache_clear()
    yield files
    builtin_aliases.cache_clear()


@pytest.mark.parametrize(
    ("toml", "problem"),
    [
        ('[ALL]\n"Speedy" = ["x"]', "'Speedy' is not an accepted carrier code"),
        ('[XX]\n"UPS" = ["x"]', "unknown scope"),
        ('[ALL]\n"Hermes UK" = ["Hermes"]', "'Hermes' overrides the code 'Hermes' everywhere"),
        ('[UK]\n"UPS" = ["a b"]\n"DPD" = ["A-B"]', "maps to two codes"),
    ],
)
def test_bad_alias_data_is_refused_when_loaded(alias_data: dict[str, str], toml: str, problem: str) -> None:
    alias_data["carrier_aliases.toml"] = toml

    with pytest.raises(ValueError, match=problem):
        builtin_aliases()


def test_an_override_of_an_exact_code_is_allowed_in_a_country_table(alias_data: dict[str, str]) -> None:
    alias_data["carrier_aliases.toml"] = '[DE]\n"Hermes UK" = ["Hermes"]'

    assert coerce_carrier("Hermes", DE, {}) == CarrierChoice("Hermes UK", None, "builtin")
    assert coerce_carrier("Hermes", UK, {}) == CarrierChoice("Hermes", None, "exact")


def test_a_long_name_is_matched_whole_and_cut_only_as_the_carrier_name() -> None:
    alias_map = {"a" * 100: "DPD"}

    assert coerce_carrier("a" * 100, UK, alias_map).code == "DPD"
    assert coerce_carrier("a" * 101, UK, alias_map) == CarrierChoice("Other", "a" * 100, "other")
