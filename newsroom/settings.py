"""Settings for Newsroom, driven by environment variables (see .env.example).

Defaults are safe: debug is off unless asked for, a secret key is required when it is off,
and HTTPS hardening is on whenever debug is off.
"""

import base64
import hashlib
import os
import re
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from articles.media.providers import DEFAULT_MASTODON_INSTANCES, frame_sources

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


def inline_style_hashes(template: Path) -> list[str]:
    """CSP sources ('sha256-…') allowing the <style> blocks of a template with no tags."""
    return [
        f"'sha256-{base64.b64encode(hashlib.sha256(block.encode()).digest()).decode()}'"
        for block in re.findall(r"<style>(.*?)</style>", template.read_text(), re.DOTALL)
    ]


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
    "articles.apps.DeskAdminConfig",  # django.contrib.admin with the desk's site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    # Libraries named for editors on the desk's dashboard (newsroom/apps.py): taggit, axes and
    # django_tasks_db.
    "newsroom.apps.TagsConfig",
    "imagekit",
    "reversion",
    "csp",
    "newsroom.apps.LoginProtectionConfig",
    "django_tasks",
    "newsroom.apps.BackgroundJobsConfig",
    "articles",
    # The site's own pages and the editors' menus; built on articles, never imported by it.
    "pages",
]

# The security headers are set outside the page cache, so pages served from it carry them too.
MIDDLEWARE = [
    # First: a kept page is kept with every header the middleware below gave it (security
    # headers, the content security policy: neither has a per-request part), so a hit is
    # answered without them; the page cache answers conditional requests itself.
    "articles.cache.pages.PageCacheMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.http.ConditionalGetMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a refused login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "newsroom.urls"

# Where the editors' desk (the Django admin) answers. Moving it off /admin/ keeps the bots that
# try /admin/ on every site out of the logs; it is no secret, and logins are throttled anyway.
ADMIN_PATH = os.environ.get("DJANGO_ADMIN_PATH", "").strip().strip("/") or "admin"
_segment = r"[\w~-][\w.~-]*"
_reserved = {"en", "de", "static", "media"}
if not re.fullmatch(rf"{_segment}(/{_segment})*", ADMIN_PATH, re.ASCII) or (
    ADMIN_PATH.split("/")[0] in _reserved
):
    raise ImproperlyConfigured(
        "DJANGO_ADMIN_PATH must be a path such as desk/ (letters, digits, _ ~ - . and /), "
        f"outside /en/, /de/, /static/ and /media/, not {ADMIN_PATH!r}."
    )
ADMIN_PATH += "/"

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
                "articles.context_processors.publisher",
                "pages.context_processors.site_menus",
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
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The site and its job worker write to one SQLite file. A transaction that reads, then
    # writes, while another process writes would fail at once with "database is locked" (SQLite
    # cannot let it wait: that could deadlock). Transactions that take the write lock when they
    # begin wait for each other instead, up to the busy timeout; WAL lets readers go on meanwhile.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
        }
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend with deadlines (newsroom/postgresql/base.py): a PostgreSQL that does
    # not answer costs a request seconds, not a worker.
    DATABASES["default"]["ENGINE"] = "newsroom.postgresql"
    # PostgreSQL's JIT compiles queries its planner thinks costly; a page's queries run for
    # milliseconds and compiling took hundreds (docs/performance.md). Off for the site's own
    # connections unless DATABASE_URL's ?options= says otherwise.
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    if "jit" not in _options.get("options", ""):
        _options["options"] = f"{_options.get('options', '')} -c jit=off".strip()
    # Seconds to wait for a connection (psycopg's minimum is 2), and for a statement: PostgreSQL
    # cancels one that runs longer, and a server that does not answer at all is given up a
    # second after that (0: no limit; long maintenance commands may want it).
    _options.setdefault("connect_timeout", env_int("DJANGO_DB_CONNECT_TIMEOUT", 3))
    _statement_timeout = env_int("DJANGO_DB_STATEMENT_TIMEOUT", 5)
    if _statement_timeout > 0:
        if "statement_timeout" not in _options["options"]:
            _options["options"] += f" -c statement_timeout={_statement_timeout * 1000}"
        _options["answer_timeout"] = _statement_timeout + 1
    # Persistent connections (DJANGO_CONN_MAX_AGE, checked before reuse) suit gunicorn's sync
    # workers: one request at a time each. Threaded or async workers share a pool instead.
    if env_bool("DJANGO_DB_POOL", False):
        DATABASES["default"]["CONN_MAX_AGE"] = 0  # Django refuses a pool with persistent ones
        _options["pool"] = {
            "min_size": 1,
            "max_size": env_int("DJANGO_DB_POOL_SIZE", 4),
            "timeout": 10,  # seconds a request waits for a free connection, then fails
        }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "").strip()
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's, plus what the page cache needs to stay fresh across a restart or a
            # freeze of Redis (newsroom/cache_backends.py).
            "BACKEND": "newsroom.cache_backends.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "newsroom",
            # An unreachable Redis must fail fast: the page cache then serves from the
            # database (articles/cache.py), it never waits on the cache.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        }
    }
else:
    # Files: shared by every worker process on this machine, and nothing to set up. Django's
    # file cache, counting its entries now and then rather than on every store.
    CACHES = {
        "default": {
            "BACKEND": "newsroom.cache_backends.FileCache",
            "LOCATION": Path(os.environ.get("DJANGO_CACHE_DIR", "") or BASE_DIR / ".cache"),
            # Pages, their stories and a small entry per surrogate key they name: a culled
            # key's pages are rendered again, so there is room for a large site's long tail.
            "OPTIONS": {"MAX_ENTRIES": env_int("DJANGO_CACHE_MAX_ENTRIES", 100_000)},
        }
    }

# Sessions (editors' logins) are in the database, never in the cache: Redis going down or
# evicting keys must not log the desk out or lose a form. Their keys are signed, so the page
# cache tells a real one from a made-up cookie without a query (articles/sessions.py).
SESSION_ENGINE = "articles.sessions"

# The page cache (articles/cache.py): whole public pages for anonymous readers, renewed on
# every content change. Off for debugging and for cold benchmarks.
PAGE_CACHE = env_bool("DJANGO_PAGE_CACHE", True)
PAGE_CACHE_SECONDS = env_int("DJANGO_PAGE_CACHE_SECONDS", 300)
PAGE_CACHE_EXCLUDED_PREFIXES = (f"/{ADMIN_PATH}", "/static/", "/media/")
# Pages each process also keeps in its memory (checked against the shared cache on every
# request, so never staler than the shared copy), in megabytes per process.
PAGE_CACHE_MEMORY_BYTES = env_int("DJANGO_PAGE_CACHE_MEMORY_MB", 32) * 1024 * 1024
# Parts of pages kept between versions (articles/cache/fragments.py): each page's story and the
# navigation, renewed like pages, so a page the page cache lacks re-renders only around them.
FRAGMENT_CACHE = env_bool("DJANGO_FRAGMENT_CACHE", True)

# A CDN in front (docs/caching.md): public responses name what they show in these headers
# (xkey for Varnish's xkey vmod, Surrogate-Key for Fastly-style CDNs), and every content
# change purges those keys through the purge backend: "none", or "varnish" (a PURGE request
# to each of DJANGO_VARNISH_URLS, e.g. http://127.0.0.1:6081).
SURROGATE_KEY_HEADERS = env_list("DJANGO_SURROGATE_KEY_HEADERS", ["xkey", "Surrogate-Key"])
PURGE_BACKENDS = {
    "none": "articles.cache.purge.NullBackend",
    "varnish": "articles.cache.purge.VarnishBackend",
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

# Background jobs (articles/jobs.py): Django's Tasks API with its database backend, so every
# job is a row in the site's own database, kept through restarts and outages, and run by
# `manage.py db_worker` on any number of machines. A job that fails is tried again, less and
# less often, for DJANGO_JOB_RETRY_HOURS.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
JOB_RETRY_HOURS = env_int("DJANGO_JOB_RETRY_HOURS", 24)

# E-mail: the desk's notifications (articles/notifications.py), sent by a job through Django's
# mail framework to any SMTP provider. In debug, printed to the console unless a host is given.
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "").strip() or "localhost"
EMAIL_BACKEND = (
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG and not os.environ.get("DJANGO_EMAIL_HOST", "").strip()
    else "django.core.mail.backends.smtp.EmailBackend"
)
EMAIL_PORT = env_int("DJANGO_EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("DJANGO_EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "").strip() or "newsroom@localhost"

# Login throttling (django-axes): after LOGIN_FAILURE_LIMIT wrong passwords for one account
# from one address, that account is refused from that address for the cool-off, even with the
# right password; other accounts and other addresses are not affected. Attempts are kept in
# the database, so every worker process and machine sees them.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("DJANGO_LOGIN_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("DJANGO_LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Failures count in a row: a successful login forgets the earlier ones.
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "articles.admin.login.locked_out"
AXES_CLIENT_IP_CALLABLE = "articles.admin.login.client_address"
# The client's address is REMOTE_ADDR unless a proxy in front sets this header (e.g.
# X-Forwarded-For or X-Real-IP); its right-most address, the one that proxy saw, is used.
CLIENT_IP_HEADER = os.environ.get("DJANGO_CLIENT_IP_HEADER", "").strip()
# Successful logins are not recorded row by row; failures and lockouts are.
AXES_DISABLE_ACCESS_LOG = True

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
# Uploads served by the site itself (Django's static view, one file a request): for
# `python3 -m newsroom run`, which sets it. Production serves MEDIA_ROOT from its web server.
SERVE_MEDIA = env_bool("DJANGO_SERVE_MEDIA", False)
FIXTURE_DIRS = [BASE_DIR / "fixtures"]
# The files of the media library's pictures that fixtures carry, under their stored names.
FIXTURE_MEDIA_DIR = BASE_DIR / "fixtures" / "media"
# dumpdata keeps times to the microsecond, so a backup gives back exactly what it was given.
SERIALIZATION_MODULES = {"json": "articles.fixture_json"}

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Hashed, compressed files need `collectstatic`; debug serves the sources directly.
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage",
    },
}
# Uploads and their renditions in an S3-compatible bucket instead of MEDIA_ROOT, so that every
# machine serving the site sees the same files (docs/media-storage.md).
_media_bucket = os.environ.get("DJANGO_MEDIA_S3_BUCKET", "").strip()
if _media_bucket:
    _media_endpoint = os.environ.get("DJANGO_MEDIA_S3_ENDPOINT_URL", "").strip()
    _media_domain = os.environ.get("DJANGO_MEDIA_S3_CUSTOM_DOMAIN", "").strip()
    if _media_endpoint and not _media_endpoint.startswith(("https://", "http://")):
        raise ImproperlyConfigured(
            "DJANGO_MEDIA_S3_ENDPOINT_URL must start with https:// or http://, "
            f"not {_media_endpoint!r}."
        )
    if "/" in _media_domain:
        raise ImproperlyConfigured(
            f"DJANGO_MEDIA_S3_CUSTOM_DOMAIN is a host name such as media.example.org, not "
            f"{_media_domain!r}."
        )
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": _media_bucket,
            # Empty: AWS itself, found by the region.
            "endpoint_url": _media_endpoint or None,
            "region_name": os.environ.get("DJANGO_MEDIA_S3_REGION", "").strip() or None,
            # A CDN in front of the bucket: pages name it instead of the bucket.
            "custom_domain": _media_domain or None,
            # Empty: boto3 looks further (AWS_* variables, ~/.aws, an instance's role).
            "access_key": os.environ.get("DJANGO_MEDIA_S3_ACCESS_KEY_ID", "").strip() or None,
            "secret_key": os.environ.get("DJANGO_MEDIA_S3_SECRET_ACCESS_KEY", "").strip() or None,
            # Plain public URLs: a signed one would expire inside cached pages. A picture no
            # published article shows stays unguessable by its random folder (media_image_path).
            "querystring_auth": False,
            # As on disk: a new file never replaces another of the same name.
            "file_overwrite": False,
            # Kept for a year by browsers and CDNs: a rendition's name changes with its pixels,
            # and an original is never replaced in place.
            "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
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
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
# No script reads the CSRF cookie: the admin and desk.js send the token from the form.
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# Edit locks at the desk (articles/editorial/locks.py): how often an open change form says it
# is still open, and how long a lock nobody renews stays held before anyone may take it.
DESK_HEARTBEAT_SECONDS = env_int("DJANGO_DESK_HEARTBEAT_SECONDS", 20)
DESK_LOCK_STALE_SECONDS = env_int("DJANGO_DESK_LOCK_STALE_SECONDS", 120)

# Embeds (articles/media/embeds.py): how long saving an article waits for a provider's oEmbed
# answer, and the Mastodon instances whose posts editors may embed.
OEMBED_TIMEOUT = env_int("DJANGO_OEMBED_TIMEOUT", 5)
mastodon = list(DEFAULT_MASTODON_INSTANCES)
OEMBED_MASTODON_INSTANCES = env_list("DJANGO_OEMBED_MASTODON_INSTANCES", mastodon)

# Content-Security-Policy (django-csp), on every response. No inline script anywhere: scripts
# are static files (script-src 'self'); JSON-LD blocks are data, not script, and CSP leaves
# them alone. No inline styles either, except the self-contained 500 page's <style> block,
# allowed by its hash (templates/500.html must not need a database or static files).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, *inline_style_hashes(BASE_DIR / "templates" / "500.html")],
        # Editors' Markdown may show images from other sites (markdown.py allows https: ones).
        "img-src": [SELF, "data:", "https:"],
        # Third-party frames only from the embed providers, and only after a reader's click
        # (templates/includes/embed.html); nothing else may be framed.
        "frame-src": frame_sources(OEMBED_MASTODON_INSTANCES),
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"expected_refusal": {"()": "newsroom.log.ExpectedRefusal"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        # A request for a host name the site does not serve is a bot or a misconfigured DNS
        # record, not a bug: a one-line warning each, no traceback.
        "django.security.DisallowedHost": {"filters": ["expected_refusal"]},
        # Failed logins and lockouts are warnings; its housekeeping at INFO is noise.
        "axes": {"level": "WARNING"},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
}

TAGGIT_CASE_INSENSITIVE = True

# Lead image renditions for srcset are made when an image is saved, not when a page is shown:
# rendering a page never touches the image files.
IMAGEKIT_DEFAULT_CACHEFILE_STRATEGY = "imagekit.cachefiles.strategies.Optimistic"
# Which renditions exist is remembered per process: the files themselves are the truth.
IMAGEKIT_CACHE_BACKEND = "imagekit"
CACHES["imagekit"] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
# What is the same on every page for readers of a language (the masthead's brand, the search
# form, the footer: templates/base.html's {% cache … using="local" %}): rendered once per
# process. Emptied when a setting changes (tests; articles/signals.py).
CACHES["local"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "newsroom-local",
}
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
