"""The session-signing key: from [admin] secret_key, else generated once and kept on disk.

Every web process must sign with the same key, so a generated key is written to a file
that they all see: beside the SQLite database, or in the shared file store otherwise.
"""
from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.config_sections import Config

KEY_FILE = "admin_secret_key"


def key_dir(config: Config) -> Path:
    """The folder that holds generated admin files (the key, the demo password)."""
    url = make_url(config.database.url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database).absolute().parent
    return Path(config.files.dir).absolute()


def secret_key(config: Config) -> str:
    """The configured key, or the generated one (created on first use)."""
    if config.admin.secret_key:
        return config.admin.secret_key
    path = key_dir(config) / KEY_FILE
    if not path.exists():
        write_once(path, secrets.token_hex(32))
    return path.read_text(encoding="utf-8").strip()


def write_once(path: Path, text: str) -> bool:
    """Create a private file atomically unless it exists; True if this call created it.

    Several processes may start at once: the first link wins, the others read its key.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text + "\n")
            out.flush()
            os.fsync(out.fileno())
        try:
            os.link(tmp, path)
            return True
        except FileExistsError:
            return False
    finally:
        os.unlink(tmp)
