"""Remote URL normalisation: every spelling of one repository gives one identity, never with credentials."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tandem.remotes import normalize_remote_url


@pytest.mark.parametrize(
    "url",
    [
        "git@github.com:Org/Repo.git",
        "git@github.com:org/repo",
        "ssh://git@github.com/org/repo.git",
        "ssh://git@github.com:22/org/repo",
        "git+ssh://git@github.com/org/repo.git",
        "https://github.com/org/repo",
        "https://github.com/org/repo.git/",
        "https://user:token@GitHub.com/org/repo.git/",
        "https://x-access-token:ghp_secret@github.com:443/org/repo",
        "http://github.com/org/repo?ref=main#frag",
        "git://github.com/org/repo.git",
        "github.com:org/repo.git",
        "  https://github.com//org/repo  ",
    ],
)
def test_spellings_of_one_repository_agree(url: str) -> None:
    assert normalize_remote_url(url) == "github.com/org/repo"


@pytest.mark.parametrize(
    ("url", "identity"),
    [
        ("git@gitlab.example.com:group/sub/project.git", "gitlab.example.com/group/sub/project"),
        ("https://gitlab.example.com/group/sub/project", "gitlab.example.com/group/sub/project"),
        ("ssh://git@[::1]:2222/org/repo.git", "[::1]/org/repo"),
        ("git@host:~/repo.git", "host/repo"),
        ("https://host/org/my%20repo.git", "host/org/my repo"),
        ("/srv/git/Repo.git", "/srv/git/repo"),
        ("file:///srv/git/repo.git/", "/srv/git/repo"),
        ("C:\\repos\\Project.git", "c:/repos/project"),
    ],
)
def test_identities(url: str, identity: str) -> None:
    assert normalize_remote_url(url) == identity


def test_relative_local_path_needs_the_working_copy() -> None:
    assert normalize_remote_url("../origin.git") is None
    assert normalize_remote_url("../origin.git", relative_to="/home/dev/work") == "/home/dev/origin"


@pytest.mark.parametrize("url", ["", "   ", "https://", "https://host", "https://host/.git", "git@host:", "ssh://[bad"])
def test_unusable_urls(url: str) -> None:
    assert normalize_remote_url(url) is None


_segment = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,12}", fullmatch=True).filter(
    lambda s: not s.lower().endswith(".git") and s not in (".", "..") and ".." not in s
)
_host = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?(\.[a-z]{2,5}){1,2}", fullmatch=True)
_secret = st.from_regex(r"[A-Za-z0-9]{6,20}", fullmatch=True)


@given(host=_host, path=st.lists(_segment, min_size=1, max_size=4), user=_secret, token=_secret)
def test_all_spellings_agree_and_drop_credentials(host: str, path: list[str], user: str, token: str) -> None:
    joined = "/".join(path)
    spellings = [
        f"git@{host}:{joined}.git",
        f"ssh://git@{host}/{joined}",
        f"ssh://{user}@{host.upper()}:2222/{joined}.git",
        f"https://{host}/{joined}",
        f"https://{user}:{token}@{host}/{joined}.git/",
    ]
    identities = {normalize_remote_url(url) for url in spellings}
    # Exactly host/path: user names, tokens and ports cannot survive.
    assert identities == {f"{host}/{joined}".lower()}
