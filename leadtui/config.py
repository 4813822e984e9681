"""Typed, validated configuration from TOML.

A bad key or value is reported with its name, its line in the file and what is allowed. Tokens
are never configuration: they live in the keyring or LEADTUI_CRM_TOKEN.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any, Literal
from zoneinfo import available_timezones

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from leadtui.domain.reasons import DisqualifyReason, reasons_from_config
from leadtui.domain.recycle import RecyclePolicy, policy_from_config
from leadtui.domain.spend import Spend, SpendError, spend_from_config
from leadtui.keys import keymap_problem
from leadtui.locations import APP_NAME as APP_NAME  # re-exported: callers import them from here
from leadtui.locations import CONFIG_ENV as CONFIG_ENV
from leadtui.locations import DATA_DIR_ENV as DATA_DIR_ENV
from leadtui.locations import Locations as Locations
from leadtui.locations import locate as locate

TOKEN_ENV = "LEADTUI_CRM_TOKEN"

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class ConfigError(Exception):
    """The configuration cannot be used; the message says where and what is allowed."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class UserConfig(_Section):
    email: str = ""
    role: Literal["rep", "manager"] = "rep"


class UiConfig(_Section):
    # After logging a touch, move straight to the next most urgent lead, as a power dialer does.
    power_hour: bool = True
    # Ring the terminal bell when a new lead arrives, as well as the toast.
    bell: bool = True


class CrmConfig(_Section):
    adapter: str = "hubspot"
    base_url: str = "https://api.hubapi.com"
    sync_interval_seconds: int = Field(default=10, strict=True, ge=2, le=3600)
    timeout_seconds: float = Field(default=15.0, strict=True, gt=0, le=300)

    @field_validator("base_url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not re.match(r"^https?://[^\s/]+", value):
            raise ValueError("must be an http(s) URL such as https://api.hubapi.com")
        return value.rstrip("/")


class SlaConfig(_Section):
    speed_to_lead_minutes: int = Field(default=60, strict=True, ge=1, le=7 * 24 * 60)
    at_risk_minutes: int = Field(default=15, strict=True, ge=0, le=24 * 60)
    business_hours_only: bool = False
    abandon_after_days: int = Field(default=14, strict=True, ge=1, le=365)


class CalendarConfig(_Section):
    timezone: str = "UTC"
    workdays: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri")
    hours: str = "09:00-17:30"
    holidays: str = "US"

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        if value not in _zones():
            raise ValueError("must be an IANA time zone such as America/New_York or UTC")
        return value

    @field_validator("workdays")
    @classmethod
    def _days(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        days = tuple(day.lower()[:3] for day in value)
        unknown = [d for d in days if d not in WEEKDAYS]
        if unknown or not days:
            raise ValueError(f"must be a non-empty list of {', '.join(WEEKDAYS)}")
        return days

    @field_validator("hours")
    @classmethod
    def _hours(cls, value: str) -> str:
        match = re.fullmatch(r"(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})", value.strip())
        if not match:
            raise ValueError('must look like "09:00-17:30"')
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if not (h1 < 24 and h2 < 24 and m1 < 60 and m2 < 60) or (h1, m1) >= (h2, m2):
            raise ValueError('must be a start before an end within one day, like "09:00-17:30"')
        return value.strip()

    @field_validator("holidays")
    @classmethod
    def _holidays(cls, value: str) -> str:
        import holidays

        if value.lower() == "none" or value == "":
            return "none"
        if value.upper() not in holidays.list_supported_countries():
            raise ValueError('must be a country code such as "US", "GB", "DE", or "none"')
        return value.upper()


class DealsConfig(_Section):
    """Where a convert opens its deal; empty: the CRM's default pipeline, first open stage."""

    pipeline: str = ""
    stage: str = ""


STORE_SCHEMES = ("sqlite:///", "postgresql+psycopg://")


class StoreConfig(_Section):
    # Empty: the SQLite file leadtui.db in the data dir (one rep). A PostgreSQL URL: a team
    # workspace shared by every rep and the team's one sync. A password is better kept in
    # ~/.pgpass or PGPASSWORD than here (libpq reads both).
    url: str = ""

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        value = value.strip()
        if value.startswith(("postgresql://", "postgres://")):
            # The plain libpq form names no driver; leadtui's is psycopg 3.
            value = "postgresql+psycopg://" + value.split("://", 1)[1]
        if value and not value.startswith(STORE_SCHEMES):
            raise ValueError(
                "must be empty (the SQLite file in the data dir) or a PostgreSQL URL such as "
                '"postgresql+psycopg://rep@db.example/leadtui"'
            )
        if value.startswith("postgresql+psycopg://") and len(value) <= len(STORE_SCHEMES[1]):
            raise ValueError('needs a host, as in "postgresql+psycopg://rep@db.example/leadtui"')
        return value

    @property
    def is_team(self) -> bool:
        return self.url.startswith("postgresql")


class Config(_Section):
    user: UserConfig = UserConfig()
    crm: CrmConfig = CrmConfig()
    store: StoreConfig = StoreConfig()
    sla: SlaConfig = SlaConfig()
    calendar: CalendarConfig = CalendarConfig()
    ui: UiConfig = UiConfig()
    scoring: dict[str, Any] = Field(default_factory=dict)
    cadences: dict[str, Any] = Field(default_factory=dict)
    keys: dict[str, str] = Field(default_factory=dict)  # binding id -> keys, e.g. "log_touch" = "l"
    disqualify: dict[str, Any] = Field(default_factory=dict)  # [[disqualify.reasons]]
    spend: list[dict[str, Any]] = Field(default_factory=list)  # [[spend]] source, month, amount
    recycle: dict[str, Any] = Field(default_factory=dict)  # [recycle], [[recycle.rules]]
    deals: DealsConfig = DealsConfig()

    @field_validator("keys")
    @classmethod
    def _one_action_per_key(cls, value: dict[str, str]) -> dict[str, str]:
        # A key given to two actions on one screen would silently do only one of them.
        problem = keymap_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @property
    def disqualify_reasons(self) -> tuple[DisqualifyReason, ...]:
        return reasons_from_config(self.disqualify.get("reasons"))

    @property
    def recycle_policy(self) -> RecyclePolicy:
        return policy_from_config(self.recycle)

    @property
    def spend_entries(self) -> tuple[Spend, ...]:
        return spend_from_config(self.spend)


def _zones() -> set[str]:
    global _ZONES
    if _ZONES is None:
        _ZONES = available_timezones() | {"UTC"}
    return _ZONES


_ZONES: set[str] | None = None


def load(path: Path, *, required: bool = False, remember_in: Path | None = None) -> Config:
    """Read and validate a config file; a missing optional file gives the defaults.

    With `remember_in` (the data dir), a config that validated is remembered there for the light
    read path (leadtui.checked_config)."""
    raw: str | None = None
    try:
        if path.exists():
            raw = path.read_text(encoding="utf-8")
        elif required:
            raise ConfigError(f"No config file at {path}; create one or drop --config.")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"The config file {path} is not UTF-8 text (byte {exc.start + 1}); save it as UTF-8."
        ) from exc
    except OSError as exc:
        raise ConfigError(f"Cannot read the config file {path}: {exc.strerror}.") from exc
    config = Config() if raw is None else parse(raw, str(path))
    if remember_in is not None:
        from leadtui import checked_config

        sections = [name for name, value in config if isinstance(value, BaseModel)]
        checked_config.remember(remember_in, raw, config.model_dump(mode="json"), sections)
    return config


def parse(raw: str, where: str = "config.toml") -> Config:
    raw = raw.removeprefix("\ufeff")  # a byte-order mark, as some Windows editors save it
    try:
        data = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where}: not valid TOML: {exc}.") from exc
    except RecursionError:
        raise ConfigError(
            f"{where}: values are nested too deeply (arrays or tables inside each other "
            "thousands of levels down); no setting needs that, so remove the nesting."
        ) from None
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, raw, where)) from exc
    _check_rules(config, raw, where)
    try:
        config.spend_entries  # noqa: B018 (validates)
    except SpendError as exc:
        line = _line_in_array(raw, "spend", exc.number, exc.key)
        at = f" (line {line})" if line else ""
        raise ConfigError(f"{where}{at}: {exc}") from exc
    return config


def _line_in_array(raw: str, name: str, number: int, key: str) -> int | None:
    """The line of `key` in the `number`th `[[name]]` table (its header when the key is absent)."""
    seen, header = 0, None
    for line_no, line in enumerate(raw.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("["):
            if seen == number:
                break
            if stripped.replace(" ", "") == f"[[{name}]]":
                seen += 1
                header = line_no if seen == number else header
            continue
        if seen == number and re.match(rf"{re.escape(key)}\s*=", stripped):
            return line_no
    return header


def _check_rules(config: Config, raw: str, where: str) -> None:
    """Scoring rules and cadences are checked by the domain, which knows what is allowed."""
    from leadtui.domain.cadence import templates_from_mapping
    from leadtui.domain.scoring import ScoringRules

    for section, check in (
        ("scoring", lambda: ScoringRules.from_mapping(config.scoring)),
        ("cadences", lambda: templates_from_mapping(config.cadences)),
        ("disqualify", lambda: config.disqualify_reasons),
        ("recycle", lambda: config.recycle_policy),
    ):
        try:
            check()
        except ValueError as exc:
            named = re.match(r"\[([\w.]+)\] (\w+)", str(exc))  # "[recycle] window_days ..."
            line = (
                (_line_of(raw, named.group(1), named.group(2)) if named else None)
                or _line_of(raw, section, "")
                or _first_header(raw, section)
            )
            at = f" (line {line})" if line else ""
            raise ConfigError(f"{where}{at}: {exc}") from exc


def _first_header(raw: str, section: str) -> int | None:
    for number, line in enumerate(raw.splitlines(), start=1):
        if line.strip().startswith(f"[{section}") or line.strip().startswith(f"[[{section}"):
            return number
    return None


def _describe(exc: ValidationError, raw: str, where: str) -> str:
    lines = []
    for error in exc.errors():
        loc = [str(part) for part in error["loc"]]
        section, key = (loc[0], loc[1]) if len(loc) > 1 else ("", loc[0] if loc else "")
        name = f"[{section}] {key}" if section else key
        line = _line_of(raw, section, key)
        at = f" (line {line})" if line else ""
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "is not a known key; check its spelling against the README"
        elif error["type"] == "literal_error":
            message = message.replace("Input should be", "must be")
        else:
            message = message.replace("Input should be", "must be")
        lines.append(f"{where}{at}: {name} {message}")
    return "; ".join(lines)


def _line_of(raw: str, section: str, key: str) -> int | None:
    """Where a key stands in the file (tomllib keeps no positions)."""
    current = ""
    for number, line in enumerate(raw.splitlines(), start=1):
        stripped = line.strip()
        header = re.fullmatch(r"\[([^\]]+)\]", stripped)
        if header:
            current = header.group(1).strip()
            if not key and current == section:
                return number
            continue
        if re.match(rf"{re.escape(key)}\s*=", stripped) and (current == section or not section):
            return number
    return None


TEMPLATE = """\
# leadtui configuration. Every key is optional; these are the defaults.
[user]
email = "{email}"            # whose queue this is; owners are matched by email
role = "rep"                 # or "manager": opens on the team's SLA board

[crm]
adapter = "hubspot"
base_url = "{base_url}"

[sla]
speed_to_lead_minutes = 60
at_risk_minutes = 15
business_hours_only = false

[calendar]
timezone = "{timezone}"
workdays = ["mon", "tue", "wed", "thu", "fri"]
hours = "09:00-17:30"
holidays = "US"

[ui]
power_hour = true                # after logging a touch, go straight to the next most urgent lead
bell = true                      # ring the terminal bell when a new lead arrives
"""
