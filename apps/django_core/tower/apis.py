"""The Control Tower's REST API: thin views over the selectors and service functions.

Reads are public; writes need the internal token (InternalTokenForWrites). Bad query
parameters and bodies are 400 problems listing each invalid field.
"""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.django_core.tower.models import Instrument, RegimeSnapshot, symbol_validator
from apps.django_core.tower.pagination import paginated_response
from apps.django_core.tower.permissions import InternalTokenForWrites
from apps.django_core.tower.selectors import instrument_list, snapshot_list
from apps.django_core.tower.services import instrument_create, instrument_delete, instrument_update
from apps.django_core.tower.stack_health import stack_health_report


def validated_query(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    """The request's query parameters, validated; a 400 problem when any is invalid."""
    serializer = serializer_class(data=request.query_params.dict())
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class InstrumentOutputSerializer(serializers.Serializer):
    symbol = serializers.CharField()
    name = serializers.CharField()
    asset_class = serializers.CharField()
    active = serializers.BooleanField()
    created = serializers.DateTimeField()
    updated = serializers.DateTimeField()


class InstrumentInputSerializer(serializers.Serializer):
    symbol = serializers.CharField(max_length=20, validators=[symbol_validator])
    name = serializers.CharField(max_length=200)
    asset_class = serializers.ChoiceField(choices=Instrument.AssetClass.choices)
    active = serializers.BooleanField(default=True)


class InstrumentListApi(APIView):
    """``GET /api/instruments/`` (``active``, ``asset_class``, ``search``); ``POST`` creates one."""

    permission_classes = [InternalTokenForWrites]

    class FilterSerializer(serializers.Serializer):
        active = serializers.BooleanField(required=False)
        asset_class = serializers.ChoiceField(choices=Instrument.AssetClass.choices, required=False)
        search = serializers.CharField(max_length=100, required=False, allow_blank=True)

    def get(self, request: Request) -> Response:
        filters = validated_query(self.FilterSerializer, request)
        return paginated_response(
            queryset=instrument_list(filters=filters), serializer_class=InstrumentOutputSerializer,
            request=request, view=self,
        )

    def post(self, request: Request) -> Response:
        serializer = InstrumentInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        instrument = instrument_create(**serializer.validated_data)
        return Response(InstrumentOutputSerializer(instrument).data, status=status.HTTP_201_CREATED)


class InstrumentDetailApi(APIView):
    """``/api/instruments/<symbol>/``: ``GET``; ``PUT`` (every field) and ``PATCH`` (some); ``DELETE``."""

    permission_classes = [InternalTokenForWrites]

    def get(self, request: Request, symbol: str) -> Response:
        return Response(InstrumentOutputSerializer(get_object_or_404(Instrument, symbol=symbol)).data)

    def put(self, request: Request, symbol: str) -> Response:
        return self._update(request, symbol, partial=False)

    def patch(self, request: Request, symbol: str) -> Response:
        return self._update(request, symbol, partial=True)

    def delete(self, request: Request, symbol: str) -> Response:
        instrument_delete(instrument=get_object_or_404(Instrument, symbol=symbol))
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _update(self, request: Request, symbol: str, *, partial: bool) -> Response:
        instrument = get_object_or_404(Instrument, symbol=symbol)
        serializer = InstrumentInputSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        instrument = instrument_update(instrument=instrument, data=serializer.validated_data)
        return Response(InstrumentOutputSerializer(instrument).data)


class SnapshotOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    symbol = serializers.CharField(source="instrument.symbol")
    timeframe = serializers.CharField()
    as_of = serializers.DateTimeField()
    trend = serializers.CharField()
    volatility = serializers.CharField()
    features = serializers.DictField(child=serializers.FloatField())
    source = serializers.CharField()
    created = serializers.DateTimeField()


class SnapshotListApi(APIView):
    """``GET /api/snapshots/``: filter by ``symbol``, ``timeframe``, ``trend``, ``volatility``,
    ``as_of_after`` / ``as_of_before`` (inclusive); ``ordering`` is ``-as_of`` (default) or ``as_of``."""

    class FilterSerializer(serializers.Serializer):
        symbol = serializers.CharField(max_length=20, validators=[symbol_validator], required=False)
        timeframe = serializers.CharField(max_length=16, required=False)
        trend = serializers.ChoiceField(choices=RegimeSnapshot.Trend.choices, required=False)
        volatility = serializers.ChoiceField(choices=RegimeSnapshot.Volatility.choices, required=False)
        as_of_after = serializers.DateTimeField(required=False)
        as_of_before = serializers.DateTimeField(required=False)
        ordering = serializers.ChoiceField(choices=["as_of", "-as_of"], required=False)

        def validate(self, data: dict[str, Any]) -> dict[str, Any]:
            after, before = data.get("as_of_after"), data.get("as_of_before")
            if after and before and after > before:
                raise serializers.ValidationError({"as_of_before": "Must not be earlier than as_of_after."})
            return data

    def get(self, request: Request) -> Response:
        filters = validated_query(self.FilterSerializer, request)
        return paginated_response(
            queryset=snapshot_list(filters=filters), serializer_class=SnapshotOutputSerializer,
            request=request, view=self,
        )


class SnapshotDetailApi(APIView):
    """``GET /api/snapshots/<id>/``."""

    def get(self, request: Request, snapshot_id: int) -> Response:
        snapshot = get_object_or_404(RegimeSnapshot.objects.select_related("instrument"), pk=snapshot_id)
        return Response(SnapshotOutputSerializer(snapshot).data)


class ServicesApi(APIView):
    """``GET /api/services/``: every service's health, checked at once; 200 even when some are down."""

    def get(self, request: Request) -> Response:
        return Response(stack_health_report())
