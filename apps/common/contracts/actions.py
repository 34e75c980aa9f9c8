"""Corporate actions as fastapi_market takes and gives them: splits and cash dividends, per symbol.

A split of ``ratio`` gives ``ratio`` new shares for each old one (2 for a 2-for-1 split, 0.5 for a
1-for-2 reverse split). A dividend pays ``amount`` per share, in the price's currency, to holders
before its ex-date. Both take effect at the start of ``ex_date`` (UTC): bars from then on trade
after the action, bars before it are the ones an adjusted read changes.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, TypeAdapter, field_validator

from apps.common.contracts.market import SYMBOL_PATTERN

MAX_ACTIONS = 1_000  # per request


def _iso_date(value: object) -> object:
    if isinstance(value, str):
        return date.fromisoformat(value)  # a ValueError is the field's 422
    if isinstance(value, date):
        return value
    raise ValueError("must be an ISO 8601 date, e.g. 2005-02-28")


Symbol = Annotated[str, StringConstraints(pattern=SYMBOL_PATTERN), Field(examples=["AAPL"])]
ExDate = Annotated[
    date,
    BeforeValidator(_iso_date),
    Field(examples=["2005-02-28"], description="ISO 8601 date; the action applies from its start, UTC"),
]


class Split(BaseModel):
    """A split: ``ratio`` new shares for each old one (2 for 2-for-1, 0.5 for 1-for-2)."""

    model_config = ConfigDict(extra="forbid")

    symbol: Symbol
    type: Literal["split"]
    ex_date: ExDate
    ratio: float = Field(
        gt=0, allow_inf_nan=False, examples=[2.0], json_schema_extra={"not": {"const": 1}}, description="not 1"
    )

    @field_validator("ratio")
    @classmethod
    def check_ratio(cls, ratio: float) -> float:
        if ratio == 1:
            raise ValueError("a split's ratio is not 1")
        return ratio

    @property
    def value(self) -> float:
        return self.ratio


class Dividend(BaseModel):
    """A cash dividend: ``amount`` per share, in the price's currency, to holders before the ex-date."""

    model_config = ConfigDict(extra="forbid")

    symbol: Symbol
    type: Literal["dividend"]
    ex_date: ExDate
    amount: float = Field(gt=0, allow_inf_nan=False, examples=[0.08])

    @property
    def value(self) -> float:
        return self.amount


CorporateAction = Annotated[Split | Dividend, Field(discriminator="type")]
ActionType = Literal["split", "dividend"]
corporate_action: TypeAdapter[CorporateAction] = TypeAdapter(CorporateAction)


class ActionBatch(BaseModel):
    """``POST /actions``: every action valid, or none stored. In order: a later value of an action
    (symbol, type and ex-date) in the batch replaces an earlier one."""

    model_config = ConfigDict(extra="forbid")

    actions: list[CorporateAction] = Field(min_length=1, max_length=MAX_ACTIONS)


class ActionReport(BaseModel):
    """What ``POST /actions`` did: each action counted once (a repeat within the batch as unchanged)."""

    received: int
    inserted: int
    updated: int
    unchanged: int


class ActionList(BaseModel):
    """``GET /actions/{symbol}``: the symbol's actions, by ex-date."""

    symbol: str
    actions: list[CorporateAction]
