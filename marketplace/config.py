"""Settings read from the environment; nothing happens at import."""

from __future__ import annotations

import os
from pathlib import Path

DEV_SECRET_KEY = "dev-only-secret-key-not-for-production"  # noqa: S105 - refused in production

REPO_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """Raised when the environment cannot produce a safe configuration."""


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(value: str | None, default: int) -> int:
    return int(value) if value is not None and value.strip() else default


def _optional_bool(value: str | None) -> bool | None:
    """None when unset, so the reader's own default (e.g. "not under TESTING") applies."""
    return None if value is None or value == "" else _bool(value)


#: Day names PAYOUT_WEEKDAY accepts (English or Indonesian, any case), as Python's weekday numbers.
WEEKDAYS = {
    name: number
    for number, names in enumerate(
        (
            ("monday", "mon", "senin"),
            ("tuesday", "tue", "selasa"),
            ("wednesday", "wed", "rabu"),
            ("thursday", "thu", "kamis"),
            ("friday", "fri", "jumat", "jum'at"),
            ("saturday", "sat", "sabtu"),
            ("sunday", "sun", "minggu"),
        )
    )
    for name in names
}


def _weekday(value: str | None, default: int) -> int:
    """A day of the week by name ("friday", "Jumat") as Python numbers them (Monday 0)."""
    text = (value or "").strip().lower()
    if not text:
        return default
    if text not in WEEKDAYS:
        raise ConfigError(f"PAYOUT_WEEKDAY must name a day of the week (e.g. friday), not {value!r}.")
    return WEEKDAYS[text]


def link_host(host: str | None) -> str:
    host = (host or "").strip()
    # A server bound to every interface is reached on this machine through the loopback address.
    return "127.0.0.1" if host in ("", "0.0.0.0", "::") else host  # noqa: S104 - compared, not bound


def card_payments_available(config) -> bool:
    """Whether buyers may pay by card: the one answer the cart, checkout, order and price notes use.

    Card payment needs Stripe: a `STRIPE_SECRET_KEY`, which in development may be the local test
    server's (`make run` starts it when no key is set, with `STRIPE_LOCAL_TEST_MODE`). Never that
    test server in production: there, no real key means no card payment. (Here, below every domain,
    so that markets' price notes and payments' checkout read the same rule.)
    """
    if not config.get("STRIPE_SECRET_KEY"):
        return False
    return not (config.get("STRIPE_LOCAL_TEST_MODE") and config.get("PRODUCTION"))


def check_server_start(environ: dict[str, str], *, workers: int) -> None:
    """What gunicorn.conf.py checks before any worker starts. Raises ConfigError.

    The app's own checks first (production's SECRET_KEY, PUBLIC_BASE_URL…), said once instead of
    in every worker's traceback. Then: worker processes share no memory, so without Redis each
    one would count rate limits alone (four workers, four times the failed logins); production
    with several workers needs `REDIS_URL`.
    """
    config = load_config(environ)
    if config["PRODUCTION"] and workers > 1 and config["RATELIMIT_ENABLED"] and not config["REDIS_URL"]:
        raise ConfigError(
            f"{workers} worker processes without REDIS_URL would each count rate limits (failed "
            "logins, password resets) on their own. Set REDIS_URL to a Redis server the workers "
            "share, or run one worker (WEB_CONCURRENCY=1, with GUNICORN_THREADS for concurrency)."
        )


def load_config(environ: dict[str, str] | None = None, instance_path: str | None = None) -> dict:
    """Build the Flask config mapping from environment variables.

    Raises ConfigError when production is asked for without a real SECRET_KEY.
    """
    env = dict(os.environ if environ is None else environ)
    marketplace_env = env.get("MARKETPLACE_ENV", "development").strip().lower()
    production = marketplace_env == "production"

    secret_key = env.get("SECRET_KEY", "")
    if production and (not secret_key or secret_key == DEV_SECRET_KEY or len(secret_key) < 16):
        raise ConfigError(
            "SECRET_KEY must be set to a long random value when MARKETPLACE_ENV=production "
            "(for example: python -c 'import secrets; print(secrets.token_hex(32))')."
        )
    if not secret_key:
        secret_key = DEV_SECRET_KEY

    public_base_url = env.get("PUBLIC_BASE_URL", "").strip().rstrip("/")
    if production and not public_base_url:
        raise ConfigError(
            "PUBLIC_BASE_URL must be set when MARKETPLACE_ENV=production: the address buyers use, "
            "for links in emails (for example: https://pasar.kabat.example)."
        )
    if not public_base_url:
        # Where this app itself listens (`PORT=8080 make run` → http://127.0.0.1:8080), so the links
        # in a developer's outbox open the running demo.
        public_base_url = f"http://{link_host(env.get('HOST'))}:{env.get('PORT', '').strip() or '5000'}"

    password_hash_method = env.get("PASSWORD_HASH_METHOD") or "scrypt"
    if production and not password_hash_method.startswith("scrypt"):
        # The setting exists so tests can hash cheaply; production keeps the strong default.
        raise ConfigError("PASSWORD_HASH_METHOD must be scrypt when MARKETPLACE_ENV=production.")

    instance = Path(instance_path or REPO_ROOT / "instance")
    database_url = env.get("DATABASE_URL") or f"sqlite:///{instance / 'marketplace.db'}"
    # Heroku-style URLs name the old driver; psycopg 3 is what we ship.
    if database_url.startswith("postgres://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgres://") :]
    elif database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://") :]

    redis_url = env.get("REDIS_URL") or None
    return {
        "MARKETPLACE_ENV": marketplace_env,
        "PRODUCTION": production,
        "SECRET_KEY": secret_key,
        # Keys used before the current one: session cookies they signed still open (a rotation does
        # not log everybody out); new cookies are signed with SECRET_KEY.
        "SECRET_KEY_FALLBACKS": [
            key.strip() for key in env.get("SECRET_KEY_FALLBACKS", "").split(",") if key.strip()
        ],
        "PASSWORD_HASH_METHOD": password_hash_method,  # accounts/passwords.py
        "MARKET_NAME": env.get("MARKET_NAME", "Pasar Desa Kabat"),
        # Where the shops send parcels from, after their desa and kecamatan (shipping labels, CN22/CN23).
        "MARKET_REGENCY": env.get("MARKET_REGENCY", "Banyuwangi"),
        "MARKET_PROVINCE": env.get("MARKET_PROVINCE", "Jawa Timur"),
        "MARKET_POSTAL_CODE": env.get("MARKET_POSTAL_CODE", "68461"),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "REDIS_URL": redis_url,
        "CACHE_TTL_SECONDS": int(env.get("CACHE_TTL_SECONDS", "300")),
        # Page and fragment cache (marketplace/cache/); None: on, except under TESTING.
        "PAGE_CACHE_ENABLED": _optional_bool(env.get("PAGE_CACHE_ENABLED")),
        "MEDIA_ROOT": env.get("MEDIA_ROOT") or str(instance / "media"),
        "MEDIA_URL": env.get("MEDIA_URL", "/media/"),
        # S3-compatible media storage (marketplace/media/storage.py) instead of MEDIA_ROOT when set.
        "MEDIA_S3_BUCKET": env.get("MEDIA_S3_BUCKET") or None,
        "MEDIA_S3_ENDPOINT_URL": env.get("MEDIA_S3_ENDPOINT_URL") or None,
        "MEDIA_S3_REGION": env.get("MEDIA_S3_REGION") or None,
        "MEDIA_S3_PUBLIC_URL": env.get("MEDIA_S3_PUBLIC_URL") or None,
        "MEDIA_S3_PREFIX": env.get("MEDIA_S3_PREFIX") or None,
        # Limits for an uploaded picture (marketplace/media/images.py).
        "MEDIA_MAX_UPLOAD_BYTES": _int(env.get("MEDIA_MAX_UPLOAD_BYTES"), 10 * 1024 * 1024),
        "MEDIA_MAX_PIXELS": _int(env.get("MEDIA_MAX_PIXELS"), 40_000_000),
        # Where the static files are (marketplace/assets.py); None: the package's static folder.
        "STATIC_ROOT": env.get("STATIC_ROOT") or None,
        # Where seed-demo keeps its pictures' renditions for the next process (demo/picture_cache.py).
        "DEMO_PICTURES_CACHE": env.get("DEMO_PICTURES_CACHE") or None,
        "OUTBOX_DIR": env.get("OUTBOX_DIR") or str(instance / "outbox"),
        "SMTP_URL": env.get("SMTP_URL") or None,
        "MAIL_FROM": env.get("MAIL_FROM", "Pasar Desa <noreply@pasardesa.test>"),
        "STRIPE_SECRET_KEY": env.get("STRIPE_SECRET_KEY") or None,
        "STRIPE_WEBHOOK_SECRET": env.get("STRIPE_WEBHOOK_SECRET") or None,
        "STRIPE_API_BASE": env.get("STRIPE_API_BASE") or None,
        # Seconds to wait for Stripe's API before telling the buyer to try again (one retry).
        "STRIPE_TIMEOUT_SECONDS": _int(env.get("STRIPE_TIMEOUT_SECONDS"), 10),
        "PAYMENT_WINDOW_HOURS": int(env.get("PAYMENT_WINDOW_HOURS", "24")),
        # Days after the seller's processing days before a paid parcel counts as late (orders/lateness.py).
        "LATE_GRACE_DAYS": _int(env.get("LATE_GRACE_DAYS"), 2),
        # The day of the week the office transfers available money to sellers, Jakarta calendar
        # (payouts/schedule.py): the sellers' and curators' payout pages name the next one.
        "PAYOUT_WEEKDAY": _weekday(env.get("PAYOUT_WEEKDAY"), 4),
        # An exchange rate older than this is shown but not charged (marketplace/markets).
        "RATE_STALE_DAYS": int(env.get("RATE_STALE_DAYS", "7")),
        # CN22 up to 300 SDR of contents (in rupiah), CN23 above (marketplace/shipping/customs.py).
        "CUSTOMS_CN22_MAX_IDR": int(env.get("CUSTOMS_CN22_MAX_IDR", "6300000")),
        # The account buyers transfer to; the demo shows a placeholder until these are set.
        "BANK_NAME": env.get("BANK_NAME") or None,
        "BANK_ACCOUNT_NUMBER": env.get("BANK_ACCOUNT_NUMBER") or None,
        "BANK_ACCOUNT_HOLDER": env.get("BANK_ACCOUNT_HOLDER") or None,
        # How buyers reach the district office once a parcel arrived (cases/listeners.py); unset: not shown.
        "OFFICE_EMAIL": env.get("OFFICE_EMAIL", "").strip(),
        "OFFICE_PHONE": env.get("OFFICE_PHONE", "").strip(),
        "BABEL_DEFAULT_LOCALE": "id",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Jakarta",
        "BABEL_TRANSLATION_DIRECTORIES": str(REPO_ROOT / "marketplace" / "translations"),
        "LANGUAGES": ("id", "en"),
        "SESSION_COOKIE_NAME": "session",  # Flask's default, named here: the page cache reads it
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": production,
        "PREFERRED_URL_SCHEME": "https" if production else "http",
        "SERVER_NAME_FOR_LINKS": public_base_url,
        # Set by `flask serve` when it starts the local Stripe-compatible test server (development
        # without STRIPE_SECRET_KEY): card payments go to its test-mode page, no real money moves.
        "STRIPE_LOCAL_TEST_MODE": _bool(env.get("STRIPE_LOCAL_TEST_MODE")) and not production,
        # Extra origins forms may post to (space-separated), e.g. that local payment page.
        "CSP_EXTRA_FORM_ACTION": tuple(env.get("CSP_EXTRA_FORM_ACTION", "").split()),
        "MAX_CONTENT_LENGTH": int(env.get("MAX_UPLOAD_BYTES", str(12 * 1024 * 1024))),
        # Seconds a request body may send nothing before the request ends (marketplace/client_timeout.py).
        "CLIENT_IDLE_TIMEOUT_SECONDS": _int(env.get("CLIENT_IDLE_TIMEOUT_SECONDS"), 30),
        "WTF_CSRF_TIME_LIMIT": None,
        "WTF_CSRF_FIELD_NAME": "csrf_token",  # Flask-WTF's default; the templates name the field so
        "WTF_CSRF_SECRET_KEY": env.get("WTF_CSRF_SECRET_KEY") or secret_key,
        # Host names requests may carry (space-separated); unset: any (a proxy checks the host).
        "TRUSTED_HOSTS": tuple(env.get("TRUSTED_HOSTS", "").split()) or None,
        "RATELIMIT_ENABLED": _bool(env.get("RATELIMIT_ENABLED"), True),
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        # Redis away: count in this process until it answers again (Flask-Limiter logs both moments),
        # never a 500 and never a request waiting long for it.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_STORAGE_OPTIONS": {"socket_timeout": 0.5, "socket_connect_timeout": 0.5}
        if redis_url
        else {},
        "RATELIMIT_HEADERS_ENABLED": True,
        # Reverse proxies in front of the app whose X-Forwarded-For/-Proto/-Host count (web.py):
        # 0 ignores those headers; the client address is then the connection's.
        "TRUSTED_PROXIES": _int(env.get("TRUSTED_PROXIES"), 0),
        # Rate limits in flask-limiter's notation (accounts/throttle.py). Failed logins per account
        # from one client address, per client address over all accounts, and per account from
        # devices it was never used on (past that, such a device needs the emailed unlock link).
        "LOGIN_RATE_LIMIT": env.get("LOGIN_RATE_LIMIT") or "10 per minute",
        "LOGIN_CLIENT_RATE_LIMIT": env.get("LOGIN_CLIENT_RATE_LIMIT") or "30 per 10 minutes",
        "LOGIN_ACCOUNT_RATE_LIMIT": env.get("LOGIN_ACCOUNT_RATE_LIMIT") or "20 per hour",
        "REGISTER_RATE_LIMIT": env.get("REGISTER_RATE_LIMIT") or "20 per hour",
        # Order lookups by number and email (/orders/find) that found nothing, per client address.
        "ORDER_LOOKUP_RATE_LIMIT": env.get("ORDER_LOOKUP_RATE_LIMIT") or "10 per 10 minutes",
        # Password-reset requests per client address, and per email address asked for.
        "PASSWORD_RESET_RATE_LIMIT": env.get("PASSWORD_RESET_RATE_LIMIT") or "5 per hour",
        "PASSWORD_RESET_EMAIL_RATE_LIMIT": env.get("PASSWORD_RESET_EMAIL_RATE_LIMIT") or "3 per hour",
        "SEND_FILE_MAX_AGE_DEFAULT": 3600,
    }
