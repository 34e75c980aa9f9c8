"""The PyMongo types the market code passes around: databases and collections of plain documents."""

from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.collection import Collection
from pymongo.database import Database

Document = dict[str, Any]
Documents = AsyncCollection[Document]  # a collection, as the service reads and writes it
MarketDatabase = AsyncDatabase[Document]
SyncDocuments = Collection[Document]  # blocking, for the migration step's scripts
SyncDatabase = Database[Document]
