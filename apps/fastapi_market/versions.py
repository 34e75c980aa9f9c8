"""The documents that make a version of the series store and their shapes in MongoDB (a commit names a
catalog of every series' index, an index lists one series' chunks; numbers are packed as little-endian
int64 arrays, times in epoch ms), and a write's plan of new ones."""

from __future__ import annotations

import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Generic, TypeVar

import numpy as np
from bson.binary import Binary

from apps.fastapi_market.columns import MS, Columns
from apps.fastapi_market.documents import Document

COMMITS, CATALOGS, INDEXES, CHUNKS = "series_commits", "series_catalogs", "series_indexes", "series_chunks"
ACTIONS = "series_actions"
COLLECTIONS = (COMMITS, CATALOGS, INDEXES, CHUNKS, ACTIONS)  # each read by ``_id`` alone
T = TypeVar("T")


class Gone(Exception):
    """A document of the version being read was deleted: that version is long superseded."""


class Loaded(Generic[T]):
    """What was made of documents, by key, each loaded once (documents are immutable): the 1,024 most
    recently used kept."""

    def __init__(self) -> None:
        self._kept: OrderedDict[Hashable, T] = OrderedDict()

    async def get(self, key: Hashable, load: Callable[[], Awaitable[T]]) -> T:
        if key not in self._kept:
            self._kept[key] = await load()
            if len(self._kept) > 1024:
                self._kept.popitem(last=False)
        self._kept.move_to_end(key)
        return self._kept[key]


def commit_id(number: int) -> str:
    return f"{number:012d}"


def new_key() -> str:
    return uuid.uuid4().hex


def packed(values: Sequence[int] | np.ndarray) -> Binary:
    return Binary(np.asarray(values, dtype=MS).tobytes())


def unpacked(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype=MS)


def stamped(document: Document) -> Document:
    """``document`` with its creation time (what the sweep goes by: apps/fastapi_market/store_sweep.py)."""
    return {**document, "created": datetime.now(UTC)}


@dataclass(frozen=True)
class Entry:
    """One series in a catalog: its index's key, its bar count, its first and last bar."""

    index: str
    bars: int
    first: int
    last: int


@dataclass(frozen=True)
class Catalog:
    """Every series of one version of the store, by name (``AAPL:1d``), and every symbol's actions."""

    key: str
    entries: dict[str, Entry]
    actions: dict[str, str] = field(default_factory=dict)  # symbol: its actions document's key

    def document(self) -> Document:
        rows = sorted(self.entries.items())
        return stamped(
            {
                "_id": self.key,
                "series": [name for name, _ in rows],
                "indexes": [entry.index for _, entry in rows],
                **{column: packed([getattr(e, column) for _, e in rows]) for column in ("bars", "first", "last")},
                "action_symbols": sorted(self.actions),
                "action_keys": [self.actions[symbol] for symbol in sorted(self.actions)],
            }
        )

    @classmethod
    def of(cls, document: Document) -> Catalog:
        numbers = zip(*(unpacked(document[column]).tolist() for column in ("bars", "first", "last")), strict=True)
        rows = zip(document["series"], document["indexes"], numbers, strict=True)
        actions = dict(zip(document.get("action_symbols", []), document.get("action_keys", []), strict=True))
        return cls(document["_id"], {name: Entry(index, *row) for name, index, row in rows}, actions)


@dataclass(frozen=True)
class Index:
    """One version of one series: its chunks' keys in time order, their first and last bar and counts."""

    key: str
    chunks: list[str]
    first: np.ndarray
    last: np.ndarray
    count: np.ndarray

    @classmethod
    def empty(cls) -> Index:
        return cls("", [], np.empty(0, MS), np.empty(0, MS), np.empty(0, MS))

    @classmethod
    def of_rows(cls, rows: list[tuple[str, int, int, int]]) -> Index:
        """A new index of (chunk key, first, last, count) rows."""
        return cls(new_key(), [row[0] for row in rows], *(np.array([row[i] for row in rows], MS) for i in (1, 2, 3)))

    def entry(self) -> Entry:
        return Entry(self.key, int(self.count.sum()), int(self.first[0]), int(self.last[-1]))

    def document(self, series: str) -> Document:
        arrays = {column: packed(getattr(self, column)) for column in ("first", "last", "count")}
        return stamped({"_id": self.key, "series": series, "chunks": self.chunks, **arrays})

    @classmethod
    def of(cls, document: Document) -> Index:
        return cls(
            document["_id"], list(document["chunks"]), *(unpacked(document[f]) for f in ("first", "last", "count"))
        )


@dataclass(frozen=True)
class SeriesVersion:
    """One series as a commit holds it: the commit's number, the series' entry, and the key of its
    symbol's actions (None without any). Two versions with the same entry and actions hold the same
    bars, adjusted the same way."""

    commit: int
    entry: Entry
    actions: str | None


class Plan:
    """A write merged into one version: the documents to insert, what they leave unreachable, and
    what the write did."""

    def __init__(self) -> None:
        self.entries: dict[str, Entry] = {}  # series: its new entry
        self.actions: dict[str, str] = {}  # symbol: its new actions document
        self.documents: dict[str, list[Document]] = {INDEXES: [], CHUNKS: [], ACTIONS: []}
        self.garbage: dict[str, list[str]] = {INDEXES: [], CHUNKS: [], ACTIONS: []}
        self.written: dict[str, Columns] = {}  # the new chunks, by key
        self.counts = np.zeros(3, dtype=int)  # inserted, updated, unchanged

    def catalog(self, base: Catalog) -> Catalog:
        """A new catalog: ``base`` with this plan's series and actions."""
        return Catalog(new_key(), {**base.entries, **self.entries}, {**base.actions, **self.actions})

    def changes(self, catalog: Catalog) -> list[object]:
        """What of ``catalog`` this plan replaces: the same in a newer catalog, or the plan is stale."""
        return [catalog.entries.get(n) for n in self.entries] + [catalog.actions.get(s) for s in self.actions]
