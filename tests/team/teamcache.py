"""The team cache the tests share between processes: URLs and a child's environment."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from resources import POSTGRES_URL

from mastcache.settings import Settings

PG_ADMIN = POSTGRES_URL


def catalog_url(admin_url: str, schema: str) -> str:
    """mastcache's catalog URL on ``schema`` of the server behind ``admin_url``."""
    url = admin_url.replace("postgresql://", "postgresql+psycopg://", 1)
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}options=-csearch_path%3D{schema}"


AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "mastcache-test",
    "AWS_SECRET_ACCESS_KEY": "mastcache-test-secret",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@dataclass(frozen=True)
class Team:
    """One team cache: a catalog URL, a store URL and the S3 endpoint."""

    catalog_url: str
    store_url: str
    endpoint: str
    mast_url: str

    def settings(self, cache_dir: Path, **changes: object) -> Settings:
        """A machine's settings: its own local cache dir, the shared team cache."""
        return Settings.from_env(
            {},
            cache_dir=cache_dir,
            catalog_url=self.catalog_url,
            store_url=self.store_url,
            s3_endpoint_url=self.endpoint,
            mast_url=self.mast_url,
            **changes,
        )

    def environ(self, cache_dir: Path, mode: str = "cache-first") -> dict[str, str]:
        """Environment of a child process acting as one machine of the team."""
        return {
            **os.environ,
            **AWS_ENV,
            "MASTCACHE_DIR": str(cache_dir),
            "MASTCACHE_CATALOG_URL": self.catalog_url,
            "MASTCACHE_STORE_URL": self.store_url,
            "MASTCACHE_S3_ENDPOINT_URL": self.endpoint,
            "MASTCACHE_MAST_URL": self.mast_url,
            "MASTCACHE_MODE": mode,
        }
