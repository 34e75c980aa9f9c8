"""Django settings for django_core. Every value comes from config/ through apps.django_core.env."""

from apps.django_core.env import load_settings

CONFIG = load_settings()

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
    "django.contrib.staticfiles",
    "rest_framework",
    "apps.django_core.tower",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "apps.django_core.problems.problem_middleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
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

STATIC_URL = "static/"

# --- Database: MySQL/MariaDB ----------------------------------------------------------------
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.mysql",
        "NAME": CONFIG.mysql.database,
        "USER": CONFIG.mysql.user,
        "PASSWORD": CONFIG.mysql.password,
        "HOST": CONFIG.mysql.host,
        "PORT": CONFIG.mysql.port,
        # A fresh connection per request: a restarted server is picked up with no restart here.
        "CONN_MAX_AGE": 0,
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
    "EXCEPTION_HANDLER": "apps.django_core.problems.drf_exception_handler",
}

# --- Logging: plain lines on stderr (Honcho adds time and colour) --------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(levelname)s %(name)s %(message)s"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["stderr"], "level": CONFIG.common.log_level},
}
