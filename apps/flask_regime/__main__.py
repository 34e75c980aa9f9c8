"""Run flask_regime on the configured host and port.

``python -m apps.flask_regime [--reload]``
"""

import argparse
import io
import os
import sys

from apps.common.config import ConfigError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m apps.flask_regime", description=__doc__)
    parser.add_argument("--reload", action="store_true", help="restart on code changes (dev)")
    args = parser.parse_args(argv)
    if isinstance(sys.stdout, io.TextIOWrapper):  # not when a caller replaced it
        sys.stdout.reconfigure(line_buffering=True)
    try:
        from apps.flask_regime import create_app

        app = create_app()
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    settings = app.config["REGIME_SETTINGS"]
    if not args.reload or os.environ.get("WERKZEUG_RUN_MAIN") == "true":  # once, in the serving process
        app.logger.info("flask_regime listening on http://%s:%s", settings.common.bind_host, settings.port)
    app.run(host=settings.common.bind_host, port=settings.port, use_reloader=args.reload, threaded=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
