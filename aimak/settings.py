"""Settings come from the environment; the defaults run Aimak on a local SQLite file.

Environment variables:
    DATABASE_URL   e.g. postgres://postgres@127.0.0.1:5432/aimak (default: SQLite in var/)
    SECRET_KEY     required when DEBUG is off
    DEBUG          "1"/"true" to enable debug pages (default: on only for local runs)
    ALLOWED_HOSTS  comma-separated host names
    AIMAK_DATA     where the reference data lives: a folder or an http(s) URL
                   (default: ../shared/data next to the checkout)
    AIMAK_VAR      where Aimak keeps its database file, uploads and e-mails (default: ./var)
"""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
PACKAGE_DIR = Path(__file__).resolve().parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


VAR_DIR = Path(os.environ.get("AIMAK_VAR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", default=False)
SECRET_KEY = os.environ.get("SECRET_KEY") or ""
if not SECRET_KEY:
    if not DEBUG and env_bool("AIMAK_PRODUCTION"):
        raise RuntimeError("SECRET_KEY must be set in production")
    SECRET_KEY = "aimak-insecure-development-key-change-me"

ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

AIMAK_DATA = os.environ.get("AIMAK_DATA") or str(BASE_DIR.parent / "shared" / "data")

INSTALLED_APPS = [
    # modeltranslation must come before the admin
    "modeltranslation",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "aimak.core",
    "aimak.audit",
    "aimak.accounts",
    "aimak.territories",
    "aimak.monitoring",
    "aimak.incidents",
    "aimak.exchange",
    "aimak.programs",
    "aimak.calls",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "aimak.core.context.RequestContextMiddleware",
    "aimak.core.middleware.LanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "aimak.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "aimak.core.context_processors.aimak",
            ],
        },
    },
]

WSGI_APPLICATION = "aimak.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'aimak.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # WAL lets readers work while an import writes; busy timeout avoids "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:home"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Languages: Kyrgyz (state language), Russian (official), English (partners).
LANGUAGE_CODE = "ky"
LANGUAGES = [
    ("ky", "Кыргызча"),
    ("ru", "Русский"),
    ("en", "English"),
]
LANGUAGE_NAMES = {"ky": _("Kyrgyz"), "ru": _("Russian"), "en": _("English")}
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Asia/Bishkek"
USE_THOUSAND_SEPARATOR = True
LANGUAGE_COOKIE_NAME = "aimak_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"

MODELTRANSLATION_DEFAULT_LANGUAGE = "ru"
MODELTRANSLATION_LANGUAGES = ("ky", "ru", "en")
MODELTRANSLATION_FALLBACK_LANGUAGES = {
    "default": ("ru", "ky", "en"),
    "ky": ("ru", "en"),
    "ru": ("ky", "en"),
    "en": ("ru", "ky"),
}

STATIC_URL = "/static/"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]  # the layout's CSS and the vendored libraries
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or env_bool("AIMAK_PLAIN_STATIC", True)
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024

# Caches: nothing to install. "answers" keeps dashboard answers per version of the data
# (aimak/core/answers.py, ADR 0010) in files under var/, shared by the web server's processes,
# so an answer is computed once per version for the whole server, not once per process.
# AIMAK_ANSWER_CACHE_SECONDS=0 turns it off (the test suite does: every test sees its writes);
# each process reads the data version at most every AIMAK_ANSWER_VERSION_SECONDS.
AIMAK_ANSWER_CACHE_SECONDS = int(os.environ.get("AIMAK_ANSWER_CACHE_SECONDS", "300"))
AIMAK_ANSWER_VERSION_SECONDS = float(os.environ.get("AIMAK_ANSWER_VERSION_SECONDS", "1"))
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "aimak-default"},
    "answers": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": str(VAR_DIR / "cache" / "answers"),
                "OPTIONS": {"MAX_ENTRIES": 2000}},
}

# Background work (ADR 0001): tasks are rows in the database, run by `aimak db_worker`
# (`dev.py run` starts one next to the web server). No broker. AIMAK_TASKS_IMMEDIATE=1 runs
# them inside the request instead, for a one-process installation without a worker.
TASKS = {
    "default": {
        "BACKEND": "django_tasks.backends.immediate.ImmediateBackend"
        if env_bool("AIMAK_TASKS_IMMEDIATE")
        else "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}
EXPORTS_DIR = "exports"  # under MEDIA_ROOT; finished export files, served only to their requester
EXPORT_KEEP_DAYS = int(os.environ.get("AIMAK_EXPORT_KEEP_DAYS", "7"))

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "aimak@localhost")

SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", 8 * 3600))
CSRF_FAILURE_VIEW = "aimak.accounts.views.csrf_failure"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if env_bool("AIMAK_HTTPS"):
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 100,
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "aimak.accounts.tokens.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["aimak.accounts.tokens.TokenScopePermission"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Aimak API",
    "DESCRIPTION": "Territories, monitoring and development programs of Kyrgyz local self-government.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a "status" or "level" with their own choices; name each enum once.
    "ENUM_NAME_OVERRIDES": {
        "ReportStatusEnum": "aimak.monitoring.models.Report.Status",
        "AlertStatusEnum": "aimak.monitoring.models.Alert.Status",
        "PlanStatusEnum": "aimak.monitoring.models.ResponsePlan.Status",
        "MeasureStatusEnum": "aimak.monitoring.models.PlanMeasure.Status",
        "TensionLevelEnum": "aimak.monitoring.models.Level",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
