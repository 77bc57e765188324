"""Whatever the warehouse writes, what we send is a code Amazon accepts, or Other with a name it takes."""

import unicodedata

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from shared.shipments.carriers import MAX_NAME_LENGTH, OTHER, CarrierChoice, accepted_codes, coerce_carrier
from shared.spapi.marketplaces import MARKETPLACES

CODES = sorted(accepted_codes())
marketplaces = st.sampled_from([m.id for m in MARKETPLACES])
# Names near the list (codes, their case and punctuation variants) as well as any text at all.
near_codes = st.sampled_from(CODES).flatmap(
    lambda code: st.sampled_from([code, code.upper(), code.lower(), f" {code}-", code.replace(" ", "")])
)
names = st.one_of(st.text(min_size=1, max_size=300), near_codes)
alias_maps = st.dictionaries(names, st.one_of(names, st.sampled_from(CODES)), max_size=5)


def visible(text: str) -> bool:
    """Whether the text has a character that is neither whitespace nor a control, format or unassigned one."""
    return any(not c.isspace() and unicodedata.category(c)[0] != "C" for c in text)


def assert_sendable(choice: CarrierChoice) -> None:
    assert choice.code in accepted_codes()
    if choice.code == OTHER:
        assert choice.name is not None
        assert 0 < len(choice.name) <= MAX_NAME_LENGTH
        assert choice.name == choice.name.strip()
        assert all(c.isprintable() for c in choice.name)
    else:
        assert choice.name is None


@given(name=names, marketplace_id=marketplaces, alias_map=alias_maps)
@example(name="x" * 250, marketplace_id="A1F83G8C2ARO7P", alias_map={})
@example(name="Speedy", marketplace_id="A1F83G8C2ARO7P", alias_map={"speedy": "y" * 250})
@example(name="Other", marketplace_id="ATVPDKIKX0DER", alias_map={"Other": "\u200b\x00"})
def test_the_code_is_accepted_or_other_with_a_printable_name_of_at_most_100_characters(
    name: str, marketplace_id: str, alias_map: dict[str, str]
) -> None:
    if not visible(name):
        with pytest.raises(ValueError, match="visible character"):
            coerce_carrier(name, marketplace_id, alias_map)
        return
    assert_sendable(coerce_carrier(name, marketplace_id, alias_map))


@given(code=st.sampled_from(CODES), marketplace_id=marketplaces)
def test_an_accepted_code_sent_as_it_is_stays_an_accepted_code(code: str, marketplace_id: str) -> None:
    choice = coerce_carrier(code, marketplace_id, {})

    assert_sendable(choice)
    assert choice.rule in {"exact", "builtin"}
    if choice.rule == "exact":
        assert choice.code == code
