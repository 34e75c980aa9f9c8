"""Each symbol's corporate actions in the series store: one document per symbol and version, named
by the catalog like a series' index; a write of actions is planned here and committed by the store
(apps/fastapi_market/store.py) like a write of bars, and reads adjust prices by the factors made
here (apps/fastapi_market/adjust.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from apps.common.contracts.actions import CorporateAction, corporate_action
from apps.fastapi_market.adjust import Factors, dividend_closes
from apps.fastapi_market.columns import Columns
from apps.fastapi_market.documents import MarketDatabase
from apps.fastapi_market.versions import ACTIONS, Catalog, Gone, Index, Loaded, Plan, new_key, stamped


class ActionBook:
    """The corporate actions of one market database's store, as one process reads them."""

    def __init__(self, database: MarketDatabase, chunks: Callable[[list[str]], Awaitable[list[Columns]]]):
        self.database = database
        self._chunks = chunks  # reads chunks of bars by key
        self._lists: Loaded[list[CorporateAction]] = Loaded()
        self._factors: Loaded[Factors] = Loaded()

    async def listed(self, key: str | None) -> list[CorporateAction]:
        """The actions of the document ``key`` (none for None), by ex-date."""

        async def load() -> list[CorporateAction]:
            document = await self.database[ACTIONS].find_one({"_id": key})
            if document is None:
                raise Gone(key)
            return [corporate_action.validate_python(action) for action in document["actions"]]

        return [] if key is None else list(await self._lists.get(key, load))

    async def factors(self, index: Index, key: str) -> Factors:
        """The adjustment factors of the series version ``index`` for the actions of the document ``key``."""

        async def load() -> Factors:
            actions = await self.listed(key)
            return Factors.of(actions, await dividend_closes(actions, index, self._chunks))

        return await self._factors.get((index.key, key), load)

    async def plan(self, catalog: Catalog, actions: list[CorporateAction]) -> Plan:
        """Each symbol's actions in ``catalog`` with ``actions`` in (the latest value of an action
        wins), one value per symbol, type and ex-date; unchanged symbols left out."""
        plan, groups = Plan(), dict[str, list[CorporateAction]]()
        for action in actions:
            groups.setdefault(action.symbol, []).append(action)
        for symbol, incoming in groups.items():
            key = catalog.actions.get(symbol)
            merged = {(a.type, a.ex_date): a for a in await self.listed(key)}
            changed = False
            for action in incoming:
                found = merged.get((action.type, action.ex_date))
                outcome = 0 if found is None else 2 if found.value == action.value else 1
                plan.counts[outcome] += 1
                changed |= outcome != 2
                merged[(action.type, action.ex_date)] = action
            if changed:
                plan.actions[symbol] = new_key()
                ordered = sorted(merged.values(), key=lambda a: (a.ex_date, a.type))
                listed = [a.model_dump(mode="json", exclude_none=True) for a in ordered]
                document = {"_id": plan.actions[symbol], "symbol": symbol, "actions": listed}
                plan.documents[ACTIONS].append(stamped(document))
                plan.garbage[ACTIONS] += [key] if key else []
        return plan
