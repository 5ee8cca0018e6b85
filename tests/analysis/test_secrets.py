import pytest

from dorgu.analysis.secrets import looks_secret, strip_url_credentials, url_has_credentials


@pytest.mark.parametrize(
    "name",
    [
        "DB_PASSWORD",
        "POSTGRES_PASSWORD",
        "API_KEY",
        "GITHUB_TOKEN",
        "JWT_SECRET",
        "AWS_SECRET_ACCESS_KEY",
        "STRIPE_API_KEY",
        "DATABASE_URL",
        "SENTRY_DSN",
        "CLIENT_SECRET",
        "SESSION_KEY",
        "MONGO_CONNECTION_STRING",
    ],
)
def test_secret_names_are_recognised(name):
    assert looks_secret(name)


@pytest.mark.parametrize(
    "name", ["PORT", "LOG_LEVEL", "NODE_ENV", "PASSWORD_FILE", "AUTH_MODE", "REDIS_HOST"]
)
def test_ordinary_names_are_not_secret(name):
    assert not looks_secret(name, "x")


@pytest.mark.parametrize(
    "value",
    [
        "postgres://app:hunter2@db:5432/app",
        "AKIAABCDEFGHIJKLMNOP",
        "ghp_" + "a" * 36,
        "-----BEGIN RSA PRIVATE KEY-----",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abcdefghijkl",
    ],
)
def test_secret_values_make_any_name_secret(value):
    assert looks_secret("SOMETHING", value)


def test_credentials_are_stripped_from_urls():
    assert (
        strip_url_credentials("https://user:tok@github.com/org/repo.git")
        == "https://github.com/org/repo.git"
    )
    assert strip_url_credentials("https://github.com/org/repo") == "https://github.com/org/repo"
    assert url_has_credentials("redis://:pw@cache:6379")
    assert not url_has_credentials("redis://cache:6379")
