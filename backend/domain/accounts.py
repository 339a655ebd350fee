"""Pure account rules: email addresses, the password policy, profile fields and presence statuses."""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from typing import Literal
from urllib.parse import urlsplit
from zoneinfo import available_timezones

from backend.errors import Invalid

PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_LENGTH = 1024
"""Long passphrases are welcome; the cap only bounds the hashing work an attacker can ask for."""
EMAIL_MAX_LENGTH = 254
STATUS_TEXT_MAX_LENGTH = 100
Status = Literal["online", "away", "busy", "offline"]

# A few passwords every guessing list starts with; not a breach corpus, just the most obvious ones.
_COMMON_PASSWORDS = frozenset(
    {
        "password",
        "password1",
        "password123",
        "passw0rd",
        "12345678",
        "123456789",
        "1234567890",
        "11111111",
        "00000000",
        "qwertyuiop",
        "qwerty123",
        "iloveyou",
        "abc12345",
        "letmein1",
        "welcome1",
        "sunshine",
        "baseball",
        "football",
        "superman",
        "trustno1",
    }
)
_LOCAL = re.compile(r"^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def field_error(field: str, message: str, kind: str) -> Invalid:
    """An ``Invalid`` carrying the same detail shape as body validation errors."""
    return Invalid(message, details=[{"loc": [field], "msg": message, "type": kind}])


def normalize_email(raw: str) -> str:
    """Return the address lower-cased and trimmed, or raise ``Invalid`` if it is not a plausible address."""
    email = raw.strip().lower()
    local, at, domain = email.rpartition("@")
    try:
        domain = domain.encode("idna").decode("ascii") if domain else domain
    except UnicodeError:
        domain = ""
    labels = domain.split(".")
    plausible = (
        at == "@"
        and len(email) <= EMAIL_MAX_LENGTH
        and 0 < len(local) <= 64
        and _LOCAL.match(local) is not None
        and len(labels) >= 2
        and all(_LABEL.match(label) for label in labels)
        and not labels[-1].isdigit()
    )
    if not plausible:
        raise field_error("email", "not a valid email address", "email")
    return f"{local}@{domain}"


def normalize_password(password: str) -> str:
    """NFKC-normalize, so the same passphrase typed on different keyboards hashes the same (NIST 800-63B)."""
    return unicodedata.normalize("NFKC", password)


def check_new_password(password: str, *, email: str = "") -> str:
    """Apply the password policy (length, not an obvious choice) and return the normalized password.

    No composition rules: length is what makes a password strong, and passphrases are encouraged.
    """
    normalized = normalize_password(password)
    if len(normalized) < PASSWORD_MIN_LENGTH:
        raise field_error("password", f"use at least {PASSWORD_MIN_LENGTH} characters", "too_short")
    if len(normalized) > PASSWORD_MAX_LENGTH:
        raise field_error("password", f"use at most {PASSWORD_MAX_LENGTH} characters", "too_long")
    folded = normalized.casefold()
    if folded in _COMMON_PASSWORDS or (email and folded == email.casefold()):
        raise field_error("password", "this password is too easy to guess; a few random words work well", "common")
    return normalized


def check_avatar_url(url: str | None) -> str | None:
    """Accept an absolute http(s) URL (or None to clear the avatar)."""
    if url is None or url == "":
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or any(c.isspace() for c in url):
        raise field_error("avatar_url", "the avatar must be an http or https URL", "url")
    return url


@cache
def _time_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def check_time_zone(name: str) -> str:
    """Accept an IANA time zone name such as ``Europe/Paris``. Reads the tz database once (blocking)."""
    if name not in _time_zones():
        raise field_error("time_zone", f"unknown time zone {name!r}; use an IANA name such as Europe/Paris", "zone")
    return name


def check_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if len(cleaned) > 200:
        raise field_error("name", "use at most 200 characters", "too_long")
    return cleaned
