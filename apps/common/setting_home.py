"""Where a developer changes a setting, as one line of advice names it (``fix MYSQL_URL in …``).

Standard library only at import time: scripts/doctor.py reports on a setup without its packages too.
"""

from __future__ import annotations

import os
from pathlib import Path

CONFIG_DIR = Path(__file__).resolve().parents[2] / "config"


def setting_home(variable: str, service: str, profile: str) -> str:
    """The environment when ``variable`` is set there (or in the profile's own file, which is read
    before the local one), else the service's local file."""
    if variable in os.environ:
        return "the environment"
    profile_file = CONFIG_DIR / f"{profile}.env"
    if profile != "dev" and profile_file.is_file():
        from dotenv import dotenv_values

        if variable in dotenv_values(profile_file):
            return "the environment"
    return f"config/{service}.local.env"
