"""Django settings for Community Chest.

Every knob comes from the environment with a default that runs on a laptop (SQLite in var/).
A malformed value stops start-up with a message naming the variable (see config/env.py).
A development checkout also has var/local.env (config/local_settings.py): generated secrets that
every manage.py command and the server share; the real environment wins over it.
"""

from __future__ import annotations

import sys
from pathlib import Path

from config import local_settings
from config.env import (
    env_bool,
    env_choice,
    env_code_keyring,
    env_database,
    env_datetime,
    env_int,
    env_list,
    env_secret_key,
    env_signing_old_keys,
    env_str,
    env_url,
    load_env_file,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

# Read when it exists, whatever DEBUG says (so `manage.py issue_codes` agrees with `make demo`'s
# server); only `python -m config.local_settings` writes it, and `check --deploy` fails if a
# server took any setting from it.
_local_file = local_settings.default_path()
LOCAL_SETTINGS_FILE = ""  # the file read, if any; the names it supplied:
LOCAL_SETTINGS_NAMES: list[str] = []
if _local_file is not None and _local_file.is_file():
    LOCAL_SETTINGS_FILE = str(_local_file)
    LOCAL_SETTINGS_NAMES = load_env_file(_local_file)

DEBUG = env_bool("DEBUG", False)
# Under the test runner, development keys may be derived or generated as with DEBUG; read here
# once, so no module changes behaviour by looking for pytest itself.
TESTING = "pytest" in sys.modules
SECRET_KEY = env_secret_key("SECRET_KEY", debug=DEBUG)
# Voting codes and register keys are HMACs under a key of their own, never derived from
# SECRET_KEY outside development and tests. VOTING_CODE_KEY is KEYID:SECRET (the current key);
# VOTING_CODE_OLD_KEYS lists retired keys the same way. A round pins the key id it first used
# (Round.code_key_id), so rotating the current key changes nothing for a round under way.
VOTING_CODE_KEY_ID, VOTING_CODE_KEYS = env_code_keyring(
    "VOTING_CODE_KEY",
    "VOTING_CODE_OLD_KEYS",
    derive_from=SECRET_KEY if DEBUG or TESTING else None,
)
# The ledger's Ed25519 signing key: inline (PEM or base64) or a file holding it. Without either, a
# development key is generated in var/ only with DEBUG on or under the test runner.
AUDIT_SIGNING_KEY = env_str("AUDIT_SIGNING_KEY", "")
AUDIT_SIGNING_KEY_FILE = env_str("AUDIT_SIGNING_KEY_FILE", "")
# Rotation: when the current key began to sign (ISO time; empty: when the last retired key
# stopped), and the retired keys' public halves with the times they signed between
# (PUBLICKEY@FROM/UNTIL, comma-separated), so checkpoints they signed still verify (/audit/keys).
AUDIT_SIGNING_KEY_SINCE = env_datetime("AUDIT_SIGNING_KEY_SINCE")
AUDIT_SIGNING_OLD_KEYS = env_signing_old_keys("AUDIT_SIGNING_OLD_KEYS")
AUDIT_DEV_KEY_ALLOWED = DEBUG or TESTING
# The key of the ledger's pseudonyms (HMAC of a person's id); SECRET_KEY unless set apart.
AUDIT_PSEUDONYM_KEY = env_str("AUDIT_PSEUDONYM_KEY", "") or SECRET_KEY
# Retention (UK GDPR): a published round's voters' personal data is deleted once its challenge
# period after publication ends; accounts unused this long are warned by email, then deleted
# after the notice period unless their owner signs in (purge_personal_data, run by advance_rounds).
CHALLENGE_PERIOD_DAYS = env_int("CHALLENGE_PERIOD_DAYS", 90, minimum=1, maximum=3650)
ACCOUNT_INACTIVE_DAYS = env_int("ACCOUNT_INACTIVE_DAYS", 3 * 365, minimum=90, maximum=36500)
ACCOUNT_DELETION_NOTICE_DAYS = env_int("ACCOUNT_DELETION_NOTICE_DAYS", 30, minimum=7, maximum=365)
# Where residents find the site: printed on voting letters.
PUBLIC_BASE_URL = env_url("PUBLIC_BASE_URL", "http://127.0.0.1:8000")
# The demo accounts' password (make demo only).
DEMO_PASSWORD = env_str("DEMO_PASSWORD", "community-chest-demo")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
PORT = env_int("PORT", 8000, minimum=1, maximum=65535)
# How many wards' votes one signed-in person may take part in per budget year (a city setting).
WARD_VOTES_PER_YEAR = env_int("WARD_VOTES_PER_YEAR", 1, minimum=1, maximum=100)
# bench/load.py only: mounts a bare one-row-insert endpoint to compare ballots against.
BENCH_ENDPOINTS = env_bool("BENCH_ENDPOINTS", False)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "template_partials",
    "csp",
    "config",
    "audit",
    "wards",
    "budgets",
    "ballots",
    "delivery",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A NUL in a path, query or form field is a 400 before any view (config/nul.py).
    "config.nul.RefuseNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # After sessions, before common: the language follows the django_language cookie (set by the
    # switcher on every page) and otherwise the browser's Accept-Language (README, "Languages").
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "config.context_processors.navigation",
                "config.context_processors.ledger_key",
            ],
        },
    }
]

VAR_DIR.mkdir(exist_ok=True)
DATABASES = {"default": env_database("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
# Persistent connections: a new PostgreSQL backend per request dominates the cost of a ballot.
DATABASES["default"]["CONN_MAX_AGE"] = env_int("CONN_MAX_AGE", 60, minimum=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
# The six languages of the interface, letters and emails, named in their own script for the
# switcher. English is the source text; the others come from locale/<code>/LC_MESSAGES/django.po
# (first versions, not yet reviewed by a native speaker: README, "Languages").
LANGUAGES = [
    ("en-gb", "English"),
    ("ur", "اردو"),
    ("pa", "ਪੰਜਾਬੀ"),
    ("bn", "বাংলা"),
    ("pl", "Polski"),
    ("ar", "العربية"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_TZ = True
USE_THOUSAND_SEPARATOR = False

STATIC_URL = "static/"
# collectstatic's target; nginx serves it at /static/ (deploy/nginx.conf).
STATIC_ROOT = Path(env_str("STATIC_ROOT", "") or VAR_DIR / "static")
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
# Photos on delivery updates (re-encoded, no EXIF or location: delivery/photos.py). The app
# serves them itself only with DEBUG on (make demo); in production the web server (nginx) serves
# MEDIA_ROOT at MEDIA_URL, as the README shows.
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", "") or VAR_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# A shared cache lets rate limits hold across workers; REDIS_URL selects Redis in production.
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Email: account confirmation and password reset -----------------------------------------
# SMTP from the environment. With DEBUG on and no EMAIL_HOST, outgoing mail is written as files
# under var/mail/ so a newcomer running `make demo` can open the links; tests use Django's locmem.
EMAIL_HOST = env_str("EMAIL_HOST", "")
EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1, maximum=65535)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10, minimum=1, maximum=300)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Community Chest <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_FILE_PATH = VAR_DIR / "mail"
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    (
        "django.core.mail.backends.filebased.EmailBackend"
        if DEBUG and not EMAIL_HOST
        else "django.core.mail.backends.smtp.EmailBackend"
    ),
)

# --- Security -------------------------------------------------------------------------------
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many proxies in front of the app append to X-Forwarded-For (0: none, trust REMOTE_ADDR
# only). Rate limits find the real client with it (wards/ratelimit.py client_ip).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0, maximum=10)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# Django's default of 1,000 form fields a request is too few for the paper tick grid (200 paper
# ballots a page, a field per project each); the size limit (2.5 MB) still bounds every request.
DATA_UPLOAD_MAX_NUMBER_FIELDS = env_int(
    "DATA_UPLOAD_MAX_NUMBER_FIELDS", 10_000, minimum=1_000, maximum=100_000
)

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- API ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "config.api_schema.ApiAutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_PAGINATION_CLASS": "config.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "EXCEPTION_HANDLER": "config.api.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"login": "10/min", "code": "20/min"},
    # A DRF throttle, if one is added, looks behind the same trusted proxies as client_ip.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Community Chest API",
    "DESCRIPTION": "Participatory budgeting: wards, budget rounds, proposals, ballots and results.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "ProposalStatusEnum": "budgets.models.ProposalStatus",
        "ReceiptStatusEnum": ["counted", "replaced", "pending"],
        "PaperBatchStatusEnum": "ballots.models.PaperBatch.Status",
        "ReviewDecisionEnum": "budgets.models.ReviewDecision",
        "UnspentMoneyDecisionEnum": ["carried_over", "returned"],
    },
}

# --- Logging: JSON lines on stderr with no personal data (config/logs.py) --------------------
LOG_LEVEL = env_choice("LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"))
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "config.logs.JsonLinesFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        # Django's own request log names the path: the formatter logs the route instead.
        "django": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        "audit": {"level": LOG_LEVEL},
        "wards": {"level": LOG_LEVEL},
        "budgets": {"level": LOG_LEVEL},
        "ballots": {"level": LOG_LEVEL},
        "delivery": {"level": LOG_LEVEL},
        "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
