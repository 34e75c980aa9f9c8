"""Database URLs: parsed once, names checked before they can reach SQL."""

import pytest

from apps.common.databases import MongoTarget, MySQLTarget, check_identifier


def test_mysql_url_is_split_and_unquoted():
    target = MySQLTarget.from_url("mysql://app:p%40ss%3Aword@db.example:3310/aetherion_core")
    assert target == MySQLTarget("db.example", 3310, "app", "p@ss:word", "aetherion_core")
    assert target.address == "db.example:3310" and not target.is_local


def test_mysql_port_defaults_to_3306():
    assert MySQLTarget.from_url("mysql://app:x@127.0.0.1/core").port == 3306


@pytest.mark.parametrize(
    "name",
    ["x; DROP DATABASE mysql", "a`b", "core--", "", "1core", "x" * 65, "naïve", "a b", "a'b"],
)
def test_unsafe_database_names_are_refused(name):
    with pytest.raises(ValueError, match="not a plain identifier"):
        check_identifier(name)


@pytest.mark.parametrize("url", ["postgres://u:p@h/db", "mysql:///db", "mysql://u:p@h:99999/db", "mysql://u:p@h/x;y"])
def test_bad_mysql_urls_are_refused(url):
    with pytest.raises(ValueError):
        MySQLTarget.from_url(url)


def test_only_a_single_loopback_mongo_is_ours_to_start():
    assert MongoTarget("mongodb://127.0.0.1:27018/", "m").is_local
    assert MongoTarget("mongodb://localhost:27018/", "m").port == 27018
    assert not MongoTarget("mongodb://db.example:27017/", "m").is_local
    assert not MongoTarget("mongodb://127.0.0.1:1,127.0.0.1:2/", "m").is_local
