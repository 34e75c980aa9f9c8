"""The regime maths on hand-made series whose answer is known."""

import numpy as np
import pytest

from apps.common.contracts import RegimeParams
from apps.flask_regime.engine import regimes_detect, rolling_mean, rolling_std

PARAMS = RegimeParams()
rng = np.random.default_rng(20261126)


def walk(daily_returns: np.ndarray, start: float = 100.0) -> np.ndarray:
    return start * np.exp(np.cumsum(daily_returns))


def test_rolling_mean_and_std_match_the_definitions():
    values = rng.normal(5, 2, 200)
    window = 7
    expected_mean = [values[i - window + 1 : i + 1].mean() for i in range(window - 1, 200)]
    expected_std = [values[i - window + 1 : i + 1].std(ddof=1) for i in range(window - 1, 200)]
    assert np.isnan(rolling_mean(values, window)[: window - 1]).all()
    np.testing.assert_allclose(rolling_mean(values, window)[window - 1 :], expected_mean, rtol=1e-12)
    np.testing.assert_allclose(rolling_std(values, window)[window - 1 :], expected_std, rtol=1e-9)


def test_a_steady_rise_is_bull():
    series = regimes_detect(walk(np.full(300, 0.004) + rng.normal(0, 0.002, 300)), PARAMS)
    assert set(series.trend[PARAMS.slow_window :]) == {"bull"}


def test_a_steady_fall_is_bear():
    series = regimes_detect(walk(np.full(300, -0.004) + rng.normal(0, 0.002, 300)), PARAMS)
    assert set(series.trend[PARAMS.slow_window :]) == {"bear"}


def test_a_flat_noisy_series_is_sideways():
    closes = 100 + rng.normal(0, 0.3, 400)  # noise around a level, no drift
    series = regimes_detect(closes, PARAMS)
    assert set(series.trend[PARAMS.slow_window :]) == {"sideways"}


def test_calm_then_wild_moves_from_low_to_high_volatility():
    returns = np.concatenate([rng.normal(0, 0.002, 150), rng.normal(0, 0.04, 150)])
    series = regimes_detect(walk(returns), PARAMS)
    assert set(series.volatility[30:150]) == {"low"}
    assert set(series.volatility[180:]) == {"high"}
    assert series.annual_volatility[-1] == pytest.approx(0.04 * np.sqrt(252), rel=0.25)


def test_regimes_are_none_until_the_windows_fill():
    series = regimes_detect(walk(rng.normal(0, 0.01, 60)), PARAMS)
    assert (series.trend[: PARAMS.slow_window - 1] == None).all()  # noqa: E711 (object array)
    assert series.trend[PARAMS.slow_window - 1] is not None
    assert (series.volatility[: PARAMS.vol_window] == None).all()  # noqa: E711
    assert series.volatility[PARAMS.vol_window] is not None


def test_same_input_same_output():
    closes = walk(rng.normal(0, 0.01, 500))
    first, second = regimes_detect(closes, PARAMS), regimes_detect(closes.copy(), PARAMS)
    assert first.trend.tolist() == second.trend.tolist()
    np.testing.assert_array_equal(first.annual_volatility, second.annual_volatility)


def test_no_look_ahead_a_bar_ignores_later_bars():
    closes = walk(rng.normal(0, 0.01, 300))
    whole, prefix = regimes_detect(closes, PARAMS), regimes_detect(closes[:200], PARAMS)
    assert whole.trend[:200].tolist() == prefix.trend.tolist()
    np.testing.assert_allclose(whole.sma_slow[:200], prefix.sma_slow, rtol=1e-12)
