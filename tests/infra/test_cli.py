"""The ``tandem`` command: readable configuration errors, the config file, the secret key, ``tandem db``."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from backend.settings import SECRET_KEY_FILE, Settings
from backend.store.migrate import head_revision
from tandem.cli import main
from tests.infra.processes import run_tandem, tandem_env


def cli_error(monkeypatch: pytest.MonkeyPatch, *argv: str, **settings: str) -> str:
    """Run ``tandem argv`` in this process with ``settings`` in the environment; return its error message."""
    for name, value in settings.items():
        monkeypatch.setenv(f"TANDEM_{name.upper()}", value)
    with pytest.raises(SystemExit) as exit_info:
        main(list(argv))
    assert isinstance(exit_info.value.code, str), "a readable message, not a bare exit status"
    return exit_info.value.code


@pytest.mark.slow
def test_bad_setting_is_reported_without_traceback(tmp_path: Path) -> None:
    result = run_tandem("server", env=tandem_env(port="abc", data_dir=str(tmp_path)))
    assert result.returncode != 0
    assert "TANDEM_PORT" in result.stderr
    assert "valid integer" in result.stderr
    assert "Traceback" not in result.stderr


def test_secrets_are_not_echoed_in_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    message = cli_error(monkeypatch, "db", "current", database_url="mysql://u:hunter2@db/x", data_dir=str(tmp_path))
    assert "TANDEM_DATABASE_URL" in message
    assert "hunter2" not in message


def test_config_file_is_read_and_the_environment_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "tandem.toml"
    config.write_text('port = 9123\nlog_format = "text"\nallowed_origins = ["https://a.example"]\n')
    monkeypatch.setenv("TANDEM_CONFIG_FILE", str(config))
    monkeypatch.setenv("TANDEM_LOG_FORMAT", "json")
    settings = Settings()
    assert settings.port == 9123
    assert settings.allowed_origins == ("https://a.example",)
    assert settings.log_format == "json"


def test_broken_config_file_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "tandem.toml"
    config.write_text("port = [\n")
    monkeypatch.setenv("TANDEM_CONFIG_FILE", str(config))
    assert "is not valid TOML" in cli_error(monkeypatch, "db", "current", data_dir=str(tmp_path))
    config.write_text("prot = 1\n")
    assert "`prot` in the config file: not a Tandem setting" in cli_error(monkeypatch, "db", "current")
    config.unlink()
    assert "cannot read TANDEM_CONFIG_FILE" in cli_error(monkeypatch, "db", "current")


def test_secret_key_is_created_once_with_0600(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    key = settings.signing_key()
    path = tmp_path / "data" / SECRET_KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(key) >= 32
    assert Settings(data_dir=tmp_path / "data").signing_key() == key
    assert Settings(data_dir=tmp_path / "other").signing_key() != key


async def test_server_start_creates_the_secret_key(tmp_path: Path) -> None:
    from aiohttp.test_utils import TestClient, TestServer

    from backend.app import create_app

    settings = Settings(data_dir=tmp_path / "data", log_format="text")
    async with TestClient(TestServer(create_app(settings))) as client:
        assert (await client.get("/healthz")).status == 200
        assert (tmp_path / "data" / SECRET_KEY_FILE).exists()


@pytest.mark.slow
def test_db_upgrade_current_downgrade_in_subprocesses(tmp_path: Path) -> None:
    env = tandem_env(data_dir=str(tmp_path / "data"))

    def tandem_db(*args: str) -> str:
        result = run_tandem("db", *args, env=env)
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    assert tandem_db("upgrade") == f"database at revision {head_revision()} (head)"
    assert (tmp_path / "data" / "tandem.db").exists()
    assert tandem_db("downgrade").startswith("database at revision (empty)")
    assert tandem_db("current") == f"database at revision (empty) (head is {head_revision()})"


def test_db_commands_on_postgres(
    empty_postgres_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TANDEM_DATABASE_URL", empty_postgres_url)

    def tandem_db(*args: str) -> str:
        assert main(["db", *args]) == 0
        return capsys.readouterr().out.strip()

    assert tandem_db("current") == f"database at revision (empty) (head is {head_revision()})"
    assert tandem_db("upgrade") == f"database at revision {head_revision()} (head)"
    assert tandem_db("downgrade").startswith("database at revision (empty)")


def test_db_command_on_an_unreachable_database_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    message = cli_error(monkeypatch, "db", "upgrade", database_url="postgresql://postgres@127.0.0.1:1/nothing")
    assert message.startswith("tandem: database upgrade failed")


@pytest.mark.slow
def test_scale_out_server_refuses_a_schema_behind_head(empty_postgres_url: str, redis_url: str, tmp_path: Path) -> None:
    env = tandem_env(database_url=empty_postgres_url, redis_url=redis_url, data_dir=str(tmp_path), secret_key="k" * 40)
    result = run_tandem("server", "--port", "0", env=env)
    assert result.returncode != 0
    assert "run `tandem db upgrade` first" in result.stderr
    assert "Traceback" not in result.stderr
