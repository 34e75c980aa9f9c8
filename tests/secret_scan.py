"""A focused secret scanner for the tracked files: private keys, cloud and chat tokens, passwords
and tokens assigned literally, and credentials in URLs. Values the README documents as dev or test
defaults are allowed, each by name below; anything else it finds is a finding."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

# The documented dev/test defaults (config/*.env, README) and the tests' own made-up values.
ALLOWED_VALUES = {
    "dev-operator-token",  # the dev profile's tokens (config/common.env); production refuses them
    "dev-django-core-token",
    "dev-fastapi-market-token",
    "dev-insecure-aetherion-change-me",  # DJANGO_SECRET_KEY, dev profile; production refuses it
    "test-operator-token-not-a-secret",  # config/test.env: loopback-only, throw-away test stack
    "test-django-core-token-not-a-secret",
    "test-fastapi-market-token-not-a-secret",
    "test-only-django-key-not-a-secret-loopback-throwaway-stack",  # config/test.env
    "aetherion-dev",  # the dev MySQL password in MYSQL_URL (config/django_core.env)
    "aetherion-test",  # the test stack's MySQL password (config/test.env)
    "my-password",  # docs/configuration.md: how to point MYSQL_URL at your own server
    "recovery-pw",
    "s3cret-token",
    "wrong-secret-71c3",
    "p%40ss%3Aword",
    "secret",  # made-up values in tests
    "unused",
    "sample",  # tests/deploy: a database nobody connects to; a sample answer to Render's prompt
    "bench-hello-app-not-a-secret",  # scripts/bench_apps.py: the bare Django app the bench compares with
}
# The deployment files' placeholders (deploy/, compose.yaml): a value to replace, never a secret.
PLACEHOLDER = re.compile(r"^(?:CHANGE|REPLACE)-ME\b")
# ACCEPTED_TOKENS: callers and the SHA-256 digests of their tokens (or placeholders): no token in it.
DIGESTS = re.compile(r"^(?:\w+:(?:[0-9a-f]{64}|(?:CHANGE|REPLACE)-ME|…),?)+$")

RULES = {
    "private key": re.compile(r"-----BEGIN (?:[A-Z]+ )?PRIVATE KEY(?: BLOCK)?-----"),
    "AWS access key": re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    "GitHub token": re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})\b"),
    "Slack token": re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}"),
    "Slack webhook": re.compile(r"https://hooks\.slack\.com/services/[A-Za-z0-9/]+"),
    "Google API key": re.compile(r"\bAIza[0-9A-Za-z_\-]{35}\b"),
    "Stripe live key": re.compile(r"\b[sr]k_live_[0-9A-Za-z]{20,}\b"),
}
# NAME=value in env files, name = "value" / name: "value" in code, for names that hold secrets
# (a colon only before a quoted value: "token: missing" in prose is no assignment).
_SECRET_NAME = r"[A-Za-z_]*(?:PASSWORD|PASSWD|SECRET|TOKEN|API_KEY|SECRET_KEY|PRIVATE_KEY)[A-Za-z_]*"
ASSIGNED = re.compile(
    rf"""(?ix) \b{_SECRET_NAME} \s* (?: [=:] \s* (?: "([^"\n]*)" | '([^'\n]*)' ) | = \s* ([^\s"'#,;)\]]+) )"""
)
URL_CREDENTIALS = re.compile(r"\b[a-z][a-z0-9+.\-]*://[^\s:/@\"'{}]+:([^\s@/\"'{}]+)@")


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    rule: str

    def __str__(self) -> str:  # never the value itself: the report must not spread the secret
        return f"{self.path}:{self.line}: {self.rule}"


def _is_literal_secret(value: str) -> bool:
    """A literal worth reporting: not empty, not allowed, not a code expression or placeholder."""
    if len(value) < 6 or value in ALLOWED_VALUES or PLACEHOLDER.match(value) or DIGESTS.match(value):
        return False
    if value.lower() in ("none", "true", "false", "null"):
        return False
    if re.fullmatch(r"[A-Za-z_][\w.\[\]()]*", value) and ("." in value or "(" in value or value.isupper()):
        return False  # a name or call (settings.common.tokens.own, env.str(...), REAL_VALUE)
    return not re.search(r"[{}<>$%*]|\.\.\.", value)  # f-string, template, placeholder or mask


def scan_text(path: str, text: str) -> list[Finding]:
    findings = []
    for number, line in enumerate(text.splitlines(), 1):
        for rule, pattern in RULES.items():
            if pattern.search(line):
                findings.append(Finding(path, number, rule))
        for match in ASSIGNED.finditer(line):
            value = next(group for group in match.groups() if group is not None)
            if _is_literal_secret(value):
                findings.append(Finding(path, number, "secret assigned literally"))
        for match in URL_CREDENTIALS.finditer(line):
            if _is_literal_secret(match.group(1)):
                findings.append(Finding(path, number, "credentials in a URL"))
    return findings


def scan_files(root: Path, paths: list[str]) -> list[Finding]:
    findings = []
    for name in paths:
        data = (root / name).read_bytes() if (root / name).is_file() else b""
        if b"\0" in data[:8192]:
            continue  # binary
        findings += scan_text(name, data.decode("utf-8", errors="replace"))
    return findings


def tracked_files(root: Path) -> list[str]:
    result = subprocess.run(["git", "ls-files", "-z"], cwd=root, capture_output=True, check=True)
    return [name for name in result.stdout.decode().split("\0") if name]
