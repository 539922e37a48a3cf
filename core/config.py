"""Configuration: shipped defaults in config/possibles.toml, then an optional
./possibles.toml in the working directory, then POSSIBLES_* environment
variables (nested keys with a double underscore: POSSIBLES_LIMITS__PROPOSALS_PER_DAY=5).

The shipped defaults are the package ``config`` (data only), read with
importlib.resources: they come along in the wheel, so a plain ``pip install``
finds them as a checkout does.
"""

from __future__ import annotations

import os
import tomllib
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    InitSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from core.domain.badges import BadgeBook, BadgeRule, Measure

__all__ = [
    "CONFIG_DIR",
    "BadgeSettings",
    "GoalSettings",
    "LimitSettings",
    "ModerationSettings",
    "NotificationSettings",
    "Settings",
    "TelegramSettings",
    "WebSettings",
    "load_settings",
]


def _shipped_defaults() -> Traversable:
    override = os.environ.get("POSSIBLES_CONFIG_DIR")
    return Path(override) if override else files("config")


#: Shipped defaults (possibles.toml, areas/, screening/): the package ``config``,
#: or the folder named by POSSIBLES_CONFIG_DIR.
CONFIG_DIR: Traversable = _shipped_defaults()


def _shipped_settings() -> dict[str, Any]:
    path = CONFIG_DIR.joinpath("possibles.toml")
    return tomllib.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


class GoalSettings(BaseModel):
    """Support goal by area level (UK e-petitions: 10,000 oblige a response)."""

    commune: int = 50
    department: int = 500
    region: int = 2000
    nation: int = 10000


class LimitSettings(BaseModel):
    """Per-member limits over a rolling 24 hours (Discourse new-user limits)."""

    proposals_per_day: int = 3
    comments_per_day: int = 30
    reports_per_day: int = 20
    posts_per_day: int = 10


class ModerationSettings(BaseModel):
    """Moderation after publication (Decidim ``max_reports_before_hiding``)."""

    reports_before_hiding: int = 3
    suspension_days: list[int] = Field(default_factory=lambda: [1, 3, 7, 30])


class WebSettings(BaseModel):
    """The public web pages (bots/web), served by ``possibles run`` and ``possibles web``."""

    #: Where the web server listens; behind a reverse proxy, keep the loopback.
    host: str = "127.0.0.1"
    #: 0: any free port (said at start), for tests and side-by-side runs.
    port: int = Field(default=8080, ge=0, le=65535)
    #: The Discord server's invite (https://discord.gg/...), for the "Join on
    #: Discord" link of initiative pages; Telegram's comes from its bot_username.
    discord_invite_url: str | None = None


class TelegramSettings(BaseModel):
    """The Telegram front end (bots/telegram). The token also comes from
    POSSIBLES_TELEGRAM_TOKEN, with one underscore (see Settings)."""

    token: SecretStr | None = None
    #: The Bot API's address, the token appended; a self-hosted Bot API server
    #: (or the tests' fake) is ``http://host:port/bot``. Files are fetched from the
    #: same address with ``/file/bot`` instead of ``/bot``.
    api_base_url: str = "https://api.telegram.org/bot"
    #: The public HTTPS address Telegram posts updates to; unset: long polling.
    #: The web server (``web.host``:``web.port``) takes them at its path.
    webhook_url: str | None = None
    #: Checked on every webhook request (X-Telegram-Bot-Api-Secret-Token);
    #: unset: derived from the token, so every worker agrees.
    webhook_secret: SecretStr | None = None
    moderators_chat_id: int | None = None
    #: The bot's @username for deep links; unset: asked with getMe.
    bot_username: str | None = None
    #: Seconds a long poll waits for updates.
    polling_timeout: int = 25


#: A time of day, "HH:MM" (24 hours).
_CLOCK = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


class NotificationSettings(BaseModel):
    """Alerts, digests and the delivery ledger (notifications/)."""

    #: Instant alerts wait until the end of the member's quiet hours (their
    #: time; /quiet changes them). The moderators' queue is never held back.
    quiet_start: str = "22:00"
    quiet_end: str = "08:00"
    #: How often the scheduler looks for digests that are due.
    digest_tick_minutes: float = 5.0
    #: Sending attempts (5xx, network errors) before a delivery is failed.
    max_attempts: int = 6
    #: Exponential backoff with jitter between attempts, in seconds.
    backoff_base_seconds: float = 2.0
    backoff_cap_seconds: float = 600.0
    #: Review items still open after this long are recalled, once a day.
    recall_after_hours: float = 24.0
    #: When the daily recall of the review queue goes (HH:MM, the
    #: deployment's time zone), and the officials' weekly summary (day, HH:MM).
    recall_time: str = Field(default="09:00", pattern=_CLOCK)
    summary_day: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"] = "mon"
    summary_time: str = Field(default="09:30", pattern=_CLOCK)
    #: When each area's participation ladder is recounted, nightly (HH:MM).
    ladder_time: str = Field(default="04:00", pattern=_CLOCK)
    #: An alert routed later than this after its event (the notifications were
    #: down for days) is dropped: old news is for the digest, not an alert.
    alert_expiry_hours: float = 48.0
    #: Discord direct messages per second (Discord publishes no number: stay low).
    discord_dm_per_second: float = 5.0
    #: Safety margin under each platform limit (0.04: 4 % slower than allowed),
    #: so network jitter never turns a paced send into a 429.
    pace_margin: float = 0.04
    #: Sends in flight at once per platform (never more than one per chat).
    max_in_flight: int = 16
    #: Outbox events routed per transaction; members per digest transaction.
    route_batch: int = 200
    digest_batch: int = 2000
    #: Seconds a "sending" row may stay claimed before it counts as a crash.
    claim_lease_seconds: float = 120.0
    #: Seconds to wait for a hole in the outbox ids (a transaction still
    #: committing on PostgreSQL) before going past it.
    outbox_gap_seconds: float = 5.0
    #: Seconds between looks at the outbox and the ledger when idle.
    poll_seconds: float = 1.0


class BadgeSettings(BaseModel):
    """One badge (core.domain.badges): its stable key, the measure it counts,
    its thresholds (one level each), its name and description by language."""

    key: str = Field(pattern=r"^[a-z][a-z0-9_]{0,31}$")
    measure: Measure
    thresholds: list[int] = Field(min_length=1)
    name: dict[str, str]
    description: dict[str, str]

    @field_validator("name", "description")
    @classmethod
    def _in_both_languages(cls, texts: dict[str, str]) -> dict[str, str]:
        missing = {"fr", "en"} - {k for k, v in texts.items() if v.strip()}
        if missing:
            raise ValueError(f"missing in {', '.join(sorted(missing))}")
        return texts

    def rule(self) -> BadgeRule:
        return BadgeRule(self.key, self.measure, tuple(self.thresholds), self.name, self.description)


class PrivacySettings(BaseModel):
    """One person across platforms (/link) and keeping data only as long as needed."""

    #: A /link code works this long (DESIGN.md: 10 minutes).
    link_code_minutes: int = Field(default=10, ge=1)
    #: This many wrong codes within ``link_lock_minutes`` lock /link for the
    #: member until the oldest of them is that old (DESIGN.md: 5 tries, 1 hour).
    link_wrong_tries: int = Field(default=5, ge=1)
    link_lock_minutes: int = Field(default=60, ge=1)
    #: /mydata's link to download the export from the web pages works once,
    #: for this long (a magic link's usual quarter of an hour).
    download_minutes: int = Field(default=15, ge=1)
    #: Delivery records, unfinished conversations and spent codes older than
    #: this are purged (DESIGN.md: 90 days); processed update ids go sooner
    #: (core.services.updates.KEEP).
    keep_days: int = Field(default=90, ge=1)
    #: When the daily purge runs (deployment time), and how many rows each of
    #: its transactions deletes.
    purge_time: str = "04:00"
    purge_batch: int = Field(default=1000, ge=1)


class DiscordSettings(BaseModel):
    """The Discord front end (bots/discord). The token also comes from
    POSSIBLES_DISCORD_TOKEN, with one underscore (see Settings). Direct
    messages are paced by ``notifications.discord_dm_per_second``."""

    token: SecretStr | None = None
    #: The REST API's address (discord.py's ``Route.BASE``); a proxy or the tests' fake.
    api_base_url: str = "https://discord.com/api/v10"
    #: The gateway's websocket address. discord.py connects a plain client to
    #: its DEFAULT_GATEWAY, not to what ``/gateway/bot`` says: set it with the REST base.
    gateway_url: str = "wss://gateway.discord.gg/"
    #: The channel where the review queue arrives (``/possibles modchannel`` wins over it).
    moderators_channel_id: int | None = None
    #: Members holding this Discord role are given the core's moderator role.
    moderator_role_id: int | None = None
    #: Commands are synced to this server only (instant, for development); unset: globally.
    dev_guild_id: int | None = None
    #: Sharding (from 2,500 servers): the total, and the shards this process runs
    #: (several ``possibles run --only discord`` split them). Unset: one plain client.
    shard_count: int | None = Field(default=None, ge=1)
    shard_ids: list[int] | None = None


class Settings(BaseSettings):
    """Everything possibles can be told; see config/possibles.toml for the defaults."""

    model_config = SettingsConfigDict(
        env_prefix="POSSIBLES_",
        env_nested_delimiter="__",
        extra="ignore",
    )

    database_url: str = "sqlite:///possibles.db"
    public_base_url: str = "http://127.0.0.1:8080"
    default_language: str = "fr"
    default_time_zone: str = "Europe/Paris"
    topics: list[str] = Field(
        default_factory=lambda: [
            "environment",
            "mobility",
            "housing",
            "education",
            "health",
            "culture",
            "democracy",
            "solidarity",
            "economy",
            "safety",
        ]
    )
    initiative_open_days: int = 180
    news_interval_days: int = 3
    duplicate_similarity: float = 0.8
    goals: GoalSettings = Field(default_factory=GoalSettings)
    limits: LimitSettings = Field(default_factory=LimitSettings)
    moderation: ModerationSettings = Field(default_factory=ModerationSettings)
    telegram: TelegramSettings = Field(default_factory=TelegramSettings)
    discord: DiscordSettings = Field(default_factory=DiscordSettings)
    web: WebSettings = Field(default_factory=WebSettings)
    notifications: NotificationSettings = Field(default_factory=NotificationSettings)
    #: The badges and their levels ([[badges]] in config/possibles.toml).
    badges: list[BadgeSettings] = Field(default_factory=list)
    privacy: PrivacySettings = Field(default_factory=PrivacySettings)
    #: POSSIBLES_TELEGRAM_TOKEN, one underscore: the name people are told. An alias
    #: only reaches a top-level field, so it lands here and fills telegram.token
    #: when neither POSSIBLES_TELEGRAM__TOKEN nor a config file set it.
    telegram_token_alias: SecretStr | None = Field(
        default=None, validation_alias="POSSIBLES_TELEGRAM_TOKEN", exclude=True, repr=False
    )
    #: POSSIBLES_DISCORD_TOKEN, the same way for discord.token.
    discord_token_alias: SecretStr | None = Field(
        default=None, validation_alias="POSSIBLES_DISCORD_TOKEN", exclude=True, repr=False
    )

    @model_validator(mode="after")
    def _apply_telegram_token_alias(self) -> Settings:
        if self.telegram_token_alias is not None and self.telegram.token is None:
            self.telegram.token = self.telegram_token_alias
        if self.discord_token_alias is not None and self.discord.token is None:
            self.discord.token = self.discord_token_alias
        return self

    @model_validator(mode="after")
    def _check_badges(self) -> Settings:
        self.badge_book()  # thresholds going up, keys unique: refused at start-up
        return self

    @property
    def has_web(self) -> bool:
        """Whether the deployment has public web pages to link to (an empty
        ``public_base_url`` says it has none)."""
        return bool(self.public_base_url.strip())

    def public_url(self, path: str) -> str:
        """The address of ``path`` (``/i/42``) on the public web pages."""
        return self.public_base_url.strip().rstrip("/") + path

    def badge_book(self) -> BadgeBook:
        """The configured badges, as the domain reads them."""
        return BadgeBook(tuple(b.rule() for b in self.badges))

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        paths = [Path("possibles.toml")]
        extra = os.environ.get("POSSIBLES_CONFIG_FILE")
        if extra:
            paths.append(Path(extra))
        existing = [f for f in paths if f.is_file()]
        # Later files win over earlier ones, the shipped defaults lose to every
        # file, and the environment wins over all of them.
        toml = TomlConfigSettingsSource(settings_cls, toml_file=existing)
        shipped = InitSettingsSource(settings_cls, init_kwargs=_shipped_settings())
        return (init_settings, env_settings, toml, shipped)


def load_settings(**overrides: object) -> Settings:
    """Read the settings from files and environment; ``overrides`` win over both."""
    return Settings(**overrides)  # type: ignore[arg-type]
