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
    """One instrument's market regime at one moment, as a source (fastapi_market) reported it."""

    class Trend(models.TextChoices):
        BULL = "bull"
        BEAR = "bear"
        SIDEWAYS = "sideways"

    class Volatility(models.TextChoices):
        LOW = "low"
        NORMAL = "normal"
        HIGH = "high"

    DEFAULT_SOURCE = "fastapi_market"

    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="snapshots")
    timeframe = models.CharField(max_length=16, default="1d")
    as_of = models.DateTimeField()
    trend = models.CharField(max_length=8, choices=Trend.choices)
    volatility = models.CharField(max_length=8, choices=Volatility.choices)
    features = models.JSONField(default=dict)
    source = models.CharField(max_length=50, default=DEFAULT_SOURCE)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-as_of"]
        constraints = [
            models.UniqueConstraint(
                fields=["instrument", "timeframe", "as_of", "source"], name="tower_snapshot_one_per_moment"
            ),
        ]
        indexes = [models.Index(fields=["instrument", "-as_of"], name="tower_snapshot_latest")]

    def __str__(self) -> str:
        return f"{self.instrument} {self.timeframe} {self.as_of:%Y-%m-%d %H:%M} {self.trend}/{self.volatility}"
