"""Service settings, read from ``FLEET_*`` environment variables (pydantic-settings)."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    """What every service can be told through its environment."""

    model_config = SettingsConfigDict(env_prefix="FLEET_", env_file=".env", extra="ignore")

    environment: str = "dev"
    log_level: str = "INFO"
    max_upload_bytes: int = 10 * 1024 * 1024


def load_settings() -> ServiceSettings:
    return ServiceSettings()
