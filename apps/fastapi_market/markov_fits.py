"""Markov-switching fits kept with the data they were fitted on, and the rule that says when one no
longer serves.

A fit is one document of ``regime_fits`` per series, adjustment and number of regimes (``_id``
``AAPL:1d:all:k2``): the parameters, the store's version the bars were read at, the bars its returns
span and a digest of those returns. A fit is derived data: a newer one replaces it whole, and two
processes that fit at once store two fits of the same data, either of which serves (decision 0007).

A stored fit serves until one of these holds (``new_bars_reason``, ``changed_reason``):

- enough new bars: at least ``REFIT_NEW_BARS``, or ``REFIT_NEW_FRACTION`` of the fitted returns,
  whichever is fewer;
- the bars it was fitted on changed: their returns no longer have the stored digest (a corrected
  bar, a new split or dividend, bars inserted among them).
"""

from __future__ import annotations

import asyncio
import hashlib
import math
from contextlib import suppress
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

import numpy as np
from pymongo.errors import DuplicateKeyError

from apps.common.contracts import MarkovParams
from apps.common.contracts.market import Adjust
from apps.fastapi_market.documents import Document, MarketDatabase

FITS = "regime_fits"
FIT_RETURNS = 10_000  # the newest log returns a fit uses: 40 years of daily bars, about 1 s to fit
MIN_RETURNS = 250  # fewer, and two regimes' variances and transitions are not worth estimating
REFIT_NEW_BARS = 250
REFIT_NEW_FRACTION = 0.05


@dataclass(frozen=True)
class FitKey:
    """Which fit: the series, the adjustment of its closes and the number of regimes."""

    symbol: str
    timeframe: str
    adjust: Adjust
    k_regimes: int

    @property
    def id(self) -> str:
        return f"{self.symbol}:{self.timeframe}:{self.adjust}:k{self.k_regimes}"


@dataclass(frozen=True)
class StoredFit:
    """A fit and the data it was made on: ``returns`` log returns, from the close of the bar at
    ``base_ms`` to the bar at ``last_ms``, read at the store's commit ``commit`` when the series held
    ``series_bars`` bars."""

    key: FitKey
    params: MarkovParams
    llf: float
    converged: bool
    fitted_at: datetime
    commit: int
    series_bars: int
    base_ms: int
    first_ms: int
    last_ms: int
    returns: int
    digest: str

    def document(self) -> Document:
        fields = asdict(self)
        # The parameters as JSON text: FerretDB 1.x stores no array of arrays (the transition matrix).
        fields["key"], fields["params"] = asdict(self.key), self.params.model_dump_json()
        return {"_id": self.key.id, **fields}

    @classmethod
    def of(cls, document: Document) -> StoredFit:
        fields: dict[str, Any] = {name: value for name, value in document.items() if name != "_id"}
        return cls(
            **{**fields, "key": FitKey(**fields["key"]), "params": MarkovParams.model_validate_json(fields["params"])}
        )


def returns_digest(returns: np.ndarray) -> str:
    """A digest of log returns, bit for bit."""
    return hashlib.sha256(np.ascontiguousarray(returns, dtype="<f8").tobytes()).hexdigest()


def new_bars_allowed(fitted_returns: int) -> int:
    """New bars a fit of ``fitted_returns`` returns serves before the next fit."""
    return min(REFIT_NEW_BARS, max(1, math.ceil(REFIT_NEW_FRACTION * fitted_returns)))


def new_bars_reason(fit: StoredFit, series_bars: int) -> str | None:
    """Why ``fit`` no longer serves a series now holding ``series_bars`` bars; None when the count allows it."""
    new, allowed = series_bars - fit.series_bars, new_bars_allowed(fit.returns)
    return f"{new} new bars since the fit (a fit of {fit.returns} returns serves {allowed})" if new >= allowed else None


def changed_reason(fit: StoredFit, ts: np.ndarray, returns: np.ndarray) -> str | None:
    """Why ``fit`` no longer serves bars ``ts`` (from its base bar on) with log returns ``returns``;
    None when their first returns are the ones it was fitted on, bit for bit."""
    fitted = fit.returns
    if len(ts) <= fitted or int(ts[0]) != fit.base_ms or int(ts[fitted]) != fit.last_ms:
        return "bars were inserted among the ones it was fitted on"
    if returns_digest(returns[:fitted]) != fit.digest:
        return "the bars it was fitted on changed (a corrected bar, a split or a dividend)"
    return None


class RegimeFits:
    """The stored fits of one market database, as one process reads and replaces them."""

    def __init__(self, database: MarketDatabase):
        self._fits = database[FITS]
        self._locks: dict[str, asyncio.Lock] = {}

    def lock(self, key: FitKey) -> asyncio.Lock:
        """This process's lock on fitting ``key``: concurrent requests that find it stale fit it once."""
        return self._locks.setdefault(key.id, asyncio.Lock())

    async def load(self, key: FitKey) -> StoredFit | None:
        document = await self._fits.find_one({"_id": key.id})
        return None if document is None else StoredFit.of(document)

    async def save(self, fit: StoredFit) -> None:
        """Store ``fit`` in place of the key's earlier one."""
        # DuplicateKeyError: another process inserted the key's first fit just now, which serves as well.
        with suppress(DuplicateKeyError):
            await self._fits.replace_one({"_id": fit.key.id}, fit.document(), upsert=True)
