import pytest
from hypothesis import given
from hypothesis import strategies as st

from dorgu.errors import ConfigError
from dorgu.models.config import AppSection, EffectiveSettings, NamingSection
from dorgu.settings.naming import is_dns_label, render_name, resource_name, sanitize_name

VARS = {"app": "Shop API", "team": "Payments_EU", "env": "production", "namespace": "shop"}


def test_patterns_substitute_and_sanitise_to_dns_1123():
    assert render_name("{team}-{app}-{env}", VARS) == "payments-eu-shop-api-production"
    assert render_name("{app}", {"app": "Café--Über__App!"}) == "cafe-uber-app"


def test_unset_variables_disappear_without_leaving_dashes():
    assert render_name("{team}-{app}-{env}", {"app": "shop"}) == "shop"


def test_unknown_variables_name_the_pattern_and_the_valid_ones():
    with pytest.raises(ConfigError) as caught:
        render_name("{team}-{service}", VARS)
    message = str(caught.value)
    assert "'{team}-{service}'" in message
    assert "{service}" in message
    assert "{namespace}" in message


@pytest.mark.parametrize("pattern", ["{app", "app}", "{{app}}", "{}"])
def test_stray_braces_are_config_errors(pattern):
    with pytest.raises(ConfigError):
        render_name(pattern, VARS)


def test_empty_results_are_config_errors():
    with pytest.raises(ConfigError, match="empty name"):
        render_name("{team}", {"app": "x"})


def test_long_names_are_truncated_with_a_stable_hash_suffix():
    long_app = "a-really-long-application-name-that-goes-on-and-on-and-on-forever"
    name = render_name("{team}-{app}", {"team": "platform", "app": long_app})
    assert len(name) == 63
    assert name == render_name("{team}-{app}", {"team": "platform", "app": long_app})
    assert name == "platform-a-really-long-application-name-that-goes-on-a-f122731b"
    other = render_name("{team}-{app}", {"team": "platform", "app": long_app + "x"})
    assert other != name
    assert other[:53] == name[:53]


def test_length_limit_is_a_parameter():
    name = sanitize_name("x" * 300, max_length=253)
    assert len(name) == 253
    assert is_dns_label(name, max_length=253)
    with pytest.raises(ValueError, match="max_length"):
        sanitize_name("abc", max_length=5)


def test_resource_name_uses_settings_and_appends_components():
    settings = EffectiveSettings(
        app=AppSection(name="shop", team="pay"),
        environment="prod",
        naming=NamingSection(pattern="{team}-{app}-{env}"),
    )
    assert resource_name(settings) == "pay-shop-prod"
    assert resource_name(settings, component="worker") == "pay-shop-prod-worker"
    assert resource_name(settings, component="shop") == "pay-shop-prod"


@given(
    pattern=st.text(max_size=80),
    values=st.dictionaries(
        st.sampled_from(["app", "team", "env", "namespace", "component", "owner"]),
        st.text(max_size=100),
    ),
    max_length=st.integers(min_value=10, max_value=253),
)
def test_any_pattern_gives_a_valid_name_or_a_config_error(pattern, values, max_length):
    try:
        name = render_name(pattern, values, max_length=max_length)
    except ConfigError:
        return
    assert is_dns_label(name, max_length=max_length)


@given(st.text(max_size=400))
def test_sanitising_is_idempotent_and_stable(text):
    once = sanitize_name(text)
    assert sanitize_name(once) == once
    assert once == "" or is_dns_label(once)
