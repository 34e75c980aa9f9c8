"""The Control Tower's data: the instruments it follows and the regimes recorded for them."""

from django.core.validators import RegexValidator
from django.db import models

# Letters and digits first, then letters, digits, '.' and '-' (BRK.B, BTC-USD): safe in a URL path.
SYMBOL_PATTERN = r"^[A-Z0-9][A-Z0-9.-]{0,19}$"
symbol_validator = RegexValidator(
    SYMBOL_PATTERN,
    "A symbol is 1-20 uppercase letters, digits, '.' or '-', starting with a letter or digit (e.g. BRK.B).",
)


class Instrument(models.Model):
    """A tradable symbol the platform follows; ``refresh_regimes`` refreshes the active ones."""

    class AssetClass(models.TextChoices):
        EQUITY = "equity"
        ETF = "etf", "ETF"
        FX = "fx", "FX"
        CRYPTO = "crypto"
        COMMODITY = "commodity"
        INDEX = "index"
        OTHER = "other"

    symbol = models.CharField(max_length=20, unique=True, validators=[symbol_validator])
    name = models.CharField(max_length=200)
    asset_class = models.CharField(max_length=16, choices=AssetClass.choices)
    active = models.BooleanField(default=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["symbol"]

    def __str__(self) -> str:
        return self.symbol


class RegimeSnapshot(models.Model):
    """One instrument's market regime at one moment, as a source (fastapi_market) reported it, by one method.

    ``rules`` gives a trend and a volatility regime; ``markov`` a volatility regime only (``trend`` is
    blank), with ``probabilities``: P(regime | bars up to ``as_of``) by regime name, filtered, never
    smoothed. A rules and a markov snapshot of the same moment are two snapshots.
    """

    class Trend(models.TextChoices):
        BULL = "bull"
        BEAR = "bear"
        SIDEWAYS = "sideways"

    class Volatility(models.TextChoices):
        LOW = "low"
        NORMAL = "normal"
        HIGH = "high"

    class Method(models.TextChoices):
        RULES = "rules"
        MARKOV = "markov"

    DEFAULT_SOURCE = "fastapi_market"

    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="snapshots")
    timeframe = models.CharField(max_length=16, default="1d")
    as_of = models.DateTimeField()
    method = models.CharField(max_length=8, choices=Method.choices, default=Method.RULES)
    # Blank for a method that gives no trend (markov).
    trend = models.CharField(max_length=8, choices=Trend.choices, blank=True)
    volatility = models.CharField(max_length=8, choices=Volatility.choices)
    features = models.JSONField(default=dict)
    # markov: {"low": P, "high": P} (or low, normal, high), summing to 1; rules: empty.
    probabilities = models.JSONField(default=dict, blank=True)
    source = models.CharField(max_length=50, default=DEFAULT_SOURCE)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-as_of"]
        constraints = [
            models.UniqueConstraint(
                fields=["instrument", "timeframe", "as_of", "source", "method"], name="tower_snapshot_one_per_method"
            ),
        ]
        indexes = [models.Index(fields=["instrument", "-as_of"], name="tower_snapshot_latest")]

    def __str__(self) -> str:
        regime = f"{self.trend}/{self.volatility}" if self.trend else f"{self.volatility} ({self.method})"
        return f"{self.instrument} {self.timeframe} {self.as_of:%Y-%m-%d %H:%M} {regime}"
