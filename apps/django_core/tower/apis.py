"""The Control Tower's REST API: thin views over the selectors and service functions.

Who may call each of them is the access table's (apps/common/access.py). Bad query parameters and
bodies are 400 problems listing each invalid field.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.django_core.tower.health_cache import cache_path, cached
from apps.django_core.tower.models import SYMBOL_PATTERN, Instrument, RegimeSnapshot, symbol_validator
from apps.django_core.tower.pagination import page_schema, paginated_response
from apps.django_core.tower.selectors import InstrumentFilters, SnapshotFilters, instrument_list, snapshot_list
from apps.django_core.tower.services import instrument_create, instrument_delete, instrument_update
from apps.django_core.tower.stack_health import stack_health_report

if TYPE_CHECKING:  # generic in the DRF stubs only: at run time Serializer takes no parameters
    Serializer = serializers.Serializer[Any]
else:
    Serializer = serializers.Serializer


def validated_query(serializer_class: type[Serializer], request: Request) -> dict[str, Any]:
    """The request's query parameters, validated; a 400 problem when any is invalid."""
    serializer = serializer_class(data=request.query_params.dict())
    serializer.is_valid(raise_exception=True)
    data: dict[str, Any] = serializer.validated_data
    return data


NO_NUL = "[^\\x00]*"  # DRF refuses a NUL character in any text field
# One character that is neither a control character nor a space of any kind, spelt out: ``\w`` and
# ``\s`` mean more in Python than in the schema's ECMA-262 regexes (schemathesis found a name of "º").
VISIBLE = "[^\\x00-\\x20\\x7f-\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]"


class JsonTextField(serializers.RegexField):
    """A JSON string that ``regex`` matches whole, taken as sent, as the schema says. DRF's own field also
    takes 0 or true as text, trims spaces before it checks the length and the pattern, and lets a final
    newline pass ``$``."""

    def __init__(self, regex: str, **options: Any) -> None:
        super().__init__(regex, trim_whitespace=False, **options)
        self.whole = re.compile(regex)

    def to_internal_value(self, data: object) -> str:
        if not isinstance(data, str) or self.whole.fullmatch(data) is None:
            self.fail("invalid")
        return super().to_internal_value(data)


def text_field(**options: Any) -> serializers.RegexField:
    """A query parameter's text, whose schema says what DRF accepts: text without a NUL character, taken as sent
    (untrimmed, so the schema's blank and non-blank cases are the ones DRF sees)."""
    return serializers.RegexField(
        r"^[^\x00]+$", error_messages={"invalid": "Null characters are not allowed."}, trim_whitespace=False, **options
    )


class JsonBooleanField(serializers.BooleanField):
    """JSON ``true`` or ``false`` only, as the schema says (DRF's own also takes 0, 1, "yes", "off", ...)."""

    def to_internal_value(self, data: object) -> bool:
        if isinstance(data, bool):
            return data
        self.fail("invalid", input=data)


class InstrumentOutputSerializer(Serializer):
    symbol = serializers.CharField()
    name = serializers.CharField()
    asset_class = serializers.CharField()
    active = serializers.BooleanField()
    created = serializers.DateTimeField()
    updated = serializers.DateTimeField()


class InstrumentFieldsSerializer(Serializer):
    # At least one visible character (never blank), no NUL (DRF refuses it).
    name = JsonTextField(
        rf"^{NO_NUL}{VISIBLE}{NO_NUL}$",
        max_length=200,
        error_messages={"invalid": "A name is text with a visible character and no NUL character."},
    )
    asset_class = serializers.ChoiceField(choices=Instrument.AssetClass.choices)
    active = JsonBooleanField(default=True)


class InstrumentInputSerializer(InstrumentFieldsSerializer):
    symbol = JsonTextField(SYMBOL_PATTERN, max_length=20, error_messages={"invalid": symbol_validator.message})


SYMBOL_FIXED = "An instrument's symbol cannot change once it is created (its bars are stored under it): create another."


class InstrumentUpdateSerializer(InstrumentFieldsSerializer):
    """PUT and PATCH: the fields an instrument can change. Its symbol is read-only: sent, it must be the
    instrument's own (a 400 otherwise)."""

    symbol = serializers.CharField(read_only=True, help_text=SYMBOL_FIXED)


# PUT and PATCH take an instrument's fields and answer the instrument.
UPDATE_SCHEMA: dict[str, Any] = {"request": InstrumentUpdateSerializer, "responses": InstrumentOutputSerializer}


class InstrumentListApi(APIView):
    """``GET /api/instruments/`` (``active``, ``asset_class``, ``search``); ``POST`` creates one."""

    problem_statuses = {"*": (503,), "POST": (409,)}  # MySQL down; a symbol already taken

    class FilterSerializer(Serializer):
        active = serializers.BooleanField(required=False)
        asset_class = serializers.ChoiceField(choices=Instrument.AssetClass.choices, required=False)
        search = text_field(max_length=100, required=False, allow_blank=True)

    @page_schema("instruments_list", "A page of instruments, by symbol", FilterSerializer, InstrumentOutputSerializer)
    def get(self, request: Request) -> Response:
        filters = cast(InstrumentFilters, validated_query(self.FilterSerializer, request))
        return paginated_response(self, request, instrument_list(filters=filters), InstrumentOutputSerializer)

    @extend_schema(
        summary="Create an instrument (internal token)",
        request=InstrumentInputSerializer,
        responses={201: InstrumentOutputSerializer},
    )
    def post(self, request: Request) -> Response:
        serializer = InstrumentInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        instrument = instrument_create(**serializer.validated_data)
        return Response(InstrumentOutputSerializer(instrument).data, status=status.HTTP_201_CREATED)


class InstrumentDetailApi(APIView):
    """``/api/instruments/<symbol>/``: ``GET``; ``PUT`` (every field) and ``PATCH`` (some); ``DELETE``."""

    problem_statuses = {"*": (503,), "PUT": (409,), "PATCH": (409,)}  # MySQL down; a new symbol already taken

    @extend_schema(summary="One instrument", responses=InstrumentOutputSerializer)
    def get(self, request: Request, symbol: str) -> Response:
        return Response(InstrumentOutputSerializer(get_object_or_404(Instrument, symbol=symbol)).data)

    @extend_schema(summary="Replace an instrument's fields (internal token)", **UPDATE_SCHEMA)
    def put(self, request: Request, symbol: str) -> Response:
        return self._update(request, symbol, partial=False)

    @extend_schema(summary="Change some of an instrument's fields (internal token)", **UPDATE_SCHEMA)
    def patch(self, request: Request, symbol: str) -> Response:
        return self._update(request, symbol, partial=True)

    @extend_schema(summary="Delete an instrument and its snapshots (internal token)", responses={204: None})
    def delete(self, request: Request, symbol: str) -> Response:
        instrument_delete(instrument=get_object_or_404(Instrument, symbol=symbol))
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _update(self, request: Request, symbol: str, *, partial: bool) -> Response:
        instrument = get_object_or_404(Instrument, symbol=symbol)
        serializer = InstrumentUpdateSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        sent = request.data.get("symbol", instrument.symbol) if isinstance(request.data, dict) else instrument.symbol
        if sent != instrument.symbol:
            raise serializers.ValidationError({"symbol": [SYMBOL_FIXED]})
        instrument = instrument_update(instrument=instrument, data=serializer.validated_data)
        return Response(InstrumentOutputSerializer(instrument).data)


class BlankAsNullField(serializers.CharField):
    """A text the model keeps blank when there is none, answered as null."""

    def to_representation(self, value: str) -> str:
        # The stubs say a field answers text; the schema says null (allow_null), which is what goes out.
        return super().to_representation(value) if value else None  # type: ignore[return-value]


class SnapshotOutputSerializer(Serializer):
    id = serializers.IntegerField()
    symbol = serializers.CharField(source="instrument.symbol")
    timeframe = serializers.CharField()
    as_of = serializers.DateTimeField()
    method = serializers.ChoiceField(
        choices=RegimeSnapshot.Method.choices,
        help_text="rules: trend and volatility by moving averages and volatility bands; markov: volatility "
        "regimes as probabilities from a Markov-switching model",
    )
    trend = BlankAsNullField(allow_null=True, help_text="bull, bear or sideways; null for markov (no trend)")
    volatility = serializers.CharField(help_text="low, normal or high; for markov, the most probable regime")
    probabilities = serializers.DictField(
        child=serializers.FloatField(),
        help_text="markov: P(regime at as_of | bars up to as_of) by regime name (filtered: no later bar); rules: empty",
    )
    features = serializers.DictField(
        child=serializers.FloatField(),
        help_text="the numbers behind the regime; markov: high_volatility (its probability), "
        "annual_volatility_<regime>, expected_duration_bars_<regime>",
    )
    # DRF's metaclass moves declared fields off the class, so this never shadows Field.source as the stubs fear.
    source = serializers.CharField()  # type: ignore[assignment]
    created = serializers.DateTimeField()


class SnapshotListApi(APIView):
    """``GET /api/snapshots/``: filter by ``symbol``, ``timeframe``, ``method``, ``trend``, ``volatility``,
    ``as_of_after`` / ``as_of_before`` (inclusive); ``ordering`` is ``-as_of`` (default) or ``as_of``."""

    class FilterSerializer(Serializer):
        symbol = serializers.CharField(max_length=20, validators=[symbol_validator], required=False)
        timeframe = text_field(max_length=16, required=False)
        method = serializers.ChoiceField(choices=RegimeSnapshot.Method.choices, required=False)
        trend = serializers.ChoiceField(choices=RegimeSnapshot.Trend.choices, required=False)
        volatility = serializers.ChoiceField(choices=RegimeSnapshot.Volatility.choices, required=False)
        as_of_after = serializers.DateTimeField(
            required=False, help_text="from this time, inclusive (ISO 8601); not after `as_of_before` (400)"
        )
        as_of_before = serializers.DateTimeField(
            required=False, help_text="up to this time, inclusive (ISO 8601); not before `as_of_after` (400)"
        )
        ordering = serializers.ChoiceField(choices=["as_of", "-as_of"], required=False)

        def validate(self, data: dict[str, Any]) -> dict[str, Any]:
            after, before = data.get("as_of_after"), data.get("as_of_before")
            if after and before and after > before:
                raise serializers.ValidationError({"as_of_before": "Must not be earlier than as_of_after."})
            return data

    problem_statuses = {"*": (503,)}  # MySQL down

    @page_schema(
        "snapshots_list", "A page of regime snapshots, newest first", FilterSerializer, SnapshotOutputSerializer
    )
    def get(self, request: Request) -> Response:
        filters = cast(SnapshotFilters, validated_query(self.FilterSerializer, request))
        return paginated_response(self, request, snapshot_list(filters=filters), SnapshotOutputSerializer)


class SnapshotDetailApi(APIView):
    """``GET /api/snapshots/<id>/``."""

    problem_statuses = {"*": (503,)}  # MySQL down

    @extend_schema(summary="One regime snapshot", responses=SnapshotOutputSerializer)
    def get(self, request: Request, snapshot_id: int) -> Response:
        snapshot = get_object_or_404(RegimeSnapshot.objects.select_related("instrument"), pk=snapshot_id)
        return Response(SnapshotOutputSerializer(snapshot).data)


class ServicesApi(APIView):
    """``GET /api/services/``: every service's health, checked at once; 200 even when some are down."""

    @extend_schema(
        summary="Every service's health, checked at once",
        responses=inline_serializer(
            "StackHealth",
            {
                "status": serializers.ChoiceField(choices=["ok", "degraded"]),
                "services": serializers.DictField(
                    child=inline_serializer(
                        "ServiceHealth",
                        {
                            "status": serializers.CharField(),
                            "latency_ms": serializers.FloatField(allow_null=True),
                            "url": serializers.CharField(),
                            "error": serializers.CharField(required=False),
                        },
                    )
                ),
            },
        ),
    )
    def get(self, request: Request) -> Response:
        return Response(cached(cache_path(settings.CONFIG.port), stack_health_report))
