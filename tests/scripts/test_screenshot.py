"""scripts/screenshot.py: a page of the live test stack in Debian's chromium, and one clear line when it cannot."""

import pytest

from scripts import screenshot
from scripts.stack_processes import run_module
from tests.stack import clean_env, free_port

pytestmark = pytest.mark.browser

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_a_page_of_the_stack_is_written_as_a_png(test_stack, test_urls, tmp_path, capsys):
    out = tmp_path / "overview.png"
    assert screenshot.main([f"{test_urls['django_core']}/", "--out", str(out), "--wait-for", ".tile"]) == 0
    assert out.read_bytes().startswith(PNG_SIGNATURE)
    assert capsys.readouterr().err.strip() == f"screenshot: {test_urls['django_core']}/ answered 200; wrote {out}"


def test_a_page_that_does_not_answer_is_one_line_and_exit_1(tmp_path):
    url = f"http://127.0.0.1:{free_port()}/"
    result = run_module("scripts.screenshot", clean_env(), 120, url, "--out", str(tmp_path / "x.png"))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [f"screenshot: {url}: Page.goto: net::ERR_CONNECTION_REFUSED at {url}"]
