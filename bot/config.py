"""Settings read from the environment, validated once at start-up.

A missing or malformed setting raises `SettingsError` naming it; the CLI turns that into one
line on stderr and exit code 2.
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot import capacity

ROOT_DIR = Path(__file__).resolve().parent.parent


def _default_templates_dir() -> Path:
    """Where the message templates and playbooks are: the package data of an installed wheel
    (bot/templates/, see pyproject.toml), else the repository's templates/ (a source checkout or
    an editable install, where setuptools leaves them in place)."""
    packaged = resources.files("bot") / "templates"
    if packaged.is_dir():
        return Path(str(packaged))
    return ROOT_DIR / "templates"


DEFAULT_TEMPLATES_DIR = _default_templates_dir()
DEFAULT_DATABASE_URL = "sqlite:///onboard.db"
SLACK_API_URL = "https://slack.com/api/"
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_USERGROUP_ID = re.compile(r"^S[A-Z0-9]{2,}$")
_DURATION = re.compile(r"^(\d+)([mhd])$")
_DURATION_UNITS = {"m": "minutes", "h": "hours", "d": "days"}

# Hypercare SLA per severity: (first response, resolution), the seed playbook's table (see
# docs/hypercare.md). P1/P2 run 24/7; P3/P4 run in business hours, where a whole number of
# days (24h, 72h) means "by the close of the Nth business day": P4's 24h is "next business day".
DEFAULT_HYPERCARE_SLA = {
    "P1": (timedelta(minutes=15), timedelta(hours=2)),
    "P2": (timedelta(hours=1), timedelta(hours=4)),
    "P3": (timedelta(hours=4), timedelta(hours=24)),
    "P4": (timedelta(hours=24), timedelta(hours=72)),
}
DEFAULT_BUSINESS_HOURS = (time(9), time(17))


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names it."""


@dataclass(frozen=True)
class Settings:
    slack_bot_token: str = ""
    slack_signing_secret: str = ""
    slack_app_token: str = ""
    slack_api_url: str = SLACK_API_URL
    database_url: str = DEFAULT_DATABASE_URL
    timezone: str = "UTC"
    port: int = 3000
    templates_dir: Path = DEFAULT_TEMPLATES_DIR
    # Whether the handoff modal's "create a private internal channel" box starts ticked.
    create_internal_channel: bool = True
    internal_channel_template: str = "onb-{company}"
    admin_user_ids: frozenset[str] = field(default_factory=frozenset)
    admin_usergroup_id: str = ""
    escalation_channel_id: str = ""
    # Stall-alert thresholds (domain.md, "Stall and warning signals"; the telling rule:
    # bot/services/alert_states.py).
    renotify_days: int = 4
    alert_return_days: int = 7
    acknowledge_days: int = 14
    delayed_max_days: int = 3
    blocker_max_days: int = 2
    kickoff_business_days: int = 3
    silence_days: int = 7
    multiple_delays: int = 3
    min_stakeholders: int = 2
    # A champion not heard from for this many days counts as gone (domain.md: one week).
    champion_contact_days: int = 7
    # When CS leadership is told (bot/services/escalations.py): a champion gone with no
    # successor for this many business days, a high or critical alert unacknowledged for this
    # many, a go-live moved later than the baseline by more than this percent of the plan.
    escalate_champion_business_days: int = 5
    escalate_unacknowledged_business_days: int = 2
    escalate_go_live_slip_percent: int = 20
    handoff_max_future_days: int = 365
    # The outbox sender: how many tries before a post is marked failed and its owner told.
    outbox_max_attempts: int = 6
    hypercare_sla: dict[str, tuple[timedelta, timedelta]] = field(
        default_factory=lambda: dict(DEFAULT_HYPERCARE_SLA)
    )
    # Hypercare exit check: hours without an open P1/P2, and the issue-volume window in days.
    hypercare_quiet_hours: int = 48
    hypercare_volume_days: int = 7
    # The window P3/P4 clocks run in, local to each onboarding's zone, and the public holidays
    # (ONBOARD_HOLIDAYS) those clocks skip and no replanned milestone or go-live may fall on.
    business_hours: tuple[time, time] = DEFAULT_BUSINESS_HOURS
    holidays: frozenset[date] = field(default_factory=frozenset)
    # The in-process scheduler (bot/entry/scheduler.py): on or off, and how often each job ticks.
    scheduler_enabled: bool = True
    job_interval_seconds: int = 300
    # The health score (domain.md "Health score during onboarding"): component weights in
    # percent and the lower bounds of healthy, monitor, at risk and critical. Empty: the
    # defaults of templates/health.yml. A check is due every `health_check_days` days.
    health_weights: dict[str, int] = field(default_factory=dict)
    health_thresholds: tuple[int, ...] = ()
    health_check_days: int = 7
    # The leaders' Monday digest (jobs/leaders_digest.py) to the admins: on or off.
    leaders_digest: bool = True
    # The largest request body /slack/events accepts (Slack's own stay far below it).
    max_request_bytes: int = 512 * 1024
    # How long a request may wait for Slack to say who its user is before it is refused.
    identity_wait_ms: int = 500
    # When set, GET /metrics answers only `Authorization: Bearer <this>`; empty: anyone.
    metrics_token: str = ""
    # The HMAC key of POST /usage (the product's usage feed); empty: the endpoint is off.
    usage_secret: str = ""
    # `onboard serve` under a burst: the server's threads (each holds a request until its
    # ack), the listener threads (a listener acks, then does its work) and the database pool.
    server_threads: int = capacity.SERVER_THREADS
    listener_threads: int = capacity.LISTENER_THREADS
    db_pool_size: int = capacity.default_pool_size(server_threads, listener_threads)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}, got {value}")
    return value


def _escalation_thresholds(env: Mapping[str, str]) -> dict[str, int]:
    """When CS leadership is told (bot/services/escalation_triggers.py)."""
    return {
        "escalate_champion_business_days": _int(
            env, "ONBOARD_ESCALATE_CHAMPION_DAYS", 5, minimum=1
        ),
        "escalate_unacknowledged_business_days": _int(
            env, "ONBOARD_ESCALATE_UNACKNOWLEDGED_DAYS", 2, minimum=1
        ),
        "escalate_go_live_slip_percent": _int(
            env, "ONBOARD_ESCALATE_GO_LIVE_SLIP_PERCENT", 20, minimum=1
        ),
    }


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise SettingsError(f"{name} must be true or false, got {raw!r}")


def _api_url(env: Mapping[str, str]) -> str:
    raw = env.get("SLACK_API_URL", "").strip() or SLACK_API_URL
    if not re.match(r"^https?://[^\s/]+", raw):
        raise SettingsError(f"SLACK_API_URL must be an http(s) URL, got {raw!r}")
    return raw if raw.endswith("/") else raw + "/"


def _timezone(env: Mapping[str, str]) -> str:
    name = env.get("ONBOARD_TIMEZONE", "").strip() or "UTC"
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(f"ONBOARD_TIMEZONE is not a known time zone: {name!r}") from None
    return name


def _database_url(env: Mapping[str, str]) -> str:
    url = env.get("DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL
    if url.startswith("postgres://") or url.startswith("postgresql://"):
        # Heroku-style URLs name no driver; we ship psycopg 3.
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    if not re.match(r"^(sqlite|postgresql\+psycopg)://", url):
        raise SettingsError(
            "DATABASE_URL must start with sqlite:// or postgresql+psycopg://, "
            f"got {url.split('://', 1)[0]!r}"
        )
    return url


def _admins(env: Mapping[str, str]) -> tuple[frozenset[str], str]:
    users: set[str] = set()
    group = ""
    for item in re.split(r"[,\s]+", env.get("ONBOARD_ADMINS", "").strip()):
        if not item:
            continue
        if _USER_ID.match(item):
            users.add(item)
        elif _USERGROUP_ID.match(item) and not group:
            group = item
        else:
            raise SettingsError(
                f"ONBOARD_ADMINS must list Slack user ids (U…) or one user group id (S…), "
                f"got {item!r}"
            )
    return frozenset(users), group


def _duration(name: str, raw: str) -> timedelta:
    match = _DURATION.match(raw.strip())
    if not match:
        raise SettingsError(f"{name}: {raw!r} is not a duration such as 30m, 4h or 2d")
    return timedelta(**{_DURATION_UNITS[match[2]]: int(match[1])})


def _hypercare_sla(env: Mapping[str, str]) -> dict[str, tuple[timedelta, timedelta]]:
    """`ONBOARD_SLA_P1=15m/2h`: response / resolution per severity; defaults above."""
    sla = dict(DEFAULT_HYPERCARE_SLA)
    for severity in sla:
        name = f"ONBOARD_SLA_{severity}"
        raw = env.get(name, "").strip()
        if not raw:
            continue
        response, slash, resolution = raw.partition("/")
        if not slash:
            raise SettingsError(f"{name} must be response/resolution, e.g. 30m/4h, got {raw!r}")
        sla[severity] = (_duration(name, response), _duration(name, resolution))
        if sla[severity][0] > sla[severity][1]:
            raise SettingsError(f"{name}: the response time cannot exceed the resolution time")
    return sla


def _business_hours(env: Mapping[str, str]) -> tuple[time, time]:
    """`ONBOARD_BUSINESS_HOURS=09:00-17:00`: when P3/P4 clocks run, in the onboarding's zone."""
    raw = env.get("ONBOARD_BUSINESS_HOURS", "").strip()
    if not raw:
        return DEFAULT_BUSINESS_HOURS
    try:
        opens, closes = (time.fromisoformat(part.strip()) for part in raw.split("-"))
    except ValueError:
        raise SettingsError(
            f"ONBOARD_BUSINESS_HOURS must be HH:MM-HH:MM such as 09:00-17:00, got {raw!r}"
        ) from None
    if opens >= closes:
        raise SettingsError("ONBOARD_BUSINESS_HOURS: the opening must come before the close")
    return opens, closes


def _holidays(env: Mapping[str, str]) -> frozenset[date]:
    """`ONBOARD_HOLIDAYS=2026-12-25,2027-01-01`: the team's public holidays."""
    raw = env.get("ONBOARD_HOLIDAYS", "").strip()
    try:
        return frozenset(date.fromisoformat(p) for p in re.split(r"[,\s]+", raw) if p)
    except ValueError:
        raise SettingsError(
            f"ONBOARD_HOLIDAYS must list dates such as 2026-12-25,2027-01-01, got {raw!r}"
        ) from None


HEALTH_COMPONENTS = ("engagement", "progress", "adoption", "sentiment", "technical")


def _health_weights(env: Mapping[str, str]) -> dict[str, int]:
    """`ONBOARD_HEALTH_WEIGHTS=engagement:25,progress:25,adoption:20,sentiment:15,technical:15`:
    every component once, whole percentages summing to 100."""
    raw = env.get("ONBOARD_HEALTH_WEIGHTS", "").strip()
    if not raw:
        return {}
    weights: dict[str, int] = {}
    for item in re.split(r"[,\s]+", raw):
        name, colon, value = item.partition(":")
        name = name.strip().lower()
        if not colon or name not in HEALTH_COMPONENTS or not value.strip().isdigit():
            raise SettingsError(
                f"ONBOARD_HEALTH_WEIGHTS: {item!r} is not component:percent "
                f"(components: {', '.join(HEALTH_COMPONENTS)})"
            )
        if name in weights:
            raise SettingsError(f"ONBOARD_HEALTH_WEIGHTS: {name} is given twice")
        weights[name] = int(value)
    missing = [c for c in HEALTH_COMPONENTS if c not in weights]
    if missing:
        raise SettingsError(f"ONBOARD_HEALTH_WEIGHTS: no weight for {', '.join(missing)}")
    if sum(weights.values()) != 100:
        raise SettingsError(f"ONBOARD_HEALTH_WEIGHTS must sum to 100, got {sum(weights.values())}")
    return weights


def _health_thresholds(env: Mapping[str, str]) -> tuple[int, ...]:
    """`ONBOARD_HEALTH_THRESHOLDS=85,70,50,30`: the lowest score of healthy, monitor, at risk
    and critical (below the last is emergency), strictly descending, between 1 and 100."""
    raw = env.get("ONBOARD_HEALTH_THRESHOLDS", "").strip()
    if not raw:
        return ()
    parts = [p for p in re.split(r"[,\s]+", raw) if p]
    if len(parts) != 4 or not all(p.isdigit() for p in parts):
        raise SettingsError(
            f"ONBOARD_HEALTH_THRESHOLDS must be four whole scores such as 85,70,50,30, got {raw!r}"
        )
    values = tuple(int(p) for p in parts)
    if not all(1 <= v <= 100 for v in values):
        raise SettingsError("ONBOARD_HEALTH_THRESHOLDS: each score must be between 1 and 100")
    if any(a <= b for a, b in itertools.pairwise(values)):
        raise SettingsError(f"ONBOARD_HEALTH_THRESHOLDS must be strictly descending, got {raw!r}")
    return values


def _metrics_token(env: Mapping[str, str]) -> str:
    token = env.get("ONBOARD_METRICS_TOKEN", "").strip()
    if token and (len(token) < 16 or not re.match(r"^[\x21-\x7e]+$", token)):
        raise SettingsError(
            "ONBOARD_METRICS_TOKEN must be at least 16 printable characters without spaces"
        )
    return token


def _usage_secret(env: Mapping[str, str]) -> str:
    secret = env.get("ONBOARD_USAGE_SECRET", "").strip()
    if secret and len(secret) < 16:
        raise SettingsError("ONBOARD_USAGE_SECRET must be at least 16 characters")
    return secret


def load_settings(env: Mapping[str, str] | None = None, *, require_slack: bool = True) -> Settings:
    """Read settings from `env` (default: the process environment)."""
    env = os.environ if env is None else env
    if require_slack:
        for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"):
            if not env.get(name, "").strip():
                raise SettingsError(f"{name} is not set")
        if not env["SLACK_BOT_TOKEN"].strip().startswith("xoxb-"):
            raise SettingsError("SLACK_BOT_TOKEN must be a bot token starting with xoxb-")
    template = env.get("ONBOARD_INTERNAL_CHANNEL_TEMPLATE", "").strip() or "onb-{company}"
    if "{company}" not in template:
        raise SettingsError("ONBOARD_INTERNAL_CHANNEL_TEMPLATE must contain {company}")
    admin_users, admin_group = _admins(env)
    templates_dir = Path(env.get("ONBOARD_TEMPLATES_DIR", "").strip() or DEFAULT_TEMPLATES_DIR)
    if not templates_dir.is_dir():
        raise SettingsError(f"ONBOARD_TEMPLATES_DIR is not a directory: {templates_dir}")
    return Settings(
        slack_bot_token=env.get("SLACK_BOT_TOKEN", "").strip(),
        slack_signing_secret=env.get("SLACK_SIGNING_SECRET", "").strip(),
        slack_app_token=env.get("SLACK_APP_TOKEN", "").strip(),
        slack_api_url=_api_url(env),
        database_url=_database_url(env),
        timezone=_timezone(env),
        port=_int(env, "PORT", 3000, minimum=1),
        templates_dir=templates_dir,
        create_internal_channel=_bool(env, "ONBOARD_CREATE_INTERNAL_CHANNEL", True),
        internal_channel_template=template,
        admin_user_ids=admin_users,
        admin_usergroup_id=admin_group,
        escalation_channel_id=env.get("ONBOARD_ESCALATION_CHANNEL", "").strip(),
        renotify_days=_int(env, "ONBOARD_RENOTIFY_DAYS", 4, minimum=1),
        alert_return_days=_int(env, "ONBOARD_ALERT_RETURN_DAYS", 7, minimum=0),
        acknowledge_days=_int(env, "ONBOARD_ACKNOWLEDGE_DAYS", 14, minimum=0),
        delayed_max_days=_int(env, "ONBOARD_DELAYED_MAX_DAYS", 3, minimum=1),
        blocker_max_days=_int(env, "ONBOARD_BLOCKER_MAX_DAYS", 2, minimum=1),
        kickoff_business_days=_int(env, "ONBOARD_KICKOFF_BUSINESS_DAYS", 3, minimum=1),
        silence_days=_int(env, "ONBOARD_SILENCE_DAYS", 7, minimum=1),
        multiple_delays=_int(env, "ONBOARD_MULTIPLE_DELAYS", 3, minimum=2),
        min_stakeholders=_int(env, "ONBOARD_MIN_STAKEHOLDERS", 2, minimum=1),
        champion_contact_days=_int(env, "ONBOARD_CHAMPION_CONTACT_DAYS", 7, minimum=1),
        **_escalation_thresholds(env),
        handoff_max_future_days=_int(env, "ONBOARD_HANDOFF_MAX_DAYS", 365, minimum=1),
        outbox_max_attempts=_int(env, "ONBOARD_OUTBOX_MAX_ATTEMPTS", 6, minimum=1),
        hypercare_sla=_hypercare_sla(env),
        hypercare_quiet_hours=_int(env, "ONBOARD_HYPERCARE_QUIET_HOURS", 48, minimum=1),
        hypercare_volume_days=_int(env, "ONBOARD_HYPERCARE_VOLUME_DAYS", 7, minimum=1),
        business_hours=_business_hours(env),
        holidays=_holidays(env),
        scheduler_enabled=_bool(env, "ONBOARD_SCHEDULER", True),
        job_interval_seconds=_int(env, "ONBOARD_JOB_INTERVAL_SECONDS", 300, minimum=10),
        health_weights=_health_weights(env),
        health_thresholds=_health_thresholds(env),
        health_check_days=_int(env, "ONBOARD_HEALTH_CHECK_DAYS", 7, minimum=1),
        leaders_digest=_bool(env, "ONBOARD_LEADERS_DIGEST", True),
        max_request_bytes=_int(env, "ONBOARD_MAX_REQUEST_BYTES", 512 * 1024, minimum=4096),
        identity_wait_ms=_int(env, "ONBOARD_IDENTITY_WAIT_MS", 500, minimum=50),
        metrics_token=_metrics_token(env),
        usage_secret=_usage_secret(env),
        **capacity.read_capacity(env, _int),
    )
