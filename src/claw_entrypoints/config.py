"""claw's configuration, read once from the environment into typed values.

Every name is documented in docs/operations.md. A missing vendor credential is
not an error: that vendor runs dry (effects recorded and logged, never sent).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import attrs

from claw_adapters.persistence.database import (
    DEFAULT_DATABASE_URL,
    DatabaseConfig,
    parse_database_url,
)
from claw_domain.errors import ConfigurationError


def _text(environ: Mapping[str, str], name: str) -> str | None:
    value = environ.get(name, "").strip()
    return value or None


def _number(environ: Mapping[str, str], name: str, default: float) -> float:
    raw = _text(environ, name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        msg = f"{name}={raw!r} is not a number; use e.g. {name}={default:g}"
        raise ConfigurationError(msg) from None
    if value < 0:
        msg = f"{name}={raw!r} must not be negative"
        raise ConfigurationError(msg)
    return value


@attrs.frozen
class OpenPhoneConfig:
    base_url: str
    api_key: str | None = attrs.field(repr=False)
    number: str | None
    webhook_key: str | None = attrs.field(repr=False)
    webhook_secret: str | None = attrs.field(repr=False)


@attrs.frozen
class NinjaOneConfig:
    base_url: str | None
    client_id: str | None
    client_secret: str | None = attrs.field(repr=False)
    refresh_token: str | None = attrs.field(repr=False)
    reset_script_id: int | None
    reset_action_uid: str | None


@attrs.frozen
class UniFiConfig:
    base_url: str | None
    token: str | None = attrs.field(repr=False)
    ca_file: Path | None
    fingerprint: str | None


@attrs.frozen
class LlmConfig:
    base_url: str | None
    api_key: str | None = attrs.field(repr=False)
    model: str
    timeout_seconds: float = 20.0
    max_retries: int = 1


@attrs.frozen
class ClawConfig:
    database: DatabaseConfig
    knowledge_file: Path | None
    debounce_seconds: float
    openphone: OpenPhoneConfig
    ninjaone: NinjaOneConfig
    unifi: UniFiConfig
    llm: LlmConfig
    staff_number: str | None
    slack_webhook_url: str | None = attrs.field(repr=False)
    log_format: str
    max_webhook_bytes: int
    # Privacy and exposure settings (docs/operations.md, "Privacy"); defaults fail closed.
    allow_unsigned_webhooks: bool = False
    metrics_token: str | None = attrs.field(default=None, repr=False)
    data_master_key: str | None = attrs.field(default=None, repr=False)
    retention_days: float | None = None

    @property
    def messenger_configured(self) -> bool:
        return bool(self.openphone.api_key and self.openphone.number)

    @property
    def ninjaone_configured(self) -> bool:
        n = self.ninjaone
        return bool(n.base_url and n.client_id and n.client_secret)

    @property
    def unifi_configured(self) -> bool:
        return bool(self.unifi.base_url and self.unifi.token)

    @property
    def llm_configured(self) -> bool:
        return bool(self.llm.api_key or self.llm.base_url)

    @property
    def venue_line(self) -> str:
        return self.openphone.number or "+19025550100"


def _flag(environ: Mapping[str, str], name: str) -> bool:
    raw = (_text(environ, name) or "0").lower()
    if raw not in ("0", "1", "true", "false", "yes", "no"):
        msg = f"{name}={raw!r} is not understood; use {name}=1 or leave it unset"
        raise ConfigurationError(msg)
    return raw in ("1", "true", "yes")


def load_config(environ: Mapping[str, str] | None = None) -> ClawConfig:
    """Read every CLAW_* setting; raises ConfigurationError with a one-line fix."""
    env = os.environ if environ is None else environ
    knowledge = _text(env, "CLAW_KNOWLEDGE_FILE")
    ca_file = _text(env, "CLAW_UNIFI_CA_FILE")
    script_id = _text(env, "CLAW_NINJAONE_RESET_SCRIPT_ID")
    if script_id is not None and not script_id.isdigit():
        msg = f"CLAW_NINJAONE_RESET_SCRIPT_ID={script_id!r} must be NinjaOne's numeric script id"
        raise ConfigurationError(msg)
    log_format = (_text(env, "CLAW_LOG_FORMAT") or "auto").lower()
    if log_format not in ("auto", "json", "console"):
        msg = f"CLAW_LOG_FORMAT={log_format!r} is not one of auto, json, console"
        raise ConfigurationError(msg)
    return ClawConfig(
        database=parse_database_url(_text(env, "CLAW_DATABASE_URL") or DEFAULT_DATABASE_URL),
        knowledge_file=Path(knowledge) if knowledge else None,
        debounce_seconds=_number(env, "CLAW_DEBOUNCE_SECONDS", 3.0),
        openphone=OpenPhoneConfig(
            base_url=_text(env, "CLAW_OPENPHONE_BASE_URL") or "https://api.openphone.com",
            api_key=_text(env, "CLAW_OPENPHONE_API_KEY"),
            number=_text(env, "CLAW_OPENPHONE_NUMBER"),
            webhook_key=_text(env, "CLAW_OPENPHONE_WEBHOOK_KEY"),
            webhook_secret=_text(env, "CLAW_OPENPHONE_WEBHOOK_SECRET"),
        ),
        ninjaone=NinjaOneConfig(
            base_url=_text(env, "CLAW_NINJAONE_BASE_URL"),
            client_id=_text(env, "CLAW_NINJAONE_CLIENT_ID"),
            client_secret=_text(env, "CLAW_NINJAONE_CLIENT_SECRET"),
            refresh_token=_text(env, "CLAW_NINJAONE_REFRESH_TOKEN"),
            reset_script_id=int(script_id) if script_id else None,
            reset_action_uid=_text(env, "CLAW_NINJAONE_RESET_ACTION_UID"),
        ),
        unifi=UniFiConfig(
            base_url=_text(env, "CLAW_UNIFI_BASE_URL"),
            token=_text(env, "CLAW_UNIFI_TOKEN"),
            ca_file=Path(ca_file) if ca_file else None,
            fingerprint=_text(env, "CLAW_UNIFI_CERT_SHA256"),
        ),
        llm=LlmConfig(
            base_url=_text(env, "CLAW_OPENAI_BASE_URL"),
            api_key=_text(env, "CLAW_OPENAI_API_KEY"),
            model=_text(env, "CLAW_OPENAI_MODEL") or "gpt-4o-mini",
            timeout_seconds=_number(env, "CLAW_OPENAI_TIMEOUT_SECONDS", 20.0),
            max_retries=int(_number(env, "CLAW_OPENAI_MAX_RETRIES", 1)),
        ),
        staff_number=_text(env, "CLAW_STAFF_NUMBER"),
        slack_webhook_url=_text(env, "CLAW_SLACK_WEBHOOK_URL"),
        log_format=log_format,
        max_webhook_bytes=int(_number(env, "CLAW_MAX_WEBHOOK_BYTES", 256 * 1024)),
        allow_unsigned_webhooks=_flag(env, "CLAW_ALLOW_UNSIGNED_WEBHOOKS"),
        metrics_token=_text(env, "CLAW_METRICS_TOKEN"),
        data_master_key=_text(env, "CLAW_DATA_MASTER_KEY"),
        retention_days=_number(env, "CLAW_RETENTION_DAYS", 0.0) or None,
    )
