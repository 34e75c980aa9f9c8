"""Run fastapi_market under uvicorn on the configured host and port.

``python -m apps.fastapi_market [--reload]``: without ``--reload`` (production and tests),
uvicorn runs FASTAPI_MARKET_WORKERS worker processes and gives requests in flight
SERVER_GRACEFUL_TIMEOUT seconds on SIGTERM.
"""

import argparse
import sys

import uvicorn

from apps.common.config import ConfigError
from apps.common.logging import configure_logging
from apps.fastapi_market.settings import SERVICE, load_settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m apps.fastapi_market", description=__doc__)
    parser.add_argument("--reload", action="store_true", help="restart on code changes (dev)")
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    configure_logging(SERVICE, settings.common.log_level, settings.common.log_format)
    uvicorn.run(
        "apps.fastapi_market.main:create_app",
        factory=True,
        host=settings.common.bind_host,
        port=settings.port,
        reload=args.reload,
        reload_dirs=["apps"] if args.reload else None,
        workers=None if args.reload else settings.server.workers,
        timeout_graceful_shutdown=settings.server.graceful_timeout,
        log_config=None,  # our handler and format (apps.common.logging), set up in create_app too
        access_log=False,  # the request middleware writes one line per request instead
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
