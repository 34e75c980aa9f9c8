"""The internal token as a FastAPI dependency."""

from fastapi import Request

from apps.common.auth import AUTH_HEADER, token_problem
from apps.fastapi_market.problems import ProblemError


async def require_internal_token(request: Request) -> None:
    """401 without the token, 403 with a wrong one."""
    settings = request.app.state.settings
    problem = token_problem(request.headers.get(AUTH_HEADER), settings.common.internal_api_token)
    if problem:
        status, detail = problem
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else {}
        raise ProblemError(status, detail, headers=headers)
