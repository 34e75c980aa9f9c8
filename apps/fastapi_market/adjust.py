"""Prices adjusted for splits and cash dividends, backwards, as data vendors adjust them (CRSP's
cumulative factors, Yahoo's "Adj Close"): the newest bars stay as traded, older ones are scaled.

Each action taking effect at the start of ex-date E scales every bar before E:

- a split of ``ratio`` r: prices × 1/r, volume × r;
- a dividend of ``amount`` D: prices × (1 − D / C), C the close of the last bar before E (raw, in
  the same shares as D); volume unchanged. A dividend with no bar before it, or not below that
  close, scales nothing.

A bar's factor is the product of the factors of every action after it. Raw bars are never changed:
the factors are applied as they are read.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

import numpy as np

from apps.common.contracts.actions import CorporateAction
from apps.common.contracts.market import Adjust
from apps.fastapi_market.columns import CLOSE, Columns, to_ms
from apps.fastapi_market.versions import Index

VOLUME = 4


def ex_ms(action: CorporateAction) -> int:
    """When the action takes effect: the start of its ex-date, UTC, in epoch ms."""
    return to_ms(datetime.combine(action.ex_date, datetime.min.time(), UTC))


@dataclass(frozen=True)
class Factors:
    """Each bar's multipliers come from the actions after it: ``after[k]`` is the product of the
    factors of actions ``k`` onward (by ex-date), so a bar before ``ex[k]`` and not before ``ex[k-1]``
    takes ``after[k]``."""

    ex: np.ndarray  # ex-dates, epoch ms, ascending
    price: np.ndarray  # len(ex) + 1: splits and dividends
    split_price: np.ndarray  # len(ex) + 1: splits only
    volume: np.ndarray  # len(ex) + 1

    @classmethod
    def of(cls, actions: list[CorporateAction], closes_before: dict[date, float]) -> Factors:
        """The factors of ``actions``; ``closes_before``: each dividend's raw close before its ex-date."""
        ordered = sorted(actions, key=lambda a: (a.ex_date, a.type))
        split = np.array([1 / a.value if a.type == "split" else 1.0 for a in ordered])
        dividend = np.array([_dividend_factor(a, closes_before.get(a.ex_date)) for a in ordered])
        volume = np.array([a.value if a.type == "split" else 1.0 for a in ordered])

        def after(factors: np.ndarray) -> np.ndarray:
            return np.append(np.cumprod(factors[::-1])[::-1], 1.0)

        ex = np.array([ex_ms(a) for a in ordered], dtype=np.int64)
        return cls(ex, after(split * dividend), after(split), after(volume))

    def apply(self, columns: Columns, adjust: Adjust) -> Columns:
        """``columns`` (raw) adjusted as asked."""
        if adjust == "none" or not len(self.ex) or not len(columns):
            return columns
        slot = np.searchsorted(self.ex, columns.ts, side="right")
        values = columns.values.copy()
        values[:, :VOLUME] *= (self.price if adjust == "all" else self.split_price)[slot, None]
        values[:, VOLUME] *= self.volume[slot]
        return Columns(columns.ts, values)


def _dividend_factor(action: CorporateAction, close_before: float | None) -> float:
    if action.type != "dividend" or close_before is None or action.value >= close_before:
        return 1.0
    return 1.0 - action.value / close_before


async def dividend_closes(
    actions: list[CorporateAction], index: Index, chunks: Callable[[list[str]], Awaitable[list[Columns]]]
) -> dict[date, float]:
    """The raw close of the last bar before each dividend's ex-date, of the series version ``index``
    (``chunks`` reads chunks by key): one chunk read per chunk holding such a bar."""
    wanted = {a.ex_date: ex_ms(a) for a in actions if a.type == "dividend"}
    holding = {day: int(np.searchsorted(index.first, ms, side="left")) - 1 for day, ms in wanted.items()}
    keys = sorted({index.chunks[at] for at in holding.values() if at >= 0})
    found = dict(zip(keys, await chunks(keys), strict=True))
    closes = {}
    for day, at in holding.items():
        if at >= 0:
            chunk = found[index.chunks[at]]
            closes[day] = float(chunk.values[int(np.searchsorted(chunk.ts, wanted[day], side="left")) - 1, CLOSE])
    return closes
