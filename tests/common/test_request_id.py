"""Request IDs: a client's safe ID is kept, anything else replaced."""

import pytest

from apps.common.request_id import accept_request_id, bind_request_id, current_request_id, reset_request_id


@pytest.mark.parametrize("sent", ["abc-123", "3f2a.b:c_d", "x" * 128])
def test_safe_ids_are_kept(sent):
    assert accept_request_id(sent) == sent


@pytest.mark.parametrize("sent", [None, "", "has space", "rid=1 status=200", "x" * 129, "naïve", "a\tb"])
def test_unsafe_or_missing_ids_are_replaced(sent):
    made = accept_request_id(sent)
    assert made != sent and len(made) == 32 and made.isalnum()


def test_binding_makes_an_id_current_until_reset():
    assert current_request_id() is None
    token = bind_request_id("rid-1")
    assert current_request_id() == "rid-1"
    reset_request_id(token)
    assert current_request_id() is None
