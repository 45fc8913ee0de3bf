"""Settings, all from the environment: production needs no code change, only variables.

Unset DATABASE_URL means the embedded default (a SQLite file under var/); unset REDIS_URL means
Celery runs tasks eagerly in-process and the cache is local memory. Production secrets have no
default: with DEBUG off, a missing SECRET_KEY stops the process at start-up.
"""

from datetime import timedelta
from pathlib import Path
from typing import Any

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

from attendance_site.storage import object_storage

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()


def _positive(name: str, *, default: int) -> int:
    """A whole number of at least 1 from the environment; anything else stops the start-up."""
    value = env.int(name, default=default)
    if value < 1:
        raise ImproperlyConfigured(f"{name} must be a whole number of at least 1.")
    return value


DEBUG = env.bool("DEBUG", default=False)
if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", default="insecure-development-key-do-not-use-in-production")
else:
    SECRET_KEY = env.str("SECRET_KEY", default="")
    if not SECRET_KEY:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "attendance_site.apps.SiteConfig",
    "registers",
    "absences",
    "penalties",
    "reports",
    "retention",
    "demo",
]

MIDDLEWARE = [
    # /health/ for docker-compose and monitors, before the host check and HTTPS redirect.
    "attendance_site.health.HealthEndpoint",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The figures, dashboards, exports and API reads from the replica, when there is one.
    "core.db_routing.ReplicaReads",
    # The user's roles read once per request, for every access check of it.
    "registers.permissions.RolesPerRequest",
    "django.contrib.messages.middleware.MessageMiddleware",
    # No signed-in answer cached; a session left idle signed out (attendance_site/sessions.py).
    "attendance_site.sessions.NoStoreWhenSignedIn",
    "attendance_site.sessions.IdleTimeout",
    # Heads, the office and administrators finish signing in with a one-time code.
    "attendance_site.two_step.SecondStepRequired",
    # A form that creates something runs once however often it is sent (a double click).
    "registers.middleware.SubmitOnce",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the locked-out page.
    "axes.middleware.AxesMiddleware",
]

if not DEBUG:
    # In production gunicorn serves the collected static files itself; runserver does in DEBUG.
    MIDDLEWARE.insert(2, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "attendance_site.urls"

TEMPLATES: list[dict[str, Any]] = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            # Dates and percentages read the same on every page (registers/templatetags).
            "builtins": ["registers.templatetags.display"],
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "registers.context_processors.register_reminders",
                "attendance_site.navigation.navigation",
            ],
        },
    },
]

WSGI_APPLICATION = "attendance_site.wsgi.application"
ASGI_APPLICATION = "attendance_site.asgi.application"

# An empty DATABASE_URL (a blank line in .env) means the embedded default, as unset does.
DATABASES = {
    "default": env.db_url_config(
        env.str("DATABASE_URL", default="") or f"sqlite:///{VAR_DIR / 'attendance.sqlite3'}"
    ),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Connections kept between requests and tasks (CONN_MAX_AGE seconds, 0: one per request) are
# checked before reuse, so one broken by a database restart is replaced, not handed out.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # PostgreSQL's JIT compiles a large statement (the statistics, the threshold) afresh each
    # time, adding 0.3-0.5 s to answers that take 0.1 s: it never pays for itself here.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
    # The register's fixed statements (registers/lib/statements.py) are prepared on a
    # connection's second use of each, so PostgreSQL parses and plans them once per connection.
    # Django's own queries bind on the client and are never prepared. Off
    # (DATABASE_PREPARED_STATEMENTS=0) behind a pooler that cannot keep prepared statements.
    DATABASES["default"]["OPTIONS"]["prepare_threshold"] = (
        1 if env.bool("DATABASE_PREPARED_STATEMENTS", default=True) else None
    )
    # Django's backend, aware of the tables partitioned by school year (their GROUP BY).
    DATABASES["default"]["ENGINE"] = "core.backends.postgresql"
# A streaming replica of the primary (core/db_routing.py): the figures, dashboards, exports and
# the API's reads go there; everything that writes, and what must see its own writes, does not.
REPLICA_DATABASE_URL = env.str("REPLICA_DATABASE_URL", default="")
if REPLICA_DATABASE_URL:
    DATABASES["replica"] = {
        **env.db_url_config(REPLICA_DATABASE_URL),
        "ATOMIC_REQUESTS": False,
        "CONN_MAX_AGE": DATABASES["default"]["CONN_MAX_AGE"],
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": dict(DATABASES["default"].get("OPTIONS", {})),
        "TEST": {"MIRROR": "default"},
    }
    if DATABASES["replica"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["replica"]["ENGINE"] = "core.backends.postgresql"
REPLICA_READS = bool(REPLICA_DATABASE_URL)
DATABASE_ROUTERS = ["core.db_routing.ReplicaRouter"]
# Seconds after a user's write during which their reads stay on the primary (read-your-writes).
REPLICA_STICKY_SECONDS = _positive("REPLICA_STICKY_SECONDS", default=10)
# A replica further behind than this is not read (its figures would be stale); checked at most
# every REPLICA_LAG_CHECK_SECONDS by each process.
REPLICA_MAX_LAG_SECONDS = _positive("REPLICA_MAX_LAG_SECONDS", default=30)
REPLICA_LAG_CHECK_SECONDS = _positive("REPLICA_LAG_CHECK_SECONDS", default=5)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes first: it refuses a locked-out sign-in before the password is even checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Five failed sign-ins for one username from one address lock that pair out for 30 minutes.
# Combining the two means an attacker guessing one account cannot lock its owner out from
# school, and one address cannot try many passwords against one account. And
# SIGN_IN_ADDRESS_FAILURE_LIMIT (20) failures from one address, whatever the usernames, lock
# the address out for as long: password spraying (core/security.py).
AXES_FAILURE_LIMIT = 5
AXES_ADDRESS_FAILURE_LIMIT = _positive("SIGN_IN_ADDRESS_FAILURE_LIMIT", default=20)
AXES_COOLOFF_TIME = timedelta(minutes=30)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_HANDLER = "core.security.PairOrAddressHandler"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Successful sign-ins need no second table of who signed in from where.
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False  # no banner on every start-up
# Behind the reverse proxy the client's address is the one the last proxy appended to
# X-Forwarded-For; TRUSTED_PROXY_COUNT says how many proxies are in front (0: REMOTE_ADDR).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "core.security.client_ip"
# The parents' sign-in form: requests from one client (IP address) in 15 minutes, whatever the
# addresses asked for, on top of three links per address (absences/services/parents.py).
PARENT_SIGN_IN_REQUESTS_PER_CLIENT = _positive("PARENT_SIGN_IN_REQUESTS_PER_CLIENT", default=10)
# Time-based one-time passwords (django-otp): the name authenticator apps show.
OTP_TOTP_ISSUER = "School attendance"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=str(VAR_DIR / "static"))
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Letters in an S3-compatible object store, which every web node and worker reads alike
# (attendance_site/storage.py); unset, they are files under MEDIA_ROOT on this machine.
STORAGE_BUCKET = env.str("STORAGE_BUCKET", default="")
if STORAGE_BUCKET:
    STORAGES["default"] = object_storage(
        bucket=STORAGE_BUCKET,
        endpoint_url=env.str("STORAGE_ENDPOINT_URL", default=""),
        region=env.str("STORAGE_REGION", default=""),
        access_key=env.str("STORAGE_ACCESS_KEY_ID", default=""),
        secret_key=env.str("STORAGE_SECRET_ACCESS_KEY", default=""),
        prefix=env.str("STORAGE_PREFIX", default=""),
    )


def redis_cache(url: str) -> dict:
    """The CACHES entry for Redis at `url`: failing open (attendance_site/cache.py), with
    timeouts short enough that a Redis gone away costs a page well under a second."""
    return {
        "BACKEND": "attendance_site.cache.FailOpenRedisCache",
        "LOCATION": url,
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }


REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    # Fails open: while Redis is down a cache read is a miss (attendance_site/cache.py).
    CACHES = {"default": redis_cache(REDIS_URL)}
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CELERY_BROKER_URL = "memory://"
    CELERY_TASK_ALWAYS_EAGER = True
    CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE

# --- Pages without Redis (issue 19) ---------------------------------------------------------
# Sessions in the database only, never in the cache: signing in and every signed-in page work
# while Redis is down. (The sign-in lockout and the parents' sign-in limit count in the
# database too: attendance_site/security.py, absences/services/parents.py.)
SESSION_ENGINE = "django.contrib.sessions.backends.db"
# Nothing reads a task's result, so none is kept: otherwise every `.delay()` first subscribes
# to its result in Redis, retrying for 20 s when Redis is down (issue 19: "the queueing call
# blocked 19.5 s"). A caller that wants one passes `ignore_result=False`.
CELERY_TASK_IGNORE_RESULT = True
# ---------------------------------------------------------------------------------------------
CELERY_TASK_SOFT_TIME_LIMIT = 300
CELERY_TASK_TIME_LIMIT = 360
# Work that must happen (issue 19): a task is acknowledged when it has finished, not when a
# worker took it, so a worker killed mid-task (or its pool process) leaves it to run again;
# each worker process holds one task at a time, so none sits prefetched behind a long letter.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Redis gives an unacknowledged task to another worker after the visibility timeout: above the
# hard time limit (a task still running is never run twice at once), and minutes rather than
# the default hour. Queueing a task from a page (`.delay()` after the commit) holds the page at
# most a few seconds while Redis is down: a refused connection fails at once and is tried once
# more, a Redis that accepts and never answers after 2 s. The message is not lost: the outbox's
# sweeper queues it later. (The worker's own connection keeps retrying for ever.)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_TASK_TIME_LIMIT + 240,
    "socket_connect_timeout": 1,
    "socket_timeout": 2,
    # Connecting to publish: one retry, then give up (the worker's own reconnecting is
    # governed by broker_connection_retry, which keeps trying).
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 1,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 1
CELERY_REDIS_SOCKET_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_BEAT_SCHEDULE: dict = {
    # The outbox: messages not sent within a few minutes are queued again, backing off to hours.
    "sweep-outbox": {
        "task": "registers.tasks.sweep_outbox",
        "schedule": crontab(minute="*"),
    },
    # Missing registers: remind teachers and the office of a register still not taken some
    # minutes after it opened (the school's setting, default 10).
    "remind-missing-registers": {
        "task": "registers.tasks.remind_missing_registers",
        "schedule": crontab(minute="*"),
    },
    # Registers taken after their close, listed for the head each Monday for the week before.
    "registers-taken-late-weekly": {
        "task": "registers.tasks.email_registers_taken_late",
        "schedule": crontab(hour=7, minute=0, day_of_week="mon"),
    },
    # Luston and Shobdon 4.5: an N is resolved within 5 school days; flag the rest after school.
    "flag-overdue-n-codes": {
        "task": "absences.tasks.flag_overdue_n_codes",
        "schedule": crontab(hour=16, minute=30),
    },
    # National framework: 10 unauthorised sessions in 10 school weeks opens a case overnight.
    # Again each hour until 05:00: a run stopped part-way (a worker killed) carries on from
    # the school it stopped at; the schools already checked that night are skipped.
    "check-thresholds-nightly": {
        "task": "penalties.tasks.check_thresholds_for_every_school",
        "schedule": crontab(hour="2-5", minute=0),
    },
    # First-day absence e-mails: once a morning register has closed (08:45-09:30 in the seed
    # schools), parents of pupils coded N with nothing heard are e-mailed, once a day.
    "first-day-absence-messages": {
        "task": "absences.tasks.send_first_day_messages",
        "schedule": crontab(minute="*/5", hour="8-11", day_of_week="mon-fri"),
    },
    # HMFA: parents are told in writing of absence recorded as unauthorised (where switched on).
    "unauthorised-absence-letters-weekly": {
        "task": "absences.tasks.request_unauthorised_absence_letters",
        "schedule": crontab(hour=16, minute=0, day_of_week="fri"),
    },
    # Intervention ladder (95 / 93 / 90 %): record pupils who fell below a step, weekly.
    "intervention-ladder-weekly": {
        "task": "penalties.tasks.intervention_ladder_for_every_school",
        "schedule": crontab(hour=3, minute=0, day_of_week="mon"),
    },
    # The one-time tokens of forms sent (a double click creates one): forgotten after a week.
    "submitted-forms-forget-nightly": {
        "task": "registers.tasks.forget_submitted_forms",
        "schedule": crontab(hour=1, minute=45),
    },
    # Half-written letters of a worker killed mid-write (the outbox draws them again).
    "remove-abandoned-drawings-nightly": {
        "task": "registers.tasks.remove_abandoned_drawings",
        "schedule": crontab(hour=1, minute=50),
    },
    # PostgreSQL: the marks, pupil weeks and registers of this school year and the next have
    # partitions before they are written; a year imported into a default partition gets its own.
    "school-year-partitions-nightly": {
        "task": "registers.tasks.ensure_school_year_partitions",
        "schedule": crontab(hour=1, minute=15),
    },
    # 2024 regulations: entries are kept six years (or the federation's longer period), no longer.
    "retention-nightly": {
        "task": "retention.tasks.retention_run_for_every_federation",
        "schedule": crontab(hour=1, minute=30),
    },
}

# EMAIL_URL such as smtp+tls://user:password@smtp.example.org:587 (django-environ's form).
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="attendance@localhost")
# Seconds a mail server may take to answer before the attempt fails and the outbox tries later
# (unset, a server that accepts and never answers would hold a worker until its time limit).
EMAIL_TIMEOUT = _positive("EMAIL_TIMEOUT", default=20)

# Text messages through GOV.UK Notify (first-day absence messages where a school chooses
# texts). The key is the one Notify's "API integration" page gives; the template is a text
# message template whose whole content is the placeholder ((message)).
NOTIFY_API_KEY = env.str("NOTIFY_API_KEY", default="")
NOTIFY_BASE_URL = env.str("NOTIFY_BASE_URL", default="https://api.notifications.service.gov.uk")
NOTIFY_FIRST_DAY_TEMPLATE_ID = env.str("NOTIFY_FIRST_DAY_TEMPLATE_ID", default="")
NOTIFY_TIMEOUT = _positive("NOTIFY_TIMEOUT", default=10)

if not DEBUG:
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    # "HEADER,value" as the proxy sets it; empty when no proxy terminates TLS in front.
    _proxy_ssl_header = env.list(
        "SECURE_PROXY_SSL_HEADER", default=["HTTP_X_FORWARDED_PROTO", "https"]
    )
    if _proxy_ssl_header:
        if len(_proxy_ssl_header) != 2:
            raise ImproperlyConfigured(
                "SECURE_PROXY_SSL_HEADER must be 'HEADER,value', e.g. HTTP_X_FORWARDED_PROTO,https."
            )
        SECURE_PROXY_SSL_HEADER = tuple(_proxy_ssl_header)
SESSION_COOKIE_HTTPONLY = True
# Shared school computers: a session unused for SESSION_IDLE_MINUTES is signed out, and none
# lasts longer than SESSION_MAX_HOURS after signing in (Django's default was 14 days).
SESSION_IDLE_TIMEOUT = timedelta(minutes=_positive("SESSION_IDLE_MINUTES", default=30))
SESSION_COOKIE_AGE = int(
    timedelta(hours=_positive("SESSION_MAX_HOURS", default=12)).total_seconds()
)
# No page script reads the CSRF cookie: forms carry the token, so the cookie can be HTTP-only.
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp): the site's own scripts, styles and images only, no
# inline script at all, no <style> blocks, no framing. Scripts and stylesheets live in static/.
# Style attributes are allowed: the charts are inline SVG whose shapes are coloured by them;
# they cannot run code, and anything they could load is held to img-src 'self'.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

REST_FRAMEWORK = {
    # The API answers to a signed-in browser session or a token (`manage.py drf_create_token`),
    # with the same access rules either way.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # Bodies are JSON only, in the views and so in the schema: a schema offering form and
    # multipart bodies too makes generated clients (openapi-python-client) unable to write.
    # JSON nested past a bound is refused before Python's recursive parser sees it.
    "DEFAULT_PARSER_CLASSES": ["core.api_parsers.BoundedJSONParser"],
    "EXCEPTION_HANDLER": "core.api_errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "core.api_pagination.Pagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "School attendance API",
    "DESCRIPTION": "Registers, marks, absence follow-up, leave and threshold cases, scoped to "
    "the signed-in member of staff's schools and role.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and its documentation page are for signed-in users only: they list every
    # endpoint and field of the pupils' data.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # The site may have no internet: Swagger UI is served from drf-spectacular-sidecar's files.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Every app spells AM/PM with its own list of choices: one name for all of them.
    "ENUM_NAME_OVERRIDES": {"SessionEnum": "registers.models.schools.SESSION_CHOICES"},
}

# One console handler, and no other: Django's default mail_admins handler would e-mail a
# failing request with its POST data (pupils' names, reasons for absence), so the "django"
# loggers are routed here instead. Log lines carry paths, ids and counts, never request bodies.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # Failed sign-ins and lockouts (warnings), not every successful one.
        "axes": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        # WeasyPrint narrates every letter it draws (INFO) and warns about each SVG styling
        # property of a chart that its CSS parser skips (its SVG renderer reads them itself).
        "weasyprint": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        # The Notify client logs each refused request with Notify's answer, which may quote
        # what was sent; the outbox logs the message's id and the kind of error instead.
        "notifications_python_client": {
            "handlers": ["console"],
            "level": "ERROR",
            "propagate": False,
        },
    },
}
