"""RFC 9457 problem details, as every service answers errors."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Problem(BaseModel):
    """An error answer (``application/problem+json``); extensions such as ``errors`` may follow."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description='"about:blank": the status says what kind of error it is')
    title: str = Field(description="the status phrase")
    status: int = Field(description="the HTTP status, repeated")
    detail: str = Field(description="what is wrong with this request, and what to do")
    instance: str | None = Field(description="the path that was requested")
    request_id: str | None = Field(description="the request's X-Request-ID: quote it to find the log line")

    def extension(self, name: str) -> Any:
        return (self.model_extra or {}).get(name)


class FieldError(BaseModel):
    field: str = Field(description="where: a body field (`level`, `body.bars`), a query or path parameter")
    message: str


class ValidationProblem(Problem):
    """A problem about the request's content; ``errors`` names each invalid field, when there are fields to name."""

    errors: list[FieldError] | None = Field(default=None, description="one entry per invalid field and message")
