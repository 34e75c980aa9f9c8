"""Payloads that cross service boundaries, defined once: providers build them, consumers parse them."""

from apps.common.contracts.health import CheckReport, HealthReport
from apps.common.contracts.market import Bar, BarPage, IngestReport, RejectedBar
from apps.common.contracts.markov import (
    MarkovFilterRequest,
    MarkovFilterResponse,
    MarkovFitRequest,
    MarkovFitResponse,
    MarkovParams,
    MarkovRegime,
)
from apps.common.contracts.operations import LogLevelChange, LogLevelState
from apps.common.contracts.problem import FieldError, Problem, ValidationProblem
from apps.common.contracts.regime import (
    CheckRegimeResponse,
    MarketRegime,
    RegimeBar,
    RegimeParams,
    RegimeRequest,
    RegimeResponse,
)
from apps.common.contracts.series import SeriesList, SeriesSummary

__all__ = [
    "Bar",
    "BarPage",
    "IngestReport",
    "RejectedBar",
    "CheckRegimeResponse",
    "CheckReport",
    "HealthReport",
    "LogLevelChange",
    "LogLevelState",
    "MarketRegime",
    "MarkovFilterRequest",
    "MarkovFilterResponse",
    "MarkovFitRequest",
    "MarkovFitResponse",
    "MarkovParams",
    "MarkovRegime",
    "FieldError",
    "Problem",
    "RegimeBar",
    "RegimeParams",
    "RegimeRequest",
    "RegimeResponse",
    "SeriesList",
    "SeriesSummary",
    "ValidationProblem",
]
