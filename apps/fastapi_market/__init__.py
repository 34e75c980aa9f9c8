"""fastapi_market: the async Market engine (FastAPI on MongoDB)."""
