"""The pure parts, without I/O: email and password rules, client addresses, the token codec and the throttle."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from backend.counters.memory import MemoryCounters
from backend.domain.accounts import check_new_password, check_time_zone, normalize_email
from backend.domain.preferences import Preferences, load_preferences
from backend.errors import Invalid, RateLimited, Unauthorized
from backend.services.accounts.addresses import client_address, parse_networks
from backend.services.accounts.passwords import PasswordHasher, Verified
from backend.services.accounts.throttle import LoginThrottle
from backend.services.accounts.tokens import TokenCodec

KEY = "k" * 48
NOW = datetime(2030, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (" Ada@Example.COM ", "ada@example.com"),
        ("first.last+tag@sub.example.org", "first.last+tag@sub.example.org"),
        ("user@bücher.example", "user@xn--bcher-kva.example"),
    ],
)
def test_emails_are_normalized(raw: str, expected: str) -> None:
    assert normalize_email(raw) == expected


@pytest.mark.parametrize(
    "raw",
    ["", "plain", "@example.com", "a@", "a..b@example.com", ".a@example.com", "a@example", "a@1.2.3.4", "a@b_c.com"],
)
def test_implausible_emails_are_refused(raw: str) -> None:
    with pytest.raises(Invalid):
        normalize_email(raw)


def test_password_rules() -> None:
    assert check_new_password("eight ch") == "eight ch"
    fullwidth = "".join(chr(ord(c) + 0xFEE0) for c in "fullwidth")
    assert check_new_password(fullwidth + " ok") == "fullwidth ok"  # NFKC: one passphrase, one hash
    for bad in ("seven c", "x" * 1025, "PASSWORD", "12345678"):
        with pytest.raises(Invalid):
            check_new_password(bad)
    with pytest.raises(Invalid):
        check_new_password("Me@Example.com", email="me@example.com")


def test_time_zones() -> None:
    assert check_time_zone("America/Sao_Paulo") == "America/Sao_Paulo"
    with pytest.raises(Invalid):
        check_time_zone("GMT+25")


def test_preferences_fill_in_defaults() -> None:
    prefs = load_preferences({"privacy": {"share_diffs": True}})
    assert prefs.privacy.share_diffs is True
    assert prefs.editor.severity.conflict == "warning"
    assert Preferences() == load_preferences({})


def test_client_address() -> None:
    proxies = parse_networks(("10.0.0.0/8", "192.0.2.1"))
    assert client_address("203.0.113.5", "198.51.100.1", proxies) == "203.0.113.5"
    assert client_address("10.1.2.3", None, proxies) == "10.1.2.3"
    assert client_address("10.1.2.3", "198.51.100.1", proxies) == "198.51.100.1"
    assert client_address("10.1.2.3", "6.6.6.6, 198.51.100.1, 192.0.2.1", proxies) == "198.51.100.1"
    assert client_address("10.1.2.3", "192.0.2.1, 10.9.9.9", proxies) == "192.0.2.1"
    assert client_address("10.1.2.3", "not-an-ip, 198.51.100.1", proxies) == "198.51.100.1"
    assert client_address("10.1.2.3", "198.51.100.1, not-an-ip", proxies) == "10.1.2.3"
    assert client_address(None, "198.51.100.1", proxies) == ""


def codec(at: datetime) -> TokenCodec:
    return TokenCodec(
        key=KEY, issuer="https://tandem.test", ttls={"access": 60, "refresh": 3600, "ws": 30}, clock=lambda: at
    )


def test_codec_round_trip_and_expiry() -> None:
    token, minted = codec(NOW).mint("access", user_id="u1", session_id="s1")
    claims = codec(NOW + timedelta(seconds=59)).decode(token, "access")
    assert claims == minted
    with pytest.raises(Unauthorized) as err:
        codec(NOW + timedelta(seconds=60)).decode(token, "access")
    assert err.value.code == "token_expired"
    with pytest.raises(Unauthorized) as err:
        codec(NOW).decode(token, "refresh")
    assert err.value.code == "token_invalid"
    assert "access token" in err.value.message


def test_codec_refuses_another_issuer() -> None:
    token, _ = codec(NOW).mint("ws", user_id="u1")
    other = TokenCodec(key=KEY, issuer="https://elsewhere.test", ttls={"ws": 30}, clock=lambda: NOW)
    with pytest.raises(Unauthorized) as err:
        other.decode(token, "ws")
    assert err.value.code == "token_invalid"


async def test_throttle_locks_until_the_window_passes() -> None:
    now = [0.0]
    throttle = LoginThrottle(MemoryCounters(clock=lambda: now[0]), per_account=2, per_address=10, window=60)
    for _ in range(2):
        await throttle.check("a@example.com", "192.0.2.1")
        await throttle.failed("a@example.com", "192.0.2.1")
    with pytest.raises(RateLimited) as err:
        await throttle.check("a@example.com", "192.0.2.1")
    assert err.value.retry_after == 60
    await throttle.check("b@example.com", "192.0.2.1")
    now[0] = 45.0
    with pytest.raises(RateLimited) as err:
        await throttle.check("a@example.com")
    assert err.value.retry_after == 15
    now[0] = 60.0
    await throttle.check("a@example.com", "192.0.2.1")


async def test_hashes_are_argon2id_and_upgraded_when_the_cost_changes() -> None:
    cheap = PasswordHasher(memory_kib=8, time_cost=1, parallelism=1)
    stored = await cheap.hash("correct horse battery staple")
    assert stored.startswith("$argon2id$v=19$m=8,t=1,p=1$")
    assert await cheap.verify("correct horse battery staple", stored) == Verified(ok=True)
    assert await cheap.verify("wrong horse battery staple", stored) == Verified(ok=False)
    assert await cheap.verify("anything", "not a hash") == Verified(ok=False)
    dearer = PasswordHasher(memory_kib=16, time_cost=2, parallelism=1)
    assert await dearer.verify("correct horse battery staple", stored) == Verified(ok=True, needs_rehash=True)
