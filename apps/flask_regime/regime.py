"""``POST /regime``: regimes for a series of closes (internal: FastAPI calls it with the token)."""

from __future__ import annotations

from typing import Any

import numpy as np
from flask import Blueprint, Response, jsonify

from apps.common.contracts import RegimeRequest
from apps.flask_regime.bodies import parse_body
from apps.flask_regime.engine import RegimeSeries, regimes_detect

bp = Blueprint("regime", __name__)

_FEATURES = ("sma_fast", "sma_slow", "trend_spread", "annual_volatility")


@bp.post("/regime")
def create_regime() -> Response:
    """Detect trend and volatility regimes for the posted closes."""
    request = parse_body(RegimeRequest)
    series = regimes_detect(np.asarray(request.closes, dtype=float), request.params)
    bars = _bars(request, series)
    return jsonify(
        params=request.params.model_dump(),
        latest=bars[-1],
        bars=bars if request.include_bars else None,
    )


def _bars(request: RegimeRequest, series: RegimeSeries) -> list[dict[str, Any]]:
    """Per-bar documents, built column by column (the maths is already done, vectorised)."""
    start = 0 if request.include_bars else len(request.closes) - 1
    trend, volatility = series.labels_from(start)
    columns = {
        "ts": [ts.isoformat() for ts in request.timestamps[start:]] if request.timestamps else None,
        "close": request.closes[start:],
        "trend": trend,
        "volatility": volatility,
    }
    for name in _FEATURES:
        values = getattr(series, name)[start:]
        columns[name] = np.where(np.isfinite(values), values, np.array(None, dtype=object)).tolist()  # NaN: None
    names = [name for name, column in columns.items() if column is not None]
    # Every column has one value per bar, and every row one per name.
    return [dict(zip(names, row, strict=True)) for row in zip(*(columns[name] for name in names), strict=True)]
