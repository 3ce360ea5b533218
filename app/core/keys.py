"""The secret that signs certificates: from settings, or generated on first run and kept in a file.

The file lives outside the database (beside a SQLite file, or where PEILIAN_CERTIFICATE_KEY_FILE
says), so someone who can only write to the database still cannot sign a certificate.
"""

import logging
import os
import secrets
from pathlib import Path

from sqlalchemy.engine import make_url

from app.core.config import Settings

log = logging.getLogger(__name__)
MIN_CHARS = 32


class CertificateKeyError(RuntimeError):
    """The kept key cannot be used; the message names the file."""


def key_file(settings: Settings) -> Path | None:
    """Where the generated key is kept; None for an in-memory database (the key dies with it)."""
    if settings.certificate_key_file is not None:
        return settings.certificate_key_file
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:":
            return None
        database = Path(url.database)
        return database.with_name(f"{database.stem}.certificate.key")
    data_home = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return data_home / "peilian" / "certificate.key"


def _read(path: Path) -> bytes:
    text = path.read_text(encoding="utf-8").strip()
    if len(text) < MIN_CHARS:
        raise CertificateKeyError(f"{path}: the certificate key is shorter than {MIN_CHARS} characters")
    return text.encode()


def _create(path: Path) -> None:
    """Write a new key without ever exposing a half-written file; when several workers start at
    once, the first link wins and everyone reads that one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(secrets.token_hex(32) + "\n")
    try:
        os.link(draft, path)
        log.warning("generated a new certificate signing key", extra={"key_file": str(path)})
    except FileExistsError:
        pass
    finally:
        draft.unlink()


def certificate_key(settings: Settings) -> bytes:
    """The signing key: PEILIAN_CERTIFICATE_KEY, else the kept file (created on first run)."""
    if settings.certificate_key is not None:
        return settings.certificate_key.get_secret_value().encode()
    path = key_file(settings)
    if path is None:
        return secrets.token_hex(32).encode()
    if not path.exists():
        _create(path)
    log.info("certificate signing key", extra={"key_file": str(path)})
    return _read(path)
