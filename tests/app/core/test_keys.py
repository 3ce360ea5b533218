"""The certificate signing key: from the environment, or generated once on first run and kept in a
file outside the database (beside a SQLite file), the same for every worker that starts at once."""

import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from app.core.config import Settings
from app.core.keys import CertificateKeyError, certificate_key, key_file


def test_a_key_is_generated_on_first_run_beside_the_database_and_kept(tmp_path: Path) -> None:
    settings = Settings(DATABASE_URL=f"sqlite:///{tmp_path / 'peilian.db'}")
    path = tmp_path / "peilian.certificate.key"
    assert key_file(settings) == path and not path.exists()
    first = certificate_key(settings)
    assert path.is_file() and len(first) >= 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # only the server's user reads it
    assert certificate_key(settings) == first  # the next start reads the same key
    assert [p.name for p in tmp_path.iterdir()] == ["peilian.certificate.key"]  # no draft left behind


def test_workers_starting_at_once_all_get_the_same_key(tmp_path: Path) -> None:
    settings = Settings(DATABASE_URL="postgresql://u@127.0.0.1/none", certificate_key_file=tmp_path / "k" / "cert.key")
    with ThreadPoolExecutor(max_workers=8) as pool:
        keys = set(pool.map(lambda _: certificate_key(settings), range(16)))
    assert len(keys) == 1 and (tmp_path / "k" / "cert.key").read_bytes().strip() == keys.pop()


def test_the_environment_wins_and_a_short_secret_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PEILIAN_CERTIFICATE_KEY", "s" * 40)
    settings = Settings(DATABASE_URL=f"sqlite:///{tmp_path / 'peilian.db'}")
    assert certificate_key(settings) == b"s" * 40 and not any(tmp_path.iterdir())
    monkeypatch.setenv("PEILIAN_CERTIFICATE_KEY", "too-short")
    with pytest.raises(ValueError, match="certificate_key"):
        Settings()


def test_a_damaged_key_file_stops_the_start_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "cert.key"
    path.write_text("abc\n")
    with pytest.raises(CertificateKeyError, match=str(path)):
        certificate_key(Settings(DATABASE_URL="sqlite://", certificate_key_file=path))


def test_an_in_memory_database_gets_a_key_that_dies_with_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    monkeypatch.setenv("HOME", str(tmp_path))
    settings = Settings(DATABASE_URL="sqlite://")
    assert key_file(settings) is None
    assert certificate_key(settings) != certificate_key(settings) and not any(tmp_path.iterdir())
    pg = Settings(DATABASE_URL="postgresql://u@h/db")
    assert key_file(pg) == tmp_path / "peilian" / "certificate.key"
