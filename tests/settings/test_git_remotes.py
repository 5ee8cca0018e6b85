import pytest

from dorgu.settings.repositories import parse_git_remotes, preferred_remote, web_url

GIT_CONFIG = """\
[core]
\trepositoryformatversion = 0
[remote "upstream"]
\turl = https://github.com/upstream/shop.git
[remote "origin"]
\t# a comment
\turl = git@github.com:acme/shop.git
\tfetch = +refs/heads/*:refs/remotes/origin/*
[branch "main"]
\tremote = origin
"""


def test_remotes_are_parsed_and_origin_is_preferred():
    remotes = parse_git_remotes(GIT_CONFIG)
    assert remotes == {
        "upstream": "https://github.com/upstream/shop.git",
        "origin": "git@github.com:acme/shop.git",
    }
    assert preferred_remote(remotes) == "git@github.com:acme/shop.git"
    assert preferred_remote({"fork": "x"}) == "x"
    assert preferred_remote({}) is None


@pytest.mark.parametrize(
    ("remote", "url"),
    [
        ("git@github.com:acme/shop.git", "https://github.com/acme/shop.git"),
        (
            "ssh://git@gitlab.example.com:2222/team/shop.git",
            "https://gitlab.example.com/team/shop.git",
        ),
        ("git://example.org/shop.git", "https://example.org/shop.git"),
        ("https://token@github.com/acme/shop.git", "https://token@github.com/acme/shop.git"),
        ("/srv/git/shop.git", None),
        ("../shop", None),
        ("file:///srv/git/shop.git", None),
    ],
)
def test_remotes_become_https_urls_without_user_names(remote, url):
    assert web_url(remote) == url
