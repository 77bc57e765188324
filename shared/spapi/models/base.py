"""The base of every SP-API model: camelCase aliases, unknown fields ignored, immutable."""

from decimal import Decimal

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


class SpApiModel(BaseModel):
    """Amazon's camelCase JSON on the wire, snake_case attributes in Python; fields we do not use are dropped."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore", frozen=True)

    def to_body(self) -> dict[str, object]:
        """The JSON body Amazon expects: aliases, no unset optional fields."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


class Money(SpApiModel):
    """An amount in a currency; Amazon sends the amount as a decimal string."""

    amount: Decimal
    currency_code: str


class Error(SpApiModel):
    """One entry of Amazon's `errors` list."""

    code: str
    message: str = ""
    details: str | None = None


class ErrorList(SpApiModel):
    """Amazon's error body `{"errors": [...]}`."""

    errors: list[Error] = []
