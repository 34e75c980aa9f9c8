"""The Markov-switching figures: flask_regime's fit and its filter, each beside statsmodels (a dev-only
requirement) on the same data in the same run.

- markov_fit_s: 2 regimes, switching variance, on the S&P 500's daily log returns 1999–2018 (5,030,
  tests/flask_regime/data/sp500_1999_2018.csv.gz), best of a few fits.
- markov_filter_1m_ms, markov_filter_1m_k3_ms: the filter alone with given parameters (2 and 3 regimes,
  switching variance, no AR lags) on made-up returns, 1,000,000 bars in the full run.
"""

from __future__ import annotations

import csv
import gzip
import time
import warnings
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

from apps.common.config import REPO_ROOT
from scripts.benchmarks.engine import best_seconds
from scripts.benchmarks.figures import BenchError, Figure, Scale, rounded, say

if TYPE_CHECKING:
    import numpy as np

    from apps.flask_regime.markov.model import MarkovParams

SP500_CSV = REPO_ROOT / "tests" / "flask_regime" / "data" / "sp500_1999_2018.csv.gz"


def sp500_closes() -> tuple[list[date], np.ndarray]:
    """The S&P 500's daily closes, 1999-01-04 to 2018-12-31 (from the arch package's data; see the file)."""
    import numpy as np

    with gzip.open(SP500_CSV, "rt") as handle:
        rows = list(csv.DictReader(line for line in handle if not line.startswith("#")))
    return [date.fromisoformat(row["date"]) for row in rows], np.array([float(row["close"]) for row in rows])


def _quietly(run: Callable[[], Any]) -> Callable[[], Any]:
    def silenced() -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # statsmodels' convergence and frequency warnings
            return run()

    return silenced


def measure_markov_fit(fig: Figure, scale: Scale) -> None:
    import numpy as np
    from statsmodels.tsa.regime_switching.markov_regression import MarkovRegression

    from apps.flask_regime.markov.estimate import markov_fit
    from apps.flask_regime.markov.model import MarkovSpec

    returns = 100 * np.diff(np.log(sp500_closes()[1]))
    spec = MarkovSpec(2, switching_variance=True)
    ours = markov_fit(returns, spec)
    theirs = _quietly(lambda: MarkovRegression(returns, k_regimes=2, switching_variance=True).fit(disp=False))()
    if ours.llf < theirs.llf - 1e-3:
        raise BenchError(f"the fit's maximum {ours.llf:.3f} is below statsmodels' {theirs.llf:.3f}")
    fig.value = best_seconds(lambda: markov_fit(returns, spec), scale.markov_repeat)
    fig.baseline = best_seconds(
        _quietly(lambda: MarkovRegression(returns, k_regimes=2, switching_variance=True).fit(disp=False)),
        scale.markov_repeat,
    )
    fig.notes.update(values=len(returns), llf=rounded(ours.llf), statsmodels_llf=rounded(theirs.llf))
    say(f"  fit: {fig.value:.2f} s (llf {ours.llf:.3f}); statsmodels {fig.baseline:.2f} s (llf {theirs.llf:.3f})")


def filter_params(k: int) -> MarkovParams:
    """Persistent regimes, calm to wild: daily returns in percent."""
    import numpy as np

    from apps.flask_regime.markov.model import MarkovParams

    transition = np.full((k, k), 0.02 / (k - 1)) + np.eye(k) * (0.98 - 0.02 / (k - 1))
    return MarkovParams(
        transition=transition,
        mean=np.linspace(0.07, -0.1, k),
        exog=np.zeros((k, 0)),
        variance=np.geomspace(0.45, 3.3, k),
        ar=np.zeros(0),
    )


def made_up_returns(count: int) -> np.ndarray:
    """Returns whose volatility switches every few hundred bars (the filter's cost does not depend on them)."""
    import numpy as np

    rng = np.random.default_rng(22)
    volatility = np.repeat(rng.choice([0.7, 1.2, 1.8], size=count // 250 + 1), 250)[:count]
    returns: np.ndarray = rng.normal(0.03, 1.0, count) * volatility
    return returns


def measure_markov_filter(fig: Figure, scale: Scale, k: int) -> None:
    import numpy as np
    from statsmodels.tsa.regime_switching.markov_regression import MarkovRegression

    from apps.flask_regime.markov.hamilton import markov_filter

    params = filter_params(k)
    values = made_up_returns(scale.markov_filter_bars)
    ours = markov_filter(values, params)
    model = _quietly(lambda: MarkovRegression(values, k_regimes=k, switching_variance=True))()
    names = model.param_names  # p[i->j] for j < k−1, const[j], sigma2[j]
    assert params.mean is not None
    vector = [
        params.transition[int(name[2]), int(name[5])]
        if name.startswith("p[")
        else (params.mean[int(name[-2])] if name.startswith("const") else params.variance[int(name[-2])])
        for name in names
    ]
    started = time.perf_counter()
    theirs = _quietly(lambda: model.filter(np.array(vector)))()
    statsmodels_s = time.perf_counter() - started
    difference = float(np.max(np.abs(theirs.filtered_marginal_probabilities - ours.filtered)))
    if difference > 1e-8 or abs(theirs.llf - ours.llf) > 1e-6 * abs(ours.llf):
        raise BenchError(f"the filter disagrees with statsmodels' (probabilities by {difference:.2e})")
    fig.value = best_seconds(lambda: markov_filter(values, params), scale.markov_repeat) * 1000
    fig.baseline = statsmodels_s * 1000
    fig.notes.update(bars=len(values), k_regimes=k, max_difference=float(f"{difference:.1e}"))
    say(f"  filter, {k} regimes, {len(values):,} bars: {fig.value:.0f} ms; statsmodels' filter {fig.baseline:,.0f} ms")
