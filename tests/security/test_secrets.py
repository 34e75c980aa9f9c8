"""No secrets in the repository (issue 6, scenario 12): the tracked files hold none but the
documented dev and test defaults; the scanner itself is shown to find planted ones."""

import subprocess

import pytest

from apps.common.config import REPO_ROOT
from tests.secret_scan import ALLOWED_VALUES, scan_files, tracked_files

# Planted secrets, assembled here so that this file itself holds none of them.
PLANTED = {
    "private key": "-----BEGIN RSA " + "PRIVATE KEY-----\nMIIEow...\n",
    "AWS access key": "aws_key_id = " + "AKIA" + "QWERTYUIOPASDFGH\n",
    "GitHub token": "GH=" + "ghp_" + "a1B2c3D4" * 5 + "\n",
    "Slack token": "slack: " + "xoxb-" + "123456789012-abcdefABCDEF\n",
    "secret assigned literally": "db_pass" + "word = 'hunter2-correct-horse'\n",
    "credentials in a URL": "MYSQL_URL=mysql://root:" + "Sup3r-S3cret-pw@db.internal:3306/core\n",
}


def test_tracked_files_hold_no_secrets():
    files = tracked_files(REPO_ROOT)
    assert len(files) > 50
    findings = scan_files(REPO_ROOT, files)
    assert findings == [], "secrets in tracked files (move them to config/*.local.env):\n" + "\n".join(
        map(str, findings)
    )


@pytest.mark.parametrize("rule", PLANTED)
def test_the_scanner_finds_a_planted_secret(tmp_path, rule):
    (tmp_path / "leak.env").write_text(f"# harmless line\n{PLANTED[rule]}")
    findings = scan_files(tmp_path, ["leak.env"])
    assert [(f.path, f.line, f.rule) for f in findings] == [("leak.env", 2, rule)]


@pytest.mark.parametrize(
    "line",
    [
        "INTERNAL_API_TOKEN=" + "real-looking-token-9f8e7d6c",
        "DJANGO_SECRET_KEY='" + "k" * 50 + "'",
        'token: "' + "abc123def456ghi" + '"',
    ],
)
def test_a_secret_setting_with_an_undocumented_value_is_found(tmp_path, line):
    (tmp_path / "leak.py").write_text(line + "\n")
    assert [f.rule for f in scan_files(tmp_path, ["leak.py"])] == ["secret assigned literally"]


def test_the_documented_defaults_and_code_pass(tmp_path):
    lines = [f'INTERNAL_API_TOKEN="{value}"' for value in sorted(ALLOWED_VALUES)] + [
        "token = settings.common.tokens.own",
        'url = f"mysql://{mysql.user}:{mysql.password}@{mysql.address}/db"',
        "shown = 'mysql://aetherion:********@127.0.0.1:3308'",
        "DJANGO_SECRET_KEY=CHANGE-ME-django-secret-key",
        "MYSQL_URL: mysql://aetherion:REPLACE-ME-not-a-real-password@mysql.example.internal:3306/core",
    ]
    (tmp_path / "ok.py").write_text("\n".join(lines) + "\n")
    assert scan_files(tmp_path, ["ok.py"]) == []


def test_a_planted_secret_in_a_git_repository_fails_the_scan(tmp_path):
    """The same scan as the first test, over `git ls-files` of a repository with a leak committed."""
    (tmp_path / "settings.env").write_text(PLANTED["credentials in a URL"])
    for argv in (["git", "init", "-q"], ["git", "add", "settings.env"]):
        subprocess.run(argv, cwd=tmp_path, check=True)
    assert [str(f) for f in scan_files(tmp_path, tracked_files(tmp_path))] == ["settings.env:1: credentials in a URL"]
