"""Page-number pagination for the Control Tower's lists: ``?page=`` and ``?page_size=``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500


# The query parameters of every list, as the OpenAPI document states them.
PAGE_PARAMETERS = [
    OpenApiParameter("page", {"type": "integer", "minimum": 1}, description="page number, from 1 (404 past the last)"),
    OpenApiParameter(
        "page_size",
        {"type": "integer", "minimum": 1},
        description=f"items per page (default {DEFAULT_PAGE_SIZE}; above {MAX_PAGE_SIZE}, {MAX_PAGE_SIZE})",
    ),
]


def page_of(serializer_class: type[serializers.Serializer[Any]], name: str) -> serializers.Serializer[Any]:
    """The schema of one page of ``serializer_class`` items, as ``paginated_response`` answers it."""
    return inline_serializer(
        name=name,
        fields={
            "count": serializers.IntegerField(help_text="items in every page together"),
            "next": serializers.URLField(allow_null=True, help_text="the next page, or null"),
            "previous": serializers.URLField(allow_null=True, help_text="the previous page, or null"),
            "results": serializer_class(many=True),
        },
    )


class Pagination(PageNumberPagination):
    """50 items a page by default; ``page_size`` above 500 is capped; a ``page`` or ``page_size`` below 1
    or not a number (empty included) is a 400, a page past the last a 404."""

    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_page_size(self, request: Request) -> int:
        size = _positive_integer(request, self.page_size_query_param)
        return self.page_size if size is None else min(size, self.max_page_size)

    def get_page_number(self, request: Request, paginator: Any) -> int:
        return _positive_integer(request, self.page_query_param) or 1


def _positive_integer(request: Request, name: str) -> int | None:
    """The query parameter ``name`` as an integer of at least 1; None when absent; else a 400 naming it."""
    raw = request.query_params.get(name)
    if raw is None:
        return None
    try:
        return int(serializers.IntegerField(min_value=1).run_validation(raw))
    except serializers.ValidationError as exc:
        raise serializers.ValidationError({name: exc.detail}) from None


def paginated_response(
    view: APIView, request: Request, queryset: QuerySet[Any], serializer_class: type[serializers.Serializer[Any]]
) -> Response:
    """One page of ``queryset``, serialized: ``{"count", "next", "previous", "results"}``."""
    paginator = Pagination()
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(serializer_class(page, many=True).data)


F = TypeVar("F", bound=Callable[..., Any])


def page_schema(
    operation_id: str,
    summary: str,
    filters: type[serializers.Serializer[Any]],
    output: type[serializers.Serializer[Any]],
) -> Callable[[F], F]:
    """The OpenAPI entry of a list endpoint: its filters and page parameters, and a page of ``output``."""
    page_name = output.__name__.removesuffix("OutputSerializer") + "Page"
    return extend_schema(
        operation_id=operation_id,
        summary=summary,
        parameters=[filters, *PAGE_PARAMETERS],
        responses=page_of(output, page_name),
    )
