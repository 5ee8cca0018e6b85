from dorgu.settings.masking import display_value


def test_credentials_in_urls_are_masked_wherever_they_sit():
    assert display_value(("prometheus", "url"), "http://user:s3cret@prom:9090/x") == (
        "http://****@prom:9090/x"
    )
    assert display_value(("llm", "base_url"), "https://tok@api.example/v1") == (
        "https://****@api.example/v1"
    )
    assert display_value(("x",), {"u": ["http://a:b@h"]}) == {"u": ["http://****@h"]}


def test_values_that_only_contain_an_at_sign_are_left_alone():
    assert display_value(("owner",), "team@example.org") == "team@example.org"
    assert display_value(("x",), "http://h/path@v1") == "http://h/path@v1"
