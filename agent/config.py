"""Where the agent keeps things: credentials in the config dir, socket and log in the runtime dir, links in repos.

``TANDEM_CONFIG_DIR`` and ``TANDEM_RUNTIME_DIR`` override the XDG locations, so two accounts can run side by
side on one machine. Credentials never go into a repository; ``.tandem.toml`` (which project a working copy
belongs to) does, and holds no secret.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import tomllib
from collections.abc import Mapping
from pathlib import Path

import orjson
from pydantic import BaseModel, ConfigDict, ValidationError

CREDENTIALS_FILE = "credentials.json"
LINK_FILE = ".tandem.toml"
SOCKET_NAME = "agent.sock"
LOCK_NAME = "agent.lock"
LOG_NAME = "agent.log"
OUTPUT_NAME = "agent.out"
PAUSED_NAME = "paused"
DEFAULT_SERVER = "http://127.0.0.1:8400"


class ConfigError(RuntimeError):
    """A configuration file is unreadable or a directory is unsafe; the message says which and why."""


class Credentials(BaseModel):
    """What ``tandem login`` saved: the server and a personal access token for it."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    server: str
    token: str
    email: str = ""
    user_id: str = ""
    token_id: str = ""


def config_dir(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    if env.get("TANDEM_CONFIG_DIR"):
        return Path(env["TANDEM_CONFIG_DIR"])
    base = env.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "tandem"


def runtime_dir(environ: Mapping[str, str] | None = None) -> Path:
    """``$TANDEM_RUNTIME_DIR``, else ``$XDG_RUNTIME_DIR/tandem``, else a private folder under the temp dir."""
    env = os.environ if environ is None else environ
    if env.get("TANDEM_RUNTIME_DIR"):
        return Path(env["TANDEM_RUNTIME_DIR"])
    if env.get("XDG_RUNTIME_DIR"):
        return Path(env["XDG_RUNTIME_DIR"]) / "tandem"
    return Path(tempfile.gettempdir()) / f"tandem-{os.getuid()}"


def private_dir(path: Path) -> Path:
    """Create ``path`` (mode 0700) or check that an existing one is ours and closed to others."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    st = path.stat()
    if st.st_uid != os.getuid():
        raise ConfigError(f"{path} belongs to another user; set TANDEM_RUNTIME_DIR to a folder of yours")
    if st.st_mode & 0o077:
        path.chmod(0o700)
    return path


def socket_path(runtime: Path) -> Path:
    return runtime / SOCKET_NAME


def load_credentials(directory: Path) -> Credentials | None:
    """The saved credentials, or None when ``tandem login`` was never run."""
    path = directory / CREDENTIALS_FILE
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as err:
        raise ConfigError(f"cannot read {path}: {err.strerror}") from err
    try:
        return Credentials.model_validate(orjson.loads(data))
    except (orjson.JSONDecodeError, ValidationError) as err:
        raise ConfigError(f"{path} is damaged ({err.__class__.__name__}); run `tandem login` again") from err


def save_credentials(directory: Path, credentials: Credentials) -> Path:
    """Write the credentials readable by the user only (0600, in a 0700 folder), atomically."""
    private_dir(directory)
    path = directory / CREDENTIALS_FILE
    fd, scratch = tempfile.mkstemp(prefix=".credentials-", dir=directory)  # mkstemp creates it 0600
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(orjson.dumps(credentials.model_dump(), option=orjson.OPT_INDENT_2))
        os.replace(scratch, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(scratch)
        raise
    return path


def read_link(root: Path) -> str | None:
    """The project id ``tandem init`` wrote to ``<root>/.tandem.toml``, if any."""
    path = root / LINK_FILE
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise ConfigError(f"{path} is not readable TOML: {err}") from err
    project = data.get("project_id")
    return project if isinstance(project, str) and project else None


def write_link(root: Path, project_id: str, project_name: str = "") -> Path:
    path = root / LINK_FILE
    comment = f"  # {project_name}" if project_name and "\n" not in project_name else ""
    path.write_text(
        "# Written by `tandem init`: the Tandem project this repository's working copies report to.\n"
        f"project_id = {orjson.dumps(project_id).decode()}{comment}\n",
        "utf-8",
    )
    return path
