"""What a secret must be outside dev and test: set, long enough, and no placeholder.

apps/common/config.py applies these rules to every value a service reads as a secret in the
production profile (ServiceConfig.secret), with the values the committed config files hold.
"""

from __future__ import annotations

from collections.abc import Collection

SECRET_MIN_LENGTH = 32
# Words a value that was never replaced by a real secret gives itself away by: six letters or so at
# least, so that a random token holds one by chance about once in ten million.
PLACEHOLDERS = (
    "change-me",
    "changeme",
    "replace-me",
    "replaceme",
    "example",
    "placeholder",
    "secret",
    "password",
    "your-",
    "xxxxxx",
    "not-a-",
    "insecure",
    "dummy",
    "sample",
)
STRONG_VALUE_COMMAND = 'python -c "import secrets; print(secrets.token_urlsafe(48))"'


def secret_problem(value: str, dev_values: Collection[str] = ()) -> str | None:
    """What makes ``value`` no secret for production, or None."""
    if not value:
        return "required in the production profile"
    if value in dev_values:
        return "a committed dev or test value"
    lowered = value.lower().replace("_", "-")
    placeholder = next((word for word in PLACEHOLDERS if word in lowered), None)
    if placeholder:
        return f"looks like a placeholder ({placeholder!r})"
    if len(value) < SECRET_MIN_LENGTH:
        return f"{len(value)} characters: a secret has at least {SECRET_MIN_LENGTH}"
    return None
