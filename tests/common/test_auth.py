"""The internal token: missing is 401, wrong is 403, right passes."""

import pytest

from apps.common.auth import authorization_header, token_problem

TOKEN = "s3cret-token"


def test_the_right_token_passes():
    assert token_problem(authorization_header(TOKEN)["Authorization"], TOKEN) is None
    assert token_problem(f"bearer {TOKEN}", TOKEN) is None


@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer ", f"Basic {TOKEN}", TOKEN])
def test_a_missing_or_malformed_header_is_401(header):
    assert token_problem(header, TOKEN)[0] == 401


@pytest.mark.parametrize("sent", ["wrong", TOKEN[:-1], TOKEN + "x", "ü" * 5])
def test_a_wrong_token_is_403(sent):
    assert token_problem(f"Bearer {sent}", TOKEN) == (403, "The internal token is wrong.")
