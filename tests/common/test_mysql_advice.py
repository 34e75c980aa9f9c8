"""apps/common/mysql_advice.py: each MySQL error the scripts meet, mapped to one kind and one line of advice.

The errors are MySQLdb's own, with the codes and messages its client library gives; the connecting
itself (a refused port, a silent one, a wrong password) is tested against real servers in
tests/scripts/test_doctor.py and test_bootstrap_db.py.
"""

import MySQLdb
import pytest

from apps.common import mysql_advice
from apps.common.databases import MySQLTarget
from apps.common.mysql_advice import mysql_advice as advice_for

LOCAL = MySQLTarget("127.0.0.1", 3307, "app", "s3cret", "core")
REMOTE = MySQLTarget("db.example.com", 3306, "app", "s3cret", "core")


@pytest.mark.parametrize(
    ("code", "message", "kind"),
    [
        (
            2013,
            "Lost connection to server at 'handshake: reading initial communication packet', system error: 110",
            mysql_advice.NO_ANSWER,
        ),
        (2003, "Can't connect to MySQL server on '10.255.255.1:3306' (110)", mysql_advice.NO_ANSWER),
        (2003, "Can't connect to MySQL server on '127.0.0.1:1' (111)", mysql_advice.REFUSED),
        (2002, "Can't connect to local server through socket '/run/mysqld/mysqld.sock' (2)", mysql_advice.REFUSED),
        (2005, "Unknown server host 'nowhere' (-2)", mysql_advice.UNKNOWN_HOST),
        (1045, "Access denied for user 'app'@'localhost' (using password: YES)", mysql_advice.DENIED),
        (1044, "Access denied for user 'app'@'%' to database 'core'", mysql_advice.NO_RIGHTS),
        (1049, "Unknown database 'core'", mysql_advice.UNKNOWN_DATABASE),
        (1040, "Too many connections", mysql_advice.OTHER),
    ],
)
def test_each_error_code_is_one_kind(code, message, kind):
    assert mysql_advice.error_kind(MySQLdb.OperationalError(code, message)) == kind


def test_a_lost_connection_is_a_server_that_does_not_answer_in_every_script():
    advice = advice_for(LOCAL, MySQLdb.OperationalError(2013, "Lost connection to server during query"), timeout_s=2)
    assert advice.detail == "MySQL at 127.0.0.1:3307 does not answer within 2 s"
    assert advice.fix == (
        "the server at 127.0.0.1:3307 does not answer in 2 s: check the host, a firewall, or that it is MySQL"
    )
    untimed = advice_for(LOCAL, MySQLdb.OperationalError(2013, "Lost connection to server during query"))
    assert untimed.detail == "MySQL at 127.0.0.1:3307 does not answer"


def test_refused_says_how_to_start_the_server_where_it_is():
    refused = MySQLdb.OperationalError(2003, "Can't connect to MySQL server on '127.0.0.1:3307' (111)")
    local = advice_for(LOCAL, refused, home="the environment")
    assert str(local) == (
        "MySQL at 127.0.0.1:3307: connection refused; start it: `make databases` starts a private "
        "one, or fix MYSQL_URL in the environment"
    )
    remote = advice_for(REMOTE, refused)
    assert remote.fix == "start the server at db.example.com:3306, or fix MYSQL_URL in config/django_core.local.env"


def test_account_and_database_errors_name_the_user_and_database():
    denied = advice_for(LOCAL, MySQLdb.OperationalError(1045, "Access denied for user 'app'@'localhost'"))
    assert (denied.kind, denied.code) == (mysql_advice.DENIED, 1045)
    assert denied.detail == "MySQL at 127.0.0.1:3307: access denied for user 'app'"
    assert denied.fix == "fix the user/password in MYSQL_URL (config/django_core.local.env)"
    unknown = advice_for(LOCAL, MySQLdb.OperationalError(1049, "Unknown database 'core'"))
    assert unknown.fix == "run `make bootstrap` (creates the database and migrates)"
    no_rights = advice_for(LOCAL, MySQLdb.OperationalError(1044, "Access denied for user 'app'@'%' to database 'core'"))
    assert no_rights.detail == "MySQL at 127.0.0.1:3307: user 'app' may not use database 'core'"
    assert "CREATE DATABASE `core`" in no_rights.fix
    assert set(mysql_advice.REFUSING) == {mysql_advice.DENIED, mysql_advice.NO_RIGHTS}


def test_other_errors_keep_the_server_message_without_the_password():
    advice = advice_for(LOCAL, MySQLdb.OperationalError(1040, "Too many connections for s3cret"))
    assert advice.detail == "MySQL at 127.0.0.1:3307: error 1040: Too many connections for ********"
    assert "s3cret" not in str(advice)
