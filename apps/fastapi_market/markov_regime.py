"""Markov-switching volatility regimes of a stored series, from a stored fit and a filter pass.

The model: the series' adjusted log returns switch between 2 (or 3) regimes, each with its own mean
and variance, by a Markov chain (flask_regime's ``POST /regime/markov``, trend "c", switching
variance). A request reads the series' version and its stored fit (apps/fastapi_market/markov_fits.py).
When the fit serves, the bars from the fit's first return on go to ``POST /regime/markov/filter``
with the fitted parameters: a pass over the bars, no fit. When it does not (or a fit is asked for),
the newest bars are fitted, the fit is stored, and the answer comes from it.

The filter always starts at the fit's first return, so a later bar never changes an earlier bar's
filtered probabilities, and the latest bar's regime is a filtered probability, never a smoothed one.
"""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass
from datetime import UTC, datetime

import aiohttp
import numpy as np

from apps.common.contracts import (
    MarkovFilterRequest,
    MarkovFilterResponse,
    MarkovFitRequest,
    MarkovFitResponse,
    MarkovParams,
)
from apps.common.contracts.market_markov import (
    REGIME_NAMES,
    MarkovBarProbabilities,
    MarkovFitRecord,
    MarkovMarketRegime,
    MarkovVolatilityRegime,
)
from apps.common.contracts.regime import Volatility
from apps.common.http_async import send_contract
from apps.common.service_calls import ContractCall
from apps.fastapi_market.columns import CLOSE, from_ms
from apps.fastapi_market.markov_fits import (
    FIT_RETURNS,
    MIN_RETURNS,
    FitKey,
    RegimeFits,
    StoredFit,
    changed_reason,
    new_bars_allowed,
    new_bars_reason,
    returns_digest,
)
from apps.fastapi_market.problems import ProblemError
from apps.fastapi_market.store import SeriesStore, StoreBusy
from apps.fastapi_market.versions import SeriesVersion

PAGE_FROM, PAGE_TO = -(2**62), 2**62
FIT_TIMEOUT_S = 60.0  # a fit of FIT_RETURNS returns takes about a second; a busy machine, many more
ASKED = "asked for (POST /regime/{symbol}/fit)"


@dataclass(frozen=True)
class MarkovQuery:
    """What a request asks: which fit, how volatility is annualised, and which per-bar rows."""

    key: FitKey
    periods_per_year: int
    bars: bool = False
    smoothed: bool = False
    lookback: int | None = None  # per-bar rows: the newest this many (None: every filtered bar)


@dataclass(frozen=True)
class _Plan:
    """A series' version, its stored fit, why it needs a fit (None: it does not), and the bars read:
    ``ts`` the bars (the first is the base of the first return), ``returns`` their log returns."""

    version: SeriesVersion
    fit: StoredFit | None
    reason: str | None
    ts: np.ndarray
    returns: np.ndarray


class MarkovRegimes:
    """Markov-switching regimes of the store's series, fitted by flask_regime at ``regime_url``."""

    def __init__(self, store: SeriesStore, fits: RegimeFits, http: aiohttp.ClientSession, regime_url: str):
        self.store, self.fits, self.http, self.regime_url = store, fits, http, regime_url

    async def regime(self, query: MarkovQuery, *, refit: bool = False) -> MarkovMarketRegime:
        """The latest bar's regime probabilities (and per bar when asked); fitted first when the stored
        fit no longer serves, or when ``refit``."""
        if not refit:
            plan = await self._plan(query.key, refit=False)
            if plan.reason is None:
                return await self._filtered(plan, query)
        async with self.fits.lock(query.key):  # one fit per key at a time in this process
            plan = await self._plan(query.key, refit)
            if plan.reason is None:  # another request fitted it while this one waited
                return await self._filtered(plan, query)
            return await self._fitted(plan, query)

    async def _plan(self, key: FitKey, refit: bool) -> _Plan:
        """The series' version, its fit, and the bars to fit or filter, all of that version."""
        fit: StoredFit | None = None
        if refit:
            version = await self.store.version(key.symbol, key.timeframe)
        else:  # both at once: the database's round trips are most of a request's time
            version, fit = await asyncio.gather(self.store.version(key.symbol, key.timeframe), self.fits.load(key))
        if version is None:
            raise ProblemError(404, f"No {key.timeframe} bars for {key.symbol}.")
        reason = ASKED if refit else "no fit yet" if fit is None else new_bars_reason(fit, version.entry.bars)
        if fit is not None and reason is None:
            limit = fit.returns + 1 + new_bars_allowed(fit.returns)
            ts, returns = await self._returns(key, version, fit.base_ms, limit, newest=False)
            reason = changed_reason(fit, ts, returns)
        if reason is not None:
            ts, returns = await self._returns(key, version, PAGE_FROM, FIT_RETURNS + 1, newest=True)
        return _Plan(version, fit, reason, ts, returns)

    async def _returns(
        self, key: FitKey, version: SeriesVersion, lo_ms: int, limit: int, newest: bool
    ) -> tuple[np.ndarray, np.ndarray]:
        """Up to ``limit`` bars of ``version`` from ``lo_ms`` (the newest ones when ``newest``), and their
        log returns."""
        try:
            bars = await self.store.read(
                key.symbol, key.timeframe, lo_ms, PAGE_TO, limit, newest=newest, adjust=key.adjust, at=version
            )
        except StoreBusy as exc:
            raise ProblemError(503, f"{exc}; try again.") from None
        return bars.ts, np.diff(np.log(bars.values[:, CLOSE]))

    async def _fitted(self, plan: _Plan, query: MarkovQuery) -> MarkovMarketRegime:
        """Fit the plan's returns, store the fit, and answer from it."""
        key, returns, ts = query.key, plan.returns, plan.ts
        if len(returns) < MIN_RETURNS:
            raise ProblemError(
                409,
                f"{key.symbol} has {len(ts)} {key.timeframe} bars; the Markov-switching method needs at least "
                f"{MIN_RETURNS + 1}.",
            )
        if np.ptp(returns) == 0:
            raise ProblemError(409, f"{key.symbol}'s {key.timeframe} closes never move: there is no volatility.")
        request = MarkovFitRequest(values=returns.tolist(), k_regimes=key.k_regimes, switching_variance=True)
        url = f"{self.regime_url}/regime/markov"
        call = ContractCall(
            "flask_regime", "POST", url, MarkovFitResponse, request, read_timeout=FIT_TIMEOUT_S, passed_on={422: 409}
        )
        answer = await send_contract(self.http, call)
        fit = StoredFit(
            key=key,
            params=answer.params,
            llf=answer.llf,
            converged=answer.converged,
            fitted_at=_now_ms(),
            commit=plan.version.commit,
            series_bars=plan.version.entry.bars,
            base_ms=int(ts[0]),
            first_ms=int(ts[1]),
            last_ms=int(ts[-1]),
            returns=len(returns),
            digest=returns_digest(returns),
        )
        await self.fits.save(fit)
        rows = _rows(query, len(returns))
        filtered = np.asarray(answer.filtered)[-rows:]
        smoothed = np.asarray(answer.smoothed)[-rows:] if query.bars and query.smoothed else None
        return _answer(query, plan, fit, filtered, smoothed, reason=plan.reason)

    async def _filtered(self, plan: _Plan, query: MarkovQuery) -> MarkovMarketRegime:
        """The stored fit's filtered probabilities of the plan's returns (flask_regime, no fit)."""
        assert plan.fit is not None
        smoothed = query.bars and query.smoothed
        rows = _rows(query, len(plan.returns))
        values = plan.returns.tolist()
        request = MarkovFilterRequest(values=values, params=plan.fit.params, rows=rows, smoothed=smoothed)
        url = f"{self.regime_url}/regime/markov/filter"
        call = ContractCall("flask_regime", "POST", url, MarkovFilterResponse, body=request, passed_on={422: 409})
        answer = await send_contract(self.http, call)
        hindsight = np.asarray(answer.smoothed) if smoothed else None
        return _answer(query, plan, plan.fit, np.asarray(answer.filtered), hindsight, reason=None)


def _now_ms() -> datetime:
    """Now, to the millisecond: what MongoDB keeps of a time."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def _rows(query: MarkovQuery, returns: int) -> int:
    """Per-bar rows to answer: the latest bar's alone without ``bars``."""
    return min(query.lookback or returns, returns) if query.bars else 1


def _answer(
    query: MarkovQuery,
    plan: _Plan,
    fit: StoredFit,
    filtered: np.ndarray,
    smoothed: np.ndarray | None,
    reason: str | None,
) -> MarkovMarketRegime:
    """The answer from a fit and the newest rows of its filtered (and smoothed) probabilities."""
    key, names = query.key, REGIME_NAMES[query.key.k_regimes]
    latest = filtered[-1]
    return MarkovMarketRegime(
        symbol=key.symbol,
        timeframe=key.timeframe,
        adjust=key.adjust,
        as_of=from_ms(int(plan.ts[-1])),
        k_regimes=key.k_regimes,
        periods_per_year=query.periods_per_year,
        volatility=names[int(np.argmax(latest))],
        probabilities=latest.tolist(),
        high_volatility=float(latest[-1]),
        regimes=_regimes(fit.params, names, query.periods_per_year),
        fit=MarkovFitRecord(
            fitted_at=fit.fitted_at,
            data_version=fit.commit,
            series_bars=fit.series_bars,
            returns=fit.returns,
            first_ts=from_ms(fit.first_ms),
            last_ts=from_ms(fit.last_ms),
            llf=fit.llf,
            converged=fit.converged,
            transition=fit.params.transition,
            refitted=reason is not None,
            reason=reason,
        ),
        bars_filtered=len(plan.returns),
        bars=_bars(plan.ts[-len(filtered) :], filtered, smoothed) if query.bars else None,
    )


def _regimes(params: MarkovParams, names: tuple[Volatility, ...], per_year: int) -> list[MarkovVolatilityRegime]:
    return [
        MarkovVolatilityRegime(
            name=name,
            annual_volatility=math.sqrt(regime.variance * per_year),
            mean_return=regime.mean or 0.0,
            expected_duration_bars=regime.expected_duration,
        )
        for name, regime in zip(names, params.regimes, strict=True)
    ]


def _bars(ts: np.ndarray, filtered: np.ndarray, smoothed: np.ndarray | None) -> list[MarkovBarProbabilities]:
    hindsight = smoothed.tolist() if smoothed is not None else [None] * len(filtered)
    return [
        MarkovBarProbabilities(ts=from_ms(ms), filtered=row, smoothed_hindsight=later)
        for ms, row, later in zip(ts.tolist(), filtered.tolist(), hindsight, strict=True)
    ]
