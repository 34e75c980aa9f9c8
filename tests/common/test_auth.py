"""Tokens: who sent a request, by the digest of its token; what the access table then answers."""

import pytest

from apps.common.auth import Tokens, accepted_parse, access_refusal, authorization_header, token_digest

OLD, NEW, CORE = "old-operator-token", "new-operator-token", "django-core-token"
TOKENS = Tokens(
    accepted={token_digest(OLD): "operator", token_digest(NEW): "operator", token_digest(CORE): "django_core"}
)


def test_each_token_names_its_caller_and_two_tokens_of_one_caller_both_pass_while_it_rotates():
    assert TOKENS.caller(authorization_header(OLD)["Authorization"]) == "operator"
    assert TOKENS.caller(f"bearer {NEW}") == "operator"
    assert TOKENS.caller(f"Bearer {CORE}") == "django_core"
    assert TOKENS.callers() == ["django_core", "operator"]


def test_no_header_is_anonymous():
    assert TOKENS.caller(None) == "anonymous" and TOKENS.caller("") == "anonymous"


@pytest.mark.parametrize("header", ["Bearer", "Bearer ", f"Basic {OLD}", OLD])
def test_a_malformed_header_is_401(header):
    assert TOKENS.caller(header)[0] == 401


@pytest.mark.parametrize("sent", ["wrong", OLD[:-1], OLD + "x", "ü" * 5, token_digest(OLD)])
def test_a_token_not_accepted_is_403(sent):
    """The digest itself is no token: a service's configuration hands no one a way in."""
    assert TOKENS.caller(f"Bearer {sent}") == (403, "This token is not one this service accepts.")


def test_accepted_tokens_parse_by_caller_and_refuse_what_is_not_a_digest():
    digest = token_digest(OLD)
    assert accepted_parse(f" operator:{digest} , django_core:{token_digest(CORE)},") == {
        digest: "operator",
        token_digest(CORE): "django_core",
    }
    with pytest.raises(ValueError, match="'flask_regime' is not a caller with a token"):
        accepted_parse(f"flask_regime:{digest}")
    with pytest.raises(ValueError, match="operator's digest must be 64 hex digits"):
        accepted_parse("operator:" + OLD)


@pytest.mark.parametrize(
    ("caller", "method", "route", "status"),
    [
        ("anonymous", "POST", "/bars", 401),  # a write needs a credential, in every profile
        ("django_core", "POST", "/bars", 403),  # django_core's token writes no bars
        ("fastapi_market", "POST", "/actions", 403),
        ("operator", "POST", "/bars", None),
        ("operator", "DELETE", "/bars", 405),  # no rule for the method
        ("operator", "GET", "/not-in-the-table", 403),  # default deny
        ((403, "This token is not one this service accepts."), "GET", "/health", 403),
    ],
)
def test_the_refusal_follows_the_table(caller, method, route, status):
    refusal = access_refusal("fastapi_market", route, method, caller, "dev")
    assert (refusal.status if refusal else None) == status
    if status == 401:
        assert refusal.headers == {"WWW-Authenticate": "Bearer"}
    if status == 405:
        assert refusal.headers == {"Allow": "POST"}
