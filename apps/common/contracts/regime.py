"""fastapi_market's ``GET /check-regime``: whether flask_regime answers."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict


class CheckRegimeResponse(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["flask_regime running"]
