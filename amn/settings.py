"""Settings for the whole project, read from the environment.

DATABASE_URL selects PostgreSQL in production; without it a SQLite file in the project
folder is used so that a newcomer needs nothing installed.
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from amn.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set SECRET_KEY in the environment (or DEBUG=1 for development)."
        )
    SECRET_KEY = "development-only-secret-key-never-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "amn.admin_apps.AmnAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tables2",
    "import_export",
    "axes",
    "amn",
    "budget",
    "organisation",
    "goals",
    "indicators",
    "reports",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Inside authentication, so that it knows who is logged in when the answer passes.
    "amn.middleware.PrivateNoStoreMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
    # Innermost, so that its refusal gets the headers above; it still runs before any view
    # or middleware reads the body (CSRF reads it only in process_view).
    "amn.middleware.RequestSizeLimitMiddleware",
]

ROOT_URLCONF = "amn.urls"

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
            ],
        },
    },
]

WSGI_APPLICATION = "amn.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Each worker process keeps rendered tables (remembered by their content, so never stale)
# in its own memory: 200 pairs of driftsammandrag tables are a few MB.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "OPTIONS": {"MAX_ENTRIES": 200},
    }
}

AUTHENTICATION_BACKENDS = [
    # Counts failed logins and refuses further attempts (see "Login throttling" below).
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env_int("PASSWORD_MIN_LENGTH", 12)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", "Svenska")]
TIME_ZONE = "Europe/Stockholm"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "amn:start"
LOGOUT_REDIRECT_URL = "login"

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

DJANGO_TABLES2_TEMPLATE = "django_tables2/table.html"

# HTTPS only in production. The application stands behind a TLS-terminating proxy that
# sets X-Forwarded-Proto; `manage.py check --deploy --fail-level WARNING` passes with these.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
# A session lasts a working day at most and ends when the browser closes.
SESSION_COOKIE_AGE = env_int("SESSION_HOURS", 8) * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Content-Security-Policy: no inline scripts or styles and nothing from other origins;
# templates keep styles in static/css and the charts are SVG drawn on the server.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Login throttling (django-axes, amn.login_throttling): after LOGIN_FAILURE_LIMIT wrong
# passwords a username is refused from that address for LOGIN_COOLOFF_MINUTES (guessing one
# account's password); an address is refused after LOGIN_ADDRESS_FAILURE_LIMIT failures for
# any usernames (one password tried on many accounts); a username is refused from every
# address only after LOGIN_USERNAME_FAILURE_LIMIT failures counted at most
# LOGIN_FAILURE_LIMIT per address (guessing spread over many addresses), so no single
# address can lock another user out. A successful login clears only its own username's
# failures from its own address. Locked out: 429 and a page saying when to retry. Behind a
# proxy, set TRUSTED_PROXY_COUNT so that the address is the client's, not the proxy's.
AXES_HANDLER = "amn.login_throttling.LoginThrottlingHandler"
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_ADDRESS_FAILURE_LIMIT = env_int("LOGIN_ADDRESS_FAILURE_LIMIT", 20)
LOGIN_USERNAME_FAILURE_LIMIT = env_int("LOGIN_USERNAME_FAILURE_LIMIT", 50)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "amn.client_address.client_address"
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # django-axes logs every login at INFO; failures and lockouts are warnings.
    "loggers": {"axes": {"level": "WARNING"}},
}

# Uploaded workbooks (ledger and indicator imports): limits checked from the zip directory
# before anything is unpacked (amn.lib.uploads).
UPLOAD_MAX_UNPACKED_BYTES = env_int("UPLOAD_MAX_UNPACKED_BYTES", 500_000_000)
UPLOAD_MAX_COMPRESSION_RATIO = env_int("UPLOAD_MAX_COMPRESSION_RATIO", 200)
UPLOAD_MAX_ZIP_ENTRIES = env_int("UPLOAD_MAX_ZIP_ENTRIES", 1_000)
# Cells of one worksheet, counted over the range it declares and the range its cells use,
# checked before calamine allocates that range (about 32 bytes a cell).
UPLOAD_MAX_SHEET_CELLS = env_int("UPLOAD_MAX_SHEET_CELLS", 10_000_000)
# Beyond 100 000 cells, the range a sheet's cells use may be at most this many times the
# number of its cells: a far cell in a small file costs reading time for every empty row.
UPLOAD_MAX_SHEET_SPARSENESS = env_int("UPLOAD_MAX_SHEET_SPARSENESS", 10)
# The longest CSV field: Excel's own limit of a cell.
UPLOAD_MAX_CELL_CHARS = env_int("UPLOAD_MAX_CELL_CHARS", 32_767)
# Every uploaded file is read in a process of its own with these limits (amn.lib.sandbox).
UPLOAD_READ_MAX_MEMORY_MB = env_int("UPLOAD_READ_MAX_MEMORY_MB", 2_048)
UPLOAD_READ_MAX_SECONDS = env_int("UPLOAD_READ_MAX_SECONDS", 300)
# A file read inside a web request (the indicator upload) gets this long instead: below
# gunicorn's worker timeout (--timeout 60 in the Dockerfile), so that the request answers
# with a refusal before the worker would be killed.
UPLOAD_READ_MAX_SECONDS_IN_REQUEST = env_int("UPLOAD_READ_MAX_SECONDS_IN_REQUEST", 20)
# Ledger import: the size limit of a file, and where uploads wait for reading.
LEDGER_IMPORT_MAX_BYTES = env_int("LEDGER_IMPORT_MAX_BYTES", 50_000_000)
# Any request body: refused from its declared length before it is read (see
# amn.middleware); a little above the largest import limit so that the import can name the
# file in its own message.
UPLOAD_MAX_REQUEST_BYTES = env_int("UPLOAD_MAX_REQUEST_BYTES", LEDGER_IMPORT_MAX_BYTES + 5_000_000)
# Read uploaded files in a background thread so that no web worker waits on a big file.
LEDGER_IMPORT_IN_BACKGROUND = env_bool("LEDGER_IMPORT_IN_BACKGROUND", True)
# Background reading is bounded: at most LEDGER_READERS files are read at once per process
# (each holds up to two database connections; waiting files hold none), and a nämnd, or a
# user, has at most LEDGER_READS_IN_PROGRESS files being read or waiting.
LEDGER_READERS = env_int("LEDGER_READERS", 2)
LEDGER_READS_IN_PROGRESS = env_int("LEDGER_READS_IN_PROGRESS", 3)
# Indicator values in Excel: every row of an upload is previewed on one page, so a file
# far beyond a nämnd's figures (a few thousand rows) is refused before it is read.
INDICATOR_IMPORT_MAX_BYTES = env_int("INDICATOR_IMPORT_MAX_BYTES", 5_000_000)
UPLOAD_DIR = Path(env_str("UPLOAD_DIR", str(BASE_DIR / "var" / "uploads")))
DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000_000
# The value entry page posts every input it shows (the manifest refuses a partial post):
# the demo nämnd's page has about 750, so Django's default of 1 000 would refuse a nämnd
# with a third more series. The memory limit above still bounds a post.
DATA_UPLOAD_MAX_NUMBER_FIELDS = env_int("DATA_UPLOAD_MAX_NUMBER_FIELDS", 20_000)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_500_000

# Headless Chromium prints reports to PDF; empty: `chromium` on the PATH.
CHROMIUM = env_str("CHROMIUM", "")
# At most this many PDFs are printed at once across all processes; a download that finds
# them all busy is answered 503 with Retry-After at once (reports.services.pdf).
PDF_RENDERS = env_int("PDF_RENDERS", 2)

# Kolada, the municipal statistics API that indicator values are fetched from. Every call
# waits at most KOLADA_TIMEOUT_SECONDS and a failed call (no connection, 429, 5xx) is tried
# again KOLADA_RETRIES times. The button fetches inside a web request, so the worst case,
# timeout × (retries + 1), stays below gunicorn's worker timeout (60 s in the Dockerfile).
KOLADA_BASE_URL = env_str("KOLADA_BASE_URL", "https://api.kolada.se/v3")
KOLADA_TIMEOUT_SECONDS = env_int("KOLADA_TIMEOUT_SECONDS", 10)
KOLADA_RETRIES = env_int("KOLADA_RETRIES", 1)
