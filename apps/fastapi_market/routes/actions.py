"""Corporate actions: ``POST /actions`` stores splits and dividends, ``GET /actions/{symbol}`` lists
a symbol's. Stored in the series store beside the bars; reads adjust prices for them (``adjust``)."""

from __future__ import annotations

import logging

from fastapi import APIRouter

from apps.common.contracts.actions import ActionBatch, ActionList, ActionReport
from apps.fastapi_market.dependencies import StoreDep
from apps.fastapi_market.openapi import problems
from apps.fastapi_market.problems import ProblemError
from apps.fastapi_market.routes.bars import SymbolPath
from apps.fastapi_market.store import StoreBusy

log = logging.getLogger(__name__)
router = APIRouter(tags=["actions"])


@router.post(
    "/actions",
    summary="Store splits and cash dividends; idempotent",
    response_model=ActionReport,
    responses=problems(422, 503),
)
async def create_actions(batch: ActionBatch, store: StoreDep) -> ActionReport:
    """Store every action of the batch, or none when one is invalid (a 422 problem says which).

    An action is named by its symbol, type and ex-date: sending it again changes nothing, sending it
    with another ratio or amount replaces it. Bars are never rewritten; what reads serve changes."""
    try:
        inserted, updated, unchanged = await store.write_actions(batch.actions)
    except StoreBusy as exc:
        log.warning("POST /actions: %s", exc)
        raise ProblemError(503, f"The actions were not stored: {exc}. Send them again.") from None
    return ActionReport(received=len(batch.actions), inserted=inserted, updated=updated, unchanged=unchanged)


@router.get(
    "/actions/{symbol}",
    summary="A symbol's splits and cash dividends, by ex-date",
    response_model=ActionList,
    response_model_exclude_none=True,
    responses=problems(422, 503),
)
async def read_actions(symbol: SymbolPath, store: StoreDep) -> ActionList:
    """Every action stored for the symbol (none is an empty list)."""
    return ActionList(symbol=symbol, actions=await store.actions(symbol))
