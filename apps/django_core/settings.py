"""Django settings for django_core. Every value comes from config/ through apps.django_core.env."""

from apps.common.config import REPO_ROOT
from apps.common.logging import configure_logging
from apps.django_core.env import SERVICE, load_settings
from apps.django_core.request_context import quiet_unavailable_health

CONFIG = load_settings()
PRODUCTION = CONFIG.common.profile == "production"

# --- Core ---------------------------------------------------------------------------------
SECRET_KEY = CONFIG.secret_key
DEBUG = CONFIG.debug
ALLOWED_HOSTS = CONFIG.allowed_hosts
ROOT_URLCONF = "apps.django_core.urls"
WSGI_APPLICATION = "apps.django_core.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en-us"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # Before staticfiles: tower's runserver (MySQL or not, static files by WhiteNoise) is the one run.
    "apps.django_core.tower",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files for /api/docs/, as static files
    "apps.django_core.dashboard",
]

MIDDLEWARE = [
    "apps.django_core.request_context.request_context_middleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files, before anything that needs a session or the database (whitenoise.readthedocs.io).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After the HTTPS redirect, before anything answers: a URL without (or with) its slash is a 308.
    "apps.django_core.trailing_slash.trailing_slash_middleware",
    "apps.django_core.problems.problem_middleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Who the caller is, and whether the access table lets them call the route (apps/common/access.py).
    "apps.django_core.access.access_middleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
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

# A URL without its trailing slash is a 308 to the slash URL (apps.django_core.trailing_slash), not
# Django's 301 that drops a body (or its 500 for a write while DEBUG).
APPEND_SLASH = False

# --- Static files: served by WhiteNoise in every profile ---------------------------------------
# With DEBUG on (dev, test) it serves them straight from the apps and STATICFILES_DIRS, re-read on
# change; with it off (production) from STATIC_ROOT, filled by `collectstatic` at build time, under
# content-hashed names with a year's `Cache-Control: immutable` (and gzip copies).
STATIC_URL = "static/"
STATIC_ROOT = REPO_ROOT / ".var" / "static"
# The chart library, from the npm registry as package-lock.json pins it (`make setup` runs npm ci).
STATICFILES_DIRS = [("vendor/uplot", REPO_ROOT / "node_modules" / "uplot" / "dist")]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Request bodies above this get a 413 problem (apps.django_core.problems); Django's default, stated.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# --- Who may call what: the access table (apps/common/access.py, apps.django_core.access) ----------
# A page it refuses to a visitor sends them to the admin's login page.
LOGIN_URL = "admin:login"
# A refused CSRF check is a 403 problem that says why, like every other error.
CSRF_FAILURE_VIEW = "apps.django_core.problems.csrf_failure"

# --- Database: MySQL/MariaDB ----------------------------------------------------------------
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.mysql",
        "NAME": CONFIG.mysql.database,
        "USER": CONFIG.mysql.user,
        "PASSWORD": CONFIG.mysql.password,
        "HOST": CONFIG.mysql.host,
        "PORT": CONFIG.mysql.port,
        # A connection kept a minute per thread, checked before each request reuses it: a restarted
        # server is picked up with no restart here, and a poll costs no new connection.
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
        # A test database gets the same character set as the one scripts/bootstrap_db.py creates.
        "TEST": {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"},
        "OPTIONS": {
            "charset": "utf8mb4",
            "connect_timeout": CONFIG.mysql_connect_timeout,
            "read_timeout": CONFIG.mysql_read_timeout,
        },
    }
}

# --- REST framework ---------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON only (other bodies are 415): HTML-form parsing reads a missing or odd boolean as false.
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    # No session authentication (and so no CSRF check): writes carry a caller's token. The access table
    # decides (a view with no rule in it is refused); BearerChallenge names the scheme in 401 answers.
    "DEFAULT_AUTHENTICATION_CLASSES": ["apps.django_core.api_access.BearerChallenge"],
    "DEFAULT_PERMISSION_CLASSES": ["apps.django_core.api_access.AccessTablePermission"],
    "EXCEPTION_HANDLER": "apps.django_core.problems.drf_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "apps.django_core.openapi.ProblemAutoSchema",
}

# --- OpenAPI: /api/schema/ and its docs page /api/docs/ (drf-spectacular) -----------------------
SPECTACULAR_SETTINGS = {
    "TITLE": "Aetherion Control Tower",
    "DESCRIPTION": "django_core: the instruments the platform follows and the regimes recorded for them.",
    "VERSION": "0.1.0",
    "OAS_VERSION": "3.1.0",  # the problem schemas are JSON Schema 2020-12, as FastAPI's document is
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/",
    # Swagger UI from drf-spectacular-sidecar's static files, not a CDN; no call to validator.swagger.io.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "apps.django_core.openapi.problem_components",
    ],
}

# --- Logging: one line per request, plain or JSON (apps.common.logging) ---------------------
LOGGING_CONFIG = None
configure_logging(SERVICE, CONFIG.common.log_level, CONFIG.common.log_format)
quiet_unavailable_health()

# --- Production: HTTPS only (`manage.py check --deploy` passes with no warning) -------------
if PRODUCTION:
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^health(/|$)"]  # probes from the platform speak plain HTTP inside it
    if CONFIG.behind_proxy:  # only when the deployment says a proxy sets it: else any client could
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
    # Subdomains and the browsers' preload list bind every host of the domain to HTTPS for years:
    # each is the deployment's choice (DJANGO_HSTS_INCLUDE_SUBDOMAINS, DJANGO_HSTS_PRELOAD), off by default.
    SECURE_HSTS_INCLUDE_SUBDOMAINS = CONFIG.hsts_include_subdomains
    SECURE_HSTS_PRELOAD = CONFIG.hsts_preload
    SILENCED_SYSTEM_CHECKS = [
        *(["security.W005"] if not CONFIG.hsts_include_subdomains else []),  # chosen off, not forgotten
        *(["security.W021"] if not CONFIG.hsts_preload else []),
    ]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
