"""Reading addresses from settings: every shape, and never a credential."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dorgu.analysis.connections import (
    Address,
    addresses_in,
    may_name_address,
    paired_addresses,
    setting_addresses,
)


def _pairs(name: str, value: str) -> list[tuple[str, int | None, str | None]]:
    return [(a.host, a.port, a.scheme) for a in addresses_in(name, value)]


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("DATABASE_URL", "postgres://u:p@db:5432/app", [("db", 5432, "postgres")]),
        ("DATABASE_URL", "postgresql://u:p@db/app", [("db", 5432, "postgresql")]),
        ("BROKER", "amqp://guest:guest@queue//", [("queue", 5672, "amqp")]),
        (
            "MONGO",
            "mongodb://a:b@m1:27017,m2:27018/db?replicaSet=rs",
            [("m1", 27017, "mongodb"), ("m2", 27018, "mongodb")],
        ),
        ("API_URL", "http://orders/v1", [("orders", 80, "http")]),
        ("API_URL", "https://orders:8443", [("orders", 8443, "https")]),
        ("JDBC", "jdbc:postgresql://db:5433/x?ssl=true", [("db", 5433, "postgresql")]),
        (
            "JDBC",
            "jdbc:sqlserver://sql:1433;databaseName=x;password=p@ss",
            [("sql", 1433, "sqlserver")],
        ),
        (
            "JDBC",
            "jdbc:mysql:loadbalance://a:3306,b:3307/shop",
            [("a", 3306, "mysql"), ("b", 3307, "mysql")],
        ),
        ("CART_SERVICE_ADDR", "cart:7070", [("cart", 7070, None)]),
        ("CART_TARGET", "dns:///cart:7070", [("cart", 7070, "dns")]),
        ("CART_URL", "grpc://cart", [("cart", None, "grpc")]),
        ("CACHE_HOST", "cache", [("cache", None, None)]),
        ("KAFKA_BOOTSTRAP_SERVERS", "k1:9092, k2:9093", [("k1", 9092, None), ("k2", 9093, None)]),
        (
            "ConnectionStrings__Db",
            "Server=sql;Port=5432;Database=x;User Id=u;Password=p",
            [("sql", 5432, None)],
        ),
        ("ConnectionStrings__Db", "Host=pg;Database=x;Username=u;Password=p", [("pg", None, None)]),
        (
            "ConnectionStrings__Sql",
            "Data Source=tcp:mssql,1433;Initial Catalog=x;Password=p",
            [("mssql", 1433, None)],
        ),
        ("ConnectionStrings__Sql", "Server=mssql\\SQLEXPRESS;Database=x", [("mssql", None, None)]),
        (
            "ConnectionStrings__Cache",
            "redis:6380,password=p,abortConnect=false",
            [("redis", 6380, None)],
        ),
        ("OTLP_ENDPOINT", "http://[::1]:4317", []),
        ("API_URL", "http://api:8080/find?email=a@b.example", [("api", 8080, "http")]),
        ("DATABASE_URL", "postgres://", []),
        ("API_URL", "http://:8080/x", []),
        ("API_URL", "://db:5432", []),
        ("API_URL", "http://db:5432:99/x", []),
        (
            "DATABASE_URL",
            "mongodb+srv://u:p@cluster0.example.net/db",
            [("cluster0.example.net", None, "mongodb+srv")],
        ),
        ("LOG_LEVEL", "debug", []),
        ("ORDER_QUEUE", "orders:confirm", []),
    ],
)
def test_addresses_in_every_common_shape(name, value, expected):
    assert _pairs(name, value) == expected


def test_a_password_never_leaves_the_parser():
    secret = "hunter2-Zx9"
    values = [
        f"postgres://admin:{secret}@db:5432/x",
        f"redis://:{secret}@cache:6379/0",
        f"postgres://admin:{secret}/with/slash@db:5432/x",
        f"Server=db;Port=5432;Password={secret}",
        f"cache:6379,password={secret}",
        f"jdbc:sqlserver://sql:1433;password={secret}",
    ]
    for value in values:
        for address in addresses_in("DATABASE_URL", value):
            assert secret not in repr(address)
            assert address.host in ("db", "cache", "sql")


def test_a_password_with_a_slash_does_not_hide_the_host():
    assert _pairs("DATABASE_URL", "postgres://u:pa/ss@db:5432/x") == [("db", 5432, "postgres")]


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("cart:99999", "port 99999 is out of range (1-65535)"),
        ("cart:0", "port 0 is out of range (1-65535)"),
        ("cart:${CART_PORT}", None),  # not a host:port at all once the port is not digits
        ("cart:http", "the port is not a number"),
    ],
)
def test_unusable_ports_are_reported_without_the_value(value, problem):
    found = addresses_in("CART_ADDR", value)
    if problem is None:
        assert all(a.port is None for a in found)
        return
    assert found == (Address("cart", None, None, False, problem),)


def test_host_and_port_settings_pair_up():
    paired = paired_addresses(
        {"DB_HOST": "db", "DB_PORT": "5433", "spring.redis.host": "cache", "spring.redis.port": "6380",
         "LONELY_HOST": "x", "BAD_HOST": "api", "BAD_PORT": "70000"}
    )  # fmt: skip
    assert paired["DB_HOST"] == Address("db", 5433)
    assert paired["spring.redis.host"] == Address("cache", 6380)
    assert "LONELY_HOST" not in paired
    assert paired["BAD_HOST"].port is None and "out of range" in (paired["BAD_HOST"].problem or "")


def test_setting_addresses_prefers_the_pair_over_the_bare_host():
    found = setting_addresses([("DB_HOST", "db", None), ("DB_PORT", "5433", None)])
    assert [(f.key, f.address.host, f.address.port) for f in found] == [("DB_HOST", "db", 5433)]


def test_only_address_shaped_values_may_name_a_host():
    assert may_name_address("DATABASE_URL", "postgres://db/x")
    assert may_name_address("ADMINER_DEFAULT_SERVER", "postgres")
    assert may_name_address("ZOOKEEPER_CONNECT", "zk:2181")
    assert may_name_address("ConnectionStrings__Db", "Server=db;Database=x")
    assert not may_name_address("POSTGRES_USER", "checkout")
    assert not may_name_address("ORDER_QUEUE", "orders:confirm")


def test_huge_and_long_list_values_are_bounded():
    value = ",".join(f"h{i}:{1000 + i}" for i in range(10_000))
    found = addresses_in("KAFKA_BROKERS", value)
    assert 0 < len(found) <= 32
    assert addresses_in("URL", "http://" + "a" * 1_000_000) == ()


@given(st.text(max_size=300), st.text(max_size=300))
def test_the_parser_never_crashes_and_never_returns_a_userinfo(name, value):
    for address in addresses_in(name, value):
        assert "@" not in address.host and ":" not in address.host
        assert address.port is None or 1 <= address.port <= 65535
