"""Settings for Newsroom, driven by environment variables (see .env.example).

Defaults are safe: debug is off unless asked for, a secret key is required when it is off,
and HTTPS hardening is on whenever debug is off.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    value = value.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None


DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off. For local development run "
            "`python3 -m newsroom run`; for the tests, `python3 -m newsroom test`."
        )
    SECRET_KEY = "django-insecure-local-development-only"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "taggit",
    "imagekit",
    "reversion",
    "articles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.http.ConditionalGetMiddleware",
    "articles.cache.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "newsroom.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "articles.context_processors.site_navigation",
                "articles.context_processors.language_links",
            ],
        },
    },
]

WSGI_APPLICATION = "newsroom.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DJANGO_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "").strip()
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "newsroom",
        }
    }
else:
    # Files: shared by every worker process on this machine, and nothing to set up.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": Path(os.environ.get("DJANGO_CACHE_DIR", "") or BASE_DIR / ".cache"),
            "OPTIONS": {"MAX_ENTRIES": 20_000},
        }
    }

# The page cache (articles/cache.py): whole public pages for anonymous readers, renewed on
# every content change. Off for debugging and for cold benchmarks.
PAGE_CACHE = env_bool("DJANGO_PAGE_CACHE", True)
PAGE_CACHE_SECONDS = env_int("DJANGO_PAGE_CACHE_SECONDS", 300)
PAGE_CACHE_EXCLUDED_PREFIXES = ("/admin/", "/static/", "/media/")

# A CDN in front (docs/caching.md): public responses name what they show in these headers
# (xkey for Varnish's xkey vmod, Surrogate-Key for Fastly-style CDNs), and every content
# change purges those keys through the purge backend: "none", or "varnish" (a PURGE request
# to each of DJANGO_VARNISH_URLS, e.g. http://127.0.0.1:6081).
SURROGATE_KEY_HEADERS = env_list("DJANGO_SURROGATE_KEY_HEADERS", ["xkey", "Surrogate-Key"])
PURGE_BACKENDS = {
    "none": "articles.cache.NullBackend",
    "varnish": "articles.cache.VarnishBackend",
}
_purge_backend = os.environ.get("DJANGO_PURGE_BACKEND", "").strip().lower() or "none"
if _purge_backend not in PURGE_BACKENDS:
    raise ImproperlyConfigured(
        f"DJANGO_PURGE_BACKEND must be one of {', '.join(PURGE_BACKENDS)}, not {_purge_backend!r}."
    )
PURGE_BACKEND = PURGE_BACKENDS[_purge_backend]
VARNISH_URLS = env_list("DJANGO_VARNISH_URLS", [])
if _purge_backend == "varnish" and not VARNISH_URLS:
    raise ImproperlyConfigured("DJANGO_PURGE_BACKEND=varnish needs DJANGO_VARNISH_URLS.")
for _url in VARNISH_URLS:
    if not _url.startswith(("http://", "https://")):
        raise ImproperlyConfigured(
            f"DJANGO_VARNISH_URLS must start with http:// or https://, not {_url!r}."
        )

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Readers' site languages: every public URL starts with one of these (/en/…, /de/…).
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("de", _("German"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
# Dates from the seed sources carry no time of day; they are stored as midnight here.
TIME_ZONE = os.environ.get("DJANGO_TIME_ZONE", "Europe/Berlin")
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "media"))
FIXTURE_DIRS = [BASE_DIR / "fixtures"]

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Hashed, compressed files need `collectstatic`; debug serves the sources directly.
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage",
    },
}

# HTTPS hardening: on by default whenever debug is off. DJANGO_HTTPS=false serves plain HTTP
# (behind a TLS-terminating proxy on the same host, or for checks on 127.0.0.1) and leaves
# every other production setting as it is.
HTTPS = env_bool("DJANGO_HTTPS", not DEBUG)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = 31_536_000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
if env_bool("DJANGO_TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
}

TAGGIT_CASE_INSENSITIVE = True

# Lead image renditions for srcset are made when an image is saved, not when a page is shown:
# rendering a page never touches the image files.
IMAGEKIT_DEFAULT_CACHEFILE_STRATEGY = "imagekit.cachefiles.strategies.Optimistic"
# Which renditions exist is remembered per process: the files themselves are the truth.
IMAGEKIT_CACHE_BACKEND = "imagekit"
CACHES["imagekit"] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
# Uploaded images (articles/images.py): the largest file, and the most pixels (width × height),
# an editor may upload. Pixels bound the memory that making the renditions takes.
MAX_IMAGE_BYTES = env_int("DJANGO_MAX_IMAGE_BYTES", 10 * 1024 * 1024)
MAX_IMAGE_PIXELS = env_int("DJANGO_MAX_IMAGE_PIXELS", 40_000_000)

# The readers' site. Absolute URLs (canonical links, feeds, sitemaps, JSON-LD) start with
# SITE_URL; empty means the origin of the request being answered.
SITE_URL = os.environ.get("DJANGO_SITE_URL", "").strip().rstrip("/")
if SITE_URL and not SITE_URL.startswith(("https://", "http://")):
    raise ImproperlyConfigured(
        f"DJANGO_SITE_URL must start with https:// or http://, not {SITE_URL!r}."
    )
# Who publishes: named in JSON-LD, feeds and the Google News sitemap.
PUBLISHER_NAME = os.environ.get("NEWSROOM_PUBLISHER_NAME", "").strip() or "Newsroom"
PUBLISHER_LOGO = {"path": "articles/publisher-logo.png", "width": 600, "height": 60}
DEFAULT_SOCIAL_IMAGE = {"path": "articles/social-default.png", "width": 1200, "height": 630}
