"""The command line the profile-reading scripts share: their docstring as help, and ``--profile``."""

from __future__ import annotations

import argparse


def profile_parser(prog: str, description: str | None) -> argparse.ArgumentParser:
    """A parser that shows ``description`` as written and takes ``--profile`` (default: APP_ENV, else dev)."""
    parser = argparse.ArgumentParser(
        prog=prog, description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--profile", help="config profile (default: APP_ENV, else dev)")
    return parser
