"""Settings from environment variables (prefix ``CROWDSET_``).

The secret key is never committed: when ``CROWDSET_SECRET_KEY`` is unset, a random key is
generated once into the keys folder (mode 0600) and reused on every start.

Secrets (the CSRF/session secret, the ledger signing key, the demo credentials) live in the keys
folder, and no request can name a file there: server-side import paths come only from the import
folder, which must not overlap the data or keys folder (checked when the settings load).
"""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CROWDSET_", extra="ignore")

    data_dir: Path = Field(default=Path("var"), description="Folder for the SQLite file, blobs, jobs")
    keys_dir: Path | None = Field(
        default=None, description="Folder for secrets and signing keys (mode 0700); default <data_dir>/keys"
    )
    import_dir: Path | None = Field(
        default=None,
        description="Folder of server-side files that managers may import, one sub-folder per organisation "
        "id (<import_dir>/<org id>/...); unset = importing by path is off",
    )
    database_url: str | None = Field(default=None, description="SQLAlchemy URL; default SQLite in data_dir")
    secret_key: str | None = Field(default=None, description="Signs sessions and CSRF tokens")
    jobs_url: str | None = Field(default=None, description="redis://... to run jobs on Redis workers")
    jobs_immediate: bool = Field(default=False, description="Run jobs inline (tests, scripts)")
    jobs_heartbeat_seconds: float = Field(default=5.0, gt=0, description="How often a running job says it is alive")
    jobs_stale_seconds: float = Field(
        default=120.0, gt=0, description="A running job silent this long is taken for dead and failed (or re-queued)"
    )
    uploads_orphan_hours: float = Field(
        default=6.0, gt=0, description="Files in <data_dir>/uploads this old that no live job owns are removed"
    )
    max_body_bytes: int = Field(default=10 * 1024 * 1024, description="Largest JSON request body")
    max_upload_bytes: int = Field(default=512 * 1024 * 1024, description="Largest file upload")
    trust_proxy_headers: bool = Field(
        default=False, description="A trusted proxy sets X-Forwarded-Proto (HTTPS detection for HSTS)"
    )
    argon2_profile: str = Field(default="default", description="default | test (cheap, for test suites)")
    login_max_failures: int = 5
    login_window_seconds: int = 900
    session_days: int = 14
    default_locale: str = "zh_CN"
    log_json: bool = False
    log_level: str = "INFO"

    def model_post_init(self, __context: object) -> None:
        self.data_dir = Path(self.data_dir).resolve()
        self.keys_dir = Path(self.keys_dir).resolve() if self.keys_dir else self.data_dir / "keys"
        if self.import_dir is not None:
            self.import_dir = Path(self.import_dir).resolve()
            for name, other in (("data_dir", self.data_dir), ("keys_dir", self.keys_dir)):
                if _overlaps(self.import_dir, other):
                    raise ValueError(
                        f"CROWDSET_IMPORT_DIR ({self.import_dir}) must not overlap CROWDSET_{name.upper()} ({other})"
                    )

    def ensure_keys_dir(self) -> Path:
        """The keys folder, created private to the platform's user."""
        assert self.keys_dir is not None
        self.keys_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        return self.keys_dir

    @property
    def sqlalchemy_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'crowdset.db'}"

    @property
    def is_sqlite(self) -> bool:
        return self.sqlalchemy_url.startswith("sqlite")

    def ensure_data_dir(self) -> Path:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return self.data_dir

    def resolved_secret_key(self) -> str:
        """The configured key, else the one stored in the keys folder (created on first use).

        A key left by an older version in the data directory itself is moved into the keys folder."""
        if self.secret_key:
            return self.secret_key
        path = self.ensure_keys_dir() / "secret_key"
        legacy = self.data_dir / "secret_key"
        if not path.exists() and legacy.is_file():
            os.replace(legacy, path)
        if not path.exists():
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:  # another process made it first: use theirs
                pass
            else:
                with os.fdopen(fd, "w") as fh:
                    fh.write(secrets.token_urlsafe(48))
        self.secret_key = path.read_text().strip()
        return self.secret_key


def _overlaps(a: Path, b: Path) -> bool:
    return a == b or a.is_relative_to(b) or b.is_relative_to(a)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def reset_settings() -> None:
    """Forget cached settings (tests change the environment between runs)."""
    get_settings.cache_clear()
