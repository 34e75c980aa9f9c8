"""JSON request bodies checked against a contract model; failures become 4xx problems."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypeVar

from flask import request
from pydantic import BaseModel, ValidationError
from werkzeug.exceptions import UnprocessableEntity, UnsupportedMediaType

M = TypeVar("M", bound=BaseModel)


class InvalidBody(UnprocessableEntity):
    """422 listing each invalid field."""

    def __init__(self, errors: Sequence[Mapping[str, object]]):
        super().__init__("The request body is invalid.")
        self.errors = errors


def parse_body(model: type[M]) -> M:
    """The request's JSON body as ``model``: 415 when not JSON, 422 (each field named) when invalid."""
    if not request.is_json:
        raise UnsupportedMediaType("Send a JSON body with Content-Type: application/json.")
    try:
        return model.model_validate_json(request.get_data())
    except ValidationError as exc:
        raise InvalidBody(exc.errors(include_url=False)) from None
