"""Repository identity: every spelling of a git remote URL normalised to one ``host/org/repo`` key."""

from __future__ import annotations

import posixpath
import re
from urllib.parse import unquote, urlsplit

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
# git's scp-like syntax: [user@]host:path, where the host has no slash and the path does not start with "//".
_SCP = re.compile(r"^(?:[^@/]+@)?(?P<host>\[[^\]]+\]|[^:/\[\]]+):(?!//)(?P<path>.*)$")
_WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:[\\/]")


def normalize_remote_url(url: str, *, relative_to: str | None = None) -> str | None:
    """The identity of the repository behind a remote URL, or None when the URL names nothing usable.

    ``git@host:org/repo.git``, ``ssh://git@host:22/org/repo``, ``https://user:token@Host/org/repo.git/`` all
    give ``host/org/repo``: scheme, user, password or token, port, query and fragment are dropped, the
    ``.git`` suffix and surrounding slashes are stripped, and the whole identity is lower-cased (forges treat
    owner and repository names case-insensitively). Local remotes (``/srv/git/repo.git``,
    ``file:///srv/git/repo``) keep their absolute path (``/srv/git/repo``); a relative local path is resolved
    against ``relative_to`` (the working copy's root) or gives None without it. Credentials never survive.
    """
    url = url.strip()
    if not url:
        return None
    if _SCHEME.match(url):
        return _from_url(url)
    if _WINDOWS_DRIVE.match(url):
        return _local(url.replace("\\", "/"), relative_to)
    scp = _SCP.match(url)
    if scp and "/" not in scp.group("host"):
        return _join(scp.group("host"), scp.group("path"))
    return _local(url, relative_to)


def _from_url(url: str) -> str | None:
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme.lower() == "file":
        return _local(unquote(parts.path), None)
    if not host:
        return None
    if ":" in host:  # IPv6 literal: keep the brackets so the identity stays unambiguous
        host = f"[{host}]"
    return _join(host, unquote(parts.path))


def _join(host: str, path: str) -> str | None:
    host = host.strip().lower().rstrip(".")
    repo_path = _clean_path(path)
    if not host or not repo_path:
        return None
    return f"{host}/{repo_path}"


def _clean_path(path: str) -> str:
    path = posixpath.normpath("/" + path.strip()).strip("/")
    path = path.removeprefix("~")  # scp-style home paths: host:~/repo and host:repo are the same place
    path = path.strip("/")
    path = path.removesuffix(".git").rstrip("/")
    return "" if path in ("", ".") else path.lower()


def _local(path: str, relative_to: str | None) -> str | None:
    if not posixpath.isabs(path) and not _WINDOWS_DRIVE.match(path):
        if relative_to is None:
            return None
        path = posixpath.join(relative_to.replace("\\", "/"), path)
    cleaned = _clean_path(path.replace("\\", "/"))
    if not cleaned:
        return None
    return cleaned if _WINDOWS_DRIVE.match(cleaned) else "/" + cleaned
