"""RFC 9457 problem details, as every service answers errors."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class Problem(BaseModel):
    model_config = ConfigDict(extra="allow")  # extensions (errors, …) may follow

    type: str
    title: str
    status: int
    detail: str
    instance: str | None
    request_id: str | None

    def extension(self, name: str) -> Any:
        return (self.model_extra or {}).get(name)
