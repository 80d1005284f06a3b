"""Cerca settings: one module, configured from environment variables.

Development defaults are safe to run locally. With DEBUG off, the production
hardening of Django's deployment checklist switches on, and SECRET_KEY,
ALLOWED_HOSTS and DATABASE_URL must come from the environment.
"""

from pathlib import Path
from urllib.parse import urlsplit

import environ
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse_lazy
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# `make` writes the local cluster's DATABASE_URL to .local/env and the local
# Redis's CELERY_BROKER_URL to .local/redis-env; the real environment wins.
environ.Env.read_env(BASE_DIR / ".local" / "env", overwrite=False)
environ.Env.read_env(BASE_DIR / ".local" / "redis-env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", default="django-insecure-cerca-development-only")
    ALLOWED_HOSTS = env.list(
        "ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"]
    )
else:
    SECRET_KEY = env.str("SECRET_KEY", default="")
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set to a random string of at least 50 characters "
            "when DEBUG is off. Set DEBUG=1 for local development."
        )
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")

INSTALLED_APPS = [
    # The project's own system checks (geoconfig/checks.py).
    "geoconfig.apps.GeoconfigConfig",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "django.contrib.postgres",
    # Widget templates through TEMPLATES (FORM_RENDERER below).
    "django.forms",
    "rest_framework",
    "rest_framework.authtoken",
    "rest_framework_gis",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "leaflet",
    "django_celery_beat",
    "csp",
    # Thumbnails of the pictures (avatars, group covers, event photos).
    "sorl.thumbnail",
    "places",
    "studygroups",
    "meetups",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # JSON errors under /api/, /ogc/ and /tiles/, whoever answers (places.errors).
    "places.middleware.JsonErrors",
    "geoconfig.middleware.DatabaseUnavailable",
    "csp.middleware.CSPMiddleware",
    # The import map's hash in script-src (places.csp): no nonce on the map page.
    "places.csp.InlineScriptHashes",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "geoconfig.middleware.LanguageFreeTiles",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "geoconfig.auth.SignInThrottledPage",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "geoconfig.middleware.MethodNotAllowedPage",
    "places.middleware.RefuseNulCharacters",
]

if not DEBUG:
    # WhiteNoise serves the collected static files in production; in
    # development runserver's staticfiles handler serves them from the apps.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

if env.bool("TRUST_X_REAL_IP", default=False):
    # Behind `make serve`'s nginx, the client's address comes in X-Real-IP.
    MIDDLEWARE.insert(0, "geoconfig.proxy.RealClientAddress")

ROOT_URLCONF = "geoconfig.urls"

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
                # CSP_NONCE, for the few inline scripts (CONTENT_SECURITY_POLICY).
                "csp.context_processors.nonce",
            ],
        },
    },
]

# Form widgets render with the TEMPLATES above, so templates/ can override a
# widget's template (templates/leaflet/admin/widget.html does).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

WSGI_APPLICATION = "geoconfig.wsgi.application"
ASGI_APPLICATION = "geoconfig.asgi.application"

# postgis://user:password@host:port/name
DATABASES = {
    "default": env.db_url(
        "DATABASE_URL", engine="django.contrib.gis.db.backends.postgis"
    )
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

# A streaming read replica of that database (optional): the map page, the API,
# OGC and tile reads go to it, writes and a user's reads right after their own
# write to the primary (geoconfig/db_router.py, geoconfig.middleware.ReplicaReads).
if env.str("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = env.db_url(
        "DATABASE_REPLICA_URL", engine="django.contrib.gis.db.backends.postgis"
    )
    DATABASES["replica"]["CONN_MAX_AGE"] = DATABASES["default"]["CONN_MAX_AGE"]
    DATABASES["replica"]["CONN_HEALTH_CHECKS"] = True
    # A replica that does not answer costs a request this long, then is left
    # alone for REPLICA_RETRY_SECONDS (?connect_timeout= in the URL wins).
    DATABASES["replica"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 2)
    # Tests never create a database on a read-only standby: the alias reads
    # the test database.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["geoconfig.db_router.ReplicaRouter"]
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.contrib.sessions.middleware.SessionMiddleware"),
        "geoconfig.middleware.ReplicaReads",
    )
# PostgreSQL's JIT compiles any query whose estimated cost is high, which a
# 1,000-feature page or a text search over a million rows is: it spent 140 to
# 300 ms compiling each, longer than the rest of their run. Off unless
# DATABASE_JIT=1.
if not env.bool("DATABASE_JIT", default=False):
    for database in DATABASES.values():
        options = database.setdefault("OPTIONS", {})
        options["options"] = f"{options.get('options', '')} -c jit=off".strip()
# How long a client reads the primary after its own write: a few seconds more
# than the replica usually lags.
# Web requests (not migrations, imports, exports by manage.py, nor Celery) give
# up on a statement after WEB_STATEMENT_TIMEOUT_SECONDS (a 503) and on a locked
# row after WEB_LOCK_TIMEOUT_SECONDS (a 409): geoconfig/web_timeouts.py. 0: no limit.
WEB_STATEMENT_TIMEOUT_SECONDS = env.float("WEB_STATEMENT_TIMEOUT_SECONDS", default=15)
WEB_LOCK_TIMEOUT_SECONDS = env.float("WEB_LOCK_TIMEOUT_SECONDS", default=5)
REPLICA_PIN_SECONDS = env.int("REPLICA_PIN_SECONDS", default=5)
REPLICA_RETRY_SECONDS = env.int("REPLICA_RETRY_SECONDS", default=10)

FIXTURE_DIRS = [BASE_DIR / "fixtures"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Every password check counts failures and refuses, with 429, an address or an
# account that failed too often in the last window (geoconfig/auth.py).
AUTHENTICATION_BACKENDS = ["geoconfig.auth.ThrottledModelBackend"]
SIGNIN_FAILURES_PER_ADDRESS = env.int("SIGNIN_FAILURES_PER_ADDRESS", default=30)
SIGNIN_FAILURES_PER_ACCOUNT = env.int("SIGNIN_FAILURES_PER_ACCOUNT", default=10)
SIGNIN_FAILURE_WINDOW_SECONDS = env.int("SIGNIN_FAILURE_WINDOW_SECONDS", default=900)
# Posts and replies in conversations (studygroups.post_services): at most this
# many per member in each window of this many seconds, counted in Redis.
POSTS_PER_WINDOW = env.int("POSTS_PER_WINDOW", default=10)
POST_WINDOW_SECONDS = env.int("POST_WINDOW_SECONDS", default=600)
# Reports (studygroups.moderation): at most this many per member per window,
# counted in the same shared cache.
REPORTS_PER_WINDOW = env.int("REPORTS_PER_WINDOW", default=10)
REPORT_WINDOW_SECONDS = env.int("REPORT_WINDOW_SECONDS", default=3600)

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "es"
LANGUAGES = [("es", _("Spanish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="America/Bogota")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / ".local" / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded pictures (avatars, group covers, event photos) and their
# thumbnails. Locally in MEDIA_ROOT, served by Django itself while SERVE_MEDIA
# (by default in DEBUG; geoconfig/media.py); WhiteNoise serves static files
# only. MEDIA_STORAGE=s3 keeps them on S3-compatible storage (django-storages)
# instead, as production should.
MEDIA_URL = env.str("MEDIA_URL", default="/media/")
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / ".local" / "media")
MEDIA_STORAGE = env.str("MEDIA_STORAGE", default="local")
if MEDIA_STORAGE not in ("local", "s3"):
    raise ImproperlyConfigured('MEDIA_STORAGE is "local" or "s3".')
SERVE_MEDIA = env.bool("SERVE_MEDIA", default=DEBUG) and MEDIA_STORAGE == "local"
if MEDIA_STORAGE == "s3":
    MEDIA_STORAGE_BACKEND = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env.str("AWS_STORAGE_BUCKET_NAME"),
            # Any S3-compatible service (MinIO, Garage, R2...); empty: AWS itself.
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
            "custom_domain": env.str("AWS_S3_CUSTOM_DOMAIN", default="") or None,
            "access_key": env.str("AWS_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("AWS_SECRET_ACCESS_KEY", default="") or None,
            # Signed links that expire, unless the bucket is public.
            "querystring_auth": env.bool("AWS_QUERYSTRING_AUTH", default=True),
            "file_overwrite": False,
            "default_acl": None,
            # Every stored file is a re-encoded JPEG, PNG or WebP named by Cerca
            # (the content type follows its extension); shown inline, never run.
            "object_parameters": {
                "ContentDisposition": "inline",
                "CacheControl": "max-age=31536000, immutable",
            },
        },
    }
else:
    MEDIA_STORAGE_BACKEND = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
# Where the pages' <img> may load pictures from when they are not on this site.
MEDIA_ORIGIN = env.str("MEDIA_ORIGIN", default="")
if MEDIA_STORAGE == "s3" and not MEDIA_ORIGIN:
    _media_host = MEDIA_STORAGE_BACKEND["OPTIONS"]["custom_domain"]
    _endpoint = MEDIA_STORAGE_BACKEND["OPTIONS"]["endpoint_url"]
    MEDIA_ORIGIN = (
        f"https://{_media_host}"
        if _media_host
        else "{0.scheme}://{0.netloc}".format(urlsplit(_endpoint))
        if _endpoint
        else "https://*.amazonaws.com"
    )

# Pictures people upload (places/images.py): the largest file in bytes, the
# smallest and largest side in pixels, and the most pixels Pillow decodes
# (larger is refused as a possible decompression bomb). Stored pictures are
# re-encoded, at most IMAGE_STORED_MAX_SIDE pixels on their longer side.
IMAGE_MAX_BYTES = env.int("IMAGE_MAX_BYTES", default=10 * 1024 * 1024)
IMAGE_MIN_SIDE = env.int("IMAGE_MIN_SIDE", default=64)
IMAGE_MAX_SIDE = env.int("IMAGE_MAX_SIDE", default=12_000)
IMAGE_MAX_PIXELS = env.int("IMAGE_MAX_PIXELS", default=50_000_000)
IMAGE_STORED_MAX_SIDE = env.int("IMAGE_STORED_MAX_SIDE", default=2560)
FILE_UPLOAD_HANDLERS = [
    "places.images.PictureSizeLimit",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# Photos of an event: at most this many in all, and this many by one person.
EVENT_PHOTOS_MAX = env.int("EVENT_PHOTOS_MAX", default=60)
EVENT_PHOTOS_PER_USER_MAX = env.int("EVENT_PHOTOS_PER_USER_MAX", default=10)

# sorl-thumbnail: thumbnails are made once, on the storage above, and their
# names and sizes kept in the cache with the database behind it.
THUMBNAIL_KVSTORE = "sorl.thumbnail.kvstores.cached_db_kvstore.KVStore"
THUMBNAIL_PRESERVE_FORMAT = True
THUMBNAIL_FORMAT = "JPEG"
THUMBNAIL_QUALITY = 82
THUMBNAIL_UPSCALE = True
THUMBNAIL_DEBUG = False

STORAGES = {
    "default": MEDIA_STORAGE_BACKEND,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "geoconfig.storage.ManifestStaticFilesWithFallback"
        )
    },
}

# Raster map tiles drawn over the offline vector basemap (static/js/basemap.js)
# wherever the browser reaches them. Any XYZ tile server works; OpenStreetMap is
# the default, and an empty TILES_URL leaves the basemap alone.
TILES_URL = env.str(
    "TILES_URL", default="https://tile.openstreetmap.org/{z}/{x}/{y}.png"
)


def osm_attribution():
    """OpenStreetMap's credit, in the language of the page that shows it."""
    link = '<a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>'
    return gettext("© %(openstreetmap)s contributors") % {"openstreetmap": link}


# The default credit is translated when a map is drawn (django-leaflet sends
# lazy strings through DjangoJSONEncoder); one from the environment is shown
# as it is written.
TILES_ATTRIBUTION = env.str("TILES_ATTRIBUTION", default="") or lazy(osm_attribution, str)()

# Leaflet's own words (zoom buttons, its credit's tooltip) come from Django's
# JavaScript catalog, read by static/js/leaflet_i18n.js. Both load after
# leaflet.js on every map: auto-included by {% leaflet_js %}, added to the
# "forms" plugin for {% leaflet_js plugins="forms" %} and the admin's map
# widgets, so no template has to ask for them.
LEAFLET_I18N_JS = [reverse_lazy("javascript-catalog"), "js/leaflet_i18n.js"]

# The offline basemap: protomaps-leaflet (fetched by .ci/fetch-static) paints the
# site's own vector tiles under every map, loaded like LEAFLET_I18N_JS.
BASEMAP_JS = ["vendor/protomaps-leaflet/protomaps-leaflet.js", "js/basemap.js"]

LEAFLET_CONFIG = {
    "TILES": [
        ("OpenStreetMap", TILES_URL, {"attribution": TILES_ATTRIBUTION, "maxZoom": 19})
    ]
    if TILES_URL
    else [],
    "DEFAULT_CENTER": (4.6380, -74.0840),  # (lat, lon): Bogotá
    "DEFAULT_ZOOM": 12,
    "MIN_ZOOM": 2,
    "MAX_ZOOM": 19,
    "RESET_VIEW": False,
    # Where Leaflet finds its marker images (django-leaflet sets
    # L.Icon.Default.imagePath to it): their plain names, which collectstatic
    # keeps beside the hashed ones. Leaflet's own guess, from the hashed
    # leaflet.css of DEBUG=0, asks for /marker-icon.png.
    "FORCE_IMAGE_PATH": f"/{STATIC_URL}leaflet/images/",
    "PLUGINS": {
        "cerca-i18n": {"js": LEAFLET_I18N_JS, "auto-include": True},
        "cerca-basemap": {"js": BASEMAP_JS, "auto-include": True},
        "forms": {"js": [*LEAFLET_I18N_JS, *BASEMAP_JS]},
    },
}

# Content-Security-Policy (django-csp): scripts, styles, fonts and data from
# this site only; an inline script runs only with the request's nonce (the
# map widgets of forms and the admin) or by its hash (the import map, which
# is the same bytes on every page: places.csp), so the public pages carry no
# nonce and a shared cache may keep them; no inline styles, no plugins, no framing.
# Images may also come from the raster tile server of TILES_URL.
TILES_ORIGIN = (
    "{0.scheme}://{0.netloc}".format(urlsplit(TILES_URL.replace("{s}", "*"))) if TILES_URL else ""
)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [
            SELF,
            "data:",
            "blob:",
            *([TILES_ORIGIN] if TILES_ORIGIN else []),
            *([MEDIA_ORIGIN] if MEDIA_ORIGIN else []),
        ],
        "font-src": [SELF],
        "connect-src": [SELF],
        "worker-src": [SELF, "blob:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# Debian 12 ships GDAL 3.6, which cannot block file and network access while
# parsing spatial references. Cerca never hands user-supplied SRS strings to
# GDAL: coordinates arrive as lon,lat numbers or GeoJSON in WGS84 only.
SILENCED_SYSTEM_CHECKS = ["gis.W001"]

REST_FRAMEWORK = {
    # Scripts and GIS clients send a member's token (made on their settings
    # page); Basic still works, throttled like every password check; the site
    # uses sessions. The first class names the scheme of a 401's
    # WWW-Authenticate: Token, which no browser answers with a password prompt.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.BasicAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticatedOrReadOnly"
    ],
    # JSON and GeoJSON bodies, nesting bounded (places.body_parsers).
    "DEFAULT_PARSER_CLASSES": [
        "places.body_parsers.BoundedJSONParser",
        "places.body_parsers.GeoJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # A 400 that names the bad query parameter, never a 500.
    "EXCEPTION_HANDLER": "places.api.exception_handler",
    # By Accept: ?format= is no renderer's switch but a parameter the views
    # check (an unknown one, a 400 naming it, not DRF's 404).
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "places.negotiation.AcceptOnly",
    # And so the schema documents no `format` parameter (places.schema).
    "DEFAULT_SCHEMA_CLASS": "places.schema.CercaSchema",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Cerca API",
    "DESCRIPTION": (
        "Study groups, events and venues as GeoJSON (RFC 7946), nearest-first. "
        "The same data is served as OGC API - Features under /ogc/."
    ),
    "VERSION": "1.0.0",
    # Swagger UI from our own static files (drf-spectacular-sidecar), not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Names for choice sets that share a field name ("status") across components.
    "ENUM_NAME_OVERRIDES": {
        "PostStatusEnum": "studygroups.posts.Post.Status",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        # Every status an operation can answer, errors in their one shape.
        "places.schema.document_errors",
    ],
}

# Development prints mail to the console. Production sends it through the SMTP
# server EMAIL_HOST names: without one, `manage.py check` (and migrate) stop
# with cerca.E001 rather than let mail fail on localhost:25 unseen. Set
# EMAIL_BACKEND to choose another backend (the console's, the file one).
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default=(
        "django.core.mail.backends.console.EmailBackend"
        if DEBUG
        else "django.core.mail.backends.smtp.EmailBackend"
    ),
)
# With the file backend, each message is a file in this folder (to collect
# and count what a running site sends).
EMAIL_FILE_PATH = env.path("EMAIL_FILE_PATH", default=BASE_DIR / ".local" / "mail")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost" if DEBUG else "")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
# Seconds before a silent SMTP server counts as a failed send (retried).
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Cerca <noreply@localhost>")

# The site's address, for the links in emails (which leave every request behind).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
SITE_NAME = env.str("SITE_NAME", default="Cerca")

# Celery on Redis (geoconfig/celery.py reads every CELERY_* setting). `make`
# starts a project-local Redis and writes its URL to .local/redis-env.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="redis://127.0.0.1:6379/0")

# The shared cache: Redis, so that every gunicorn worker counts the same
# failed sign-ins (geoconfig/auth.py). By default the broker's Redis, its
# database 1 (the broker uses 0); CACHE_URL names any other.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env.str(
            "CACHE_URL", default=CELERY_BROKER_URL.rsplit("/", 1)[0] + "/1"
        ),
        "KEY_PREFIX": "cerca",
    }
}
# No result backend: tasks record what they did in the database (deliveries).
CELERY_TASK_IGNORE_RESULT = True
# A task is acknowledged after it ran, so a worker that dies mid-task leaves it
# to another; tasks are idempotent, so running one twice is harmless.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Redis gives an unacknowledged message to another worker after this long; it
# must outlast the longest countdown (the alert delay) and the longest task.
ALERT_DELAY_SECONDS = env.int("ALERT_DELAY_SECONDS", default=1800)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": max(3600, 2 * ALERT_DELAY_SECONDS),
}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Emails: a failed send is tried again after DELIVERY_RETRY_SECONDS, then
# twice that, and so on, DELIVERY_MAX_RETRIES times, then kept as failed.
DELIVERY_MAX_RETRIES = env.int("DELIVERY_MAX_RETRIES", default=5)
DELIVERY_RETRY_SECONDS = env.float("DELIVERY_RETRY_SECONDS", default=60)
# Imports of places (places/imports.py): the largest file the admin takes, in
# bytes; what a zipped Shapefile may unpack to (bytes, and times its size);
# how long GDAL may read one file, in seconds.
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=200 * 1024 * 1024)
IMPORT_MAX_UNZIPPED_BYTES = env.int("IMPORT_MAX_UNZIPPED_BYTES", default=1024 * 1024 * 1024)
IMPORT_MAX_ZIP_RATIO = env.int("IMPORT_MAX_ZIP_RATIO", default=100)
IMPORT_GDAL_TIMEOUT_S = env.int("IMPORT_GDAL_TIMEOUT_S", default=600)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

if not DEBUG:
    # Only behind a TLS-terminating reverse proxy that sets X-Forwarded-Proto
    # itself (and drops the client's): anyone could send it otherwise.
    if env.bool("TRUST_X_FORWARDED_PROTO", default=False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # A load balancer probes the backend over plain HTTP (geoconfig/health.py).
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool(
        "SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True
    )
    # Preloading is hard to undo (browsers ship the list): only when asked for.
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
    if not SECURE_HSTS_PRELOAD:
        # Django's checklist asks for preload; leaving it off is our choice.
        SILENCED_SYSTEM_CHECKS.append("security.W021")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
