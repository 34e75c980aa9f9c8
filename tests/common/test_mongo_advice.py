"""apps/common/mongo_advice.py: each PyMongo error met connecting, mapped to one line of advice.

The errors are PyMongo's own classes with the messages it gives; reaching a refused port and a
silent one for real is tested in tests/scripts/test_doctor.py (the doctor's MongoDB check).
"""

import errno

from pymongo.errors import ConfigurationError, OperationFailure, ServerSelectionTimeoutError

from apps.common.databases import MongoTarget
from apps.common.mongo_advice import mongo_advice

LOCAL = MongoTarget("mongodb://127.0.0.1:27018/", "market")
REMOTE = MongoTarget("mongodb://app:secret@db.example.com:27017/", "market")
REFUSED = ServerSelectionTimeoutError("127.0.0.1:27018: [Errno 111] Connection refused (configured timeouts: …)")


def test_refused_says_how_to_start_the_server_where_it_is():
    assert str(mongo_advice(LOCAL, REFUSED, timeout_s=2)) == (
        "MongoDB at 127.0.0.1:27018: connection refused; start it: `make databases` starts a private one, "
        "or fix MONGO_URL in config/fastapi_market.local.env"
    )
    # The async client's words (errno 111 on Linux).
    async_refused = ServerSelectionTimeoutError(
        f"127.0.0.1:27018: [Errno {errno.ECONNREFUSED}] Connect call failed ('127.0.0.1', 27018)"
    )
    assert mongo_advice(LOCAL, async_refused, timeout_s=2).detail == "MongoDB at 127.0.0.1:27018: connection refused"
    remote = mongo_advice(REMOTE, REFUSED, timeout_s=2, home="the environment")
    assert remote.fix == "start the server at db.example.com:27017, or fix MONGO_URL in the environment"


def test_a_server_that_does_not_answer_names_the_timeout():
    advice = mongo_advice(LOCAL, ServerSelectionTimeoutError("127.0.0.1:27018: timed out"), timeout_s=0.3)
    assert advice.detail == "MongoDB at 127.0.0.1:27018 does not answer within 0.3 s"
    assert "check the host, a firewall, or that it is MongoDB" in advice.fix


def test_a_refused_account_and_other_errors_never_show_the_password():
    denied = mongo_advice(
        REMOTE, OperationFailure("auth failed", 18, {"errmsg": "Authentication failed for secret"}), timeout_s=2
    )
    assert denied.detail == "MongoDB at db.example.com:27017: Authentication failed for ********"
    assert denied.fix == "fix the user/password in MONGO_URL (config/fastapi_market.local.env)"
    other = mongo_advice(REMOTE, ConfigurationError("bad option near secret\nsecond line"), timeout_s=2)
    assert (
        str(other)
        == "MongoDB at db.example.com:27017: bad option near ********; fix MONGO_URL in config/fastapi_market.local.env"
    )
