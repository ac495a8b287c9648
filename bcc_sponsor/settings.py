"""Settings for BCC Sponsor, read from the environment (see README and .env.example)."""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from core.cacheconfig import resilient as resilient_cache
from core.countries import names_in_every_language

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A .env file beside manage.py is read when present; real environment variables win.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it in the environment (see .env.example); "
            "only a DEBUG=true development run may go without one."
        )
    # Development only: DEBUG is on, so nothing real is protected by this key.
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# The address used in emails to build links back to the site (the private donor link).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# Headers and cookies. These hold in development too, so what a developer sees is what runs.
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_HTTPONLY = True
# No script of ours reads the CSRF cookie: every form carries the token in a hidden field.
CSRF_COOKIE_HTTPONLY = True
# Staff sign in for a working day, not Django's two weeks: a forgotten admin session on a shared
# computer opens national ID numbers and family cards. Donors' sessions last as long.
SESSION_COOKIE_AGE = env.int("STAFF_SESSION_SECONDS", default=8 * 60 * 60)

# Behind a proxy that ends TLS, Django sees plain HTTP; it may trust the proxy's
# X-Forwarded-Proto only when the proxy always sets it (overwriting what a client sent),
# otherwise anyone could claim HTTPS. See README, "Production".
if env.bool("BEHIND_HTTPS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # The load balancer asks /healthz over plain HTTP, beside the proxy: a redirect is no answer.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=365 * 24 * 60 * 60)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# Content Security Policy (django-csp): only our own files run or style the pages. No template
# has an inline script, style attribute or <style> block; the admin's scripts are files too.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        # data: for the small SVG icons inside Bootstrap's CSS (the menu button, form controls).
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

INSTALLED_APPS = [
    # Django's admin, on a site that asks staff for a second factor (core/otp.py).
    "core.admin_config.StaffAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "bootstrap",
    "simple_history",
    "phonenumber_field",
    "django_countries",
    "django_filters",
    "import_export",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    # The program, bottom layer first: each app imports only those above it in this list.
    "core",
    "recipients",
    "donations",
    "premiums",
    "claims",
    "program",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "core.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Early, so that every page gets the policy, whichever middleware answers it.
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Gives request.user is_verified(): did this session pass a two-factor code?
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last: turns a login refused for too many failures into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "bcc_sponsor.urls"

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
                "core.context_processors.contact",
            ],
            "builtins": ["core.templatetags.rupiah"],
        },
    },
]

WSGI_APPLICATION = "bcc_sponsor.wsgi.application"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
# A kept connection that the database closed (a restart, a failover) is noticed before a
# request uses it, instead of failing that request.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The default cache is shared by every worker process (the database cache, or Redis through
# CACHE_URL=redis://...): per-process memory caches would give each worker its own view.
CACHES = {"default": env.cache("CACHE_URL", default="dbcache://bcc_sponsor_cache")}
# Redis down or hung must not take the site down: each call gives up within
# CACHE_TIMEOUT_SECONDS and acts as a miss, logged (core/cacheconfig.py).
CACHES["default"] = resilient_cache(
    CACHES["default"], env.float("CACHE_TIMEOUT_SECONDS", default=0.5)
)
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
# Sessions are read from that cache and written through to the database: with Redis a page
# costs no session query, and a cache that restarts empty signs nobody out.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

EMAIL_CONFIG = env.email("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="BCC Sponsor <sponsor@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# A mail server that accepts the connection and never answers must not hold send_messages
# (and the row it locked) forever.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"

# Staff login. django-axes counts failed logins per username and address and refuses that pair,
# even with the right password, for the cool-off (hours); each attempt meanwhile restarts it.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_TIME", default=1.0)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# A staff member who mistyped twice and then got in starts again from zero.
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "core.login_limits.lockout_response"
AXES_CLIENT_IP_CALLABLE = "core.login_limits.client_ip"
# Reverse proxies of ours in front of the app, each appending to X-Forwarded-For (nginx: 1).
# 0 trusts only the connection's address: otherwise anyone could name a new address per guess.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# Two-factor login (TOTP app or backup codes, core/otp.py) for the admin and staff pages.
# On unless set: production runs with DEBUG off; the demo and development (DEBUG on) go without.
STAFF_2FA_REQUIRED = env.bool("STAFF_2FA_REQUIRED", default=not DEBUG)
OTP_TOTP_ISSUER = "BCC Sponsor"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("id", _("Bahasa Indonesia"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Makassar")
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "var" / "static")
STATICFILES_DIRS = [BASE_DIR / "static"]

# Public uploads (nothing private: served under MEDIA_URL by the web server).
MEDIA_URL = env.str("MEDIA_URL", default="/media/")
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")
# Private uploads (evidence, recipients' photos, handover photos): never under MEDIA_URL,
# served only by views that check who is asking.
PRIVATE_MEDIA_ROOT = env.path("PRIVATE_MEDIA_ROOT", default=BASE_DIR / "var" / "private")

STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT), "base_url": MEDIA_URL},
    },
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(PRIVATE_MEDIA_ROOT), "base_url": None},
    },
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
    },
}

# Several app servers share their uploads on S3-compatible object storage (FILE_STORAGE=s3).
# Both storages hand out only signed, expiring URLs, so no bucket needs to be public; the
# private files still go out only through the app's views, which read them from the bucket.
FILE_STORAGE = env.str("FILE_STORAGE", default="local")
if FILE_STORAGE == "s3":
    _bucket = env.str("AWS_STORAGE_BUCKET_NAME")
    _private_bucket = env.str("AWS_PRIVATE_BUCKET_NAME", default="")
    # An empty value means "not set" (as in .env.example): boto3 then uses its own defaults.
    _s3 = {
        "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
        "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
        "access_key": env.str("AWS_ACCESS_KEY_ID", default="") or None,
        "secret_key": env.str("AWS_SECRET_ACCESS_KEY", default="") or None,
        "querystring_auth": True,
    }
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {**_s3, "bucket_name": _bucket},
    }
    STORAGES["private"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            **_s3,
            "default_acl": "private",
            # A bucket of their own, or the "private/" prefix of the one bucket.
            "bucket_name": _private_bucket or _bucket,
            "location": "" if _private_bucket else "private",
        },
    }
elif FILE_STORAGE != "local":
    raise ImproperlyConfigured(f"FILE_STORAGE must be local or s3, not {FILE_STORAGE!r}.")

# In production WhiteNoise serves the CSS and JS from STATIC_ROOT under hashed, compressed names
# cached for a year. That storage needs `collectstatic` first: the development server and the
# tests (tests/settings.py) keep the plain one.
if env.bool("STATICFILES_MANIFEST", default=not DEBUG):
    STORAGES["staticfiles"] = {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage",
    }

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

PHONENUMBER_DEFAULT_REGION = "ID"
PHONENUMBER_DB_FORMAT = "E164"

# CSV import and export in the admin (django-import-export, core/importexport.py).
# Each needs its own permission ("<app>.import_<model>", "<app>.export_<model>"): coordinators
# have them, volunteers do not. An import is one transaction: a bad row and nothing is written.
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "import"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "export"
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_CHUNK_SIZE = 500
# Between the preview and the confirmation the file waits in the shared cache, which every app
# server behind the load balancer reads (a temporary folder would be one server's only).
IMPORT_EXPORT_TMP_STORAGE_CLASS = "import_export.tmp_storages.CacheStorage"

# Evidence files: at most this many bytes each (SPEC: 6 MB).
EVIDENCE_MAX_BYTES = env.int("EVIDENCE_MAX_BYTES", default=6 * 1024 * 1024)

# Country names on Indonesian pages in Bahasa Indonesia (django-countries has none): see
# core/countries.py.
COUNTRIES_OVERRIDE = names_in_every_language()

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # On every handler: donors' private-link tokens never reach a log (core/log_filters.py).
    "filters": {"mask_tokens": {"()": "core.log_filters.MaskDonorTokens"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["mask_tokens"]}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # WeasyPrint logs seven steps of every PDF at INFO: only its warnings are worth a line.
    "loggers": {"weasyprint.progress": {"level": "WARNING"}},
}

# A pledge with no evidence of payment holds its worker off the waiting list this many days;
# then it expires (lapse_sponsorships records it and tells the donor) and the worker is listed.
PLEDGE_HOLD_DAYS = env.int("PLEDGE_HOLD_DAYS", default=14)

# Private donor links in emails stop working after this many days; a fresh one is one form away.
DONOR_LINK_DAYS = env.int("DONOR_LINK_DAYS", default=90)

# Abuse limits, counted in the default (shared) cache: "<requests>/<window>", the window in
# s, m, h or d with an optional count ("20/10m"). See core/ratelimit.py.
RATELIMIT_ENABLED = env.bool("RATELIMIT_ENABLED", default=True)
RATELIMITS = {
    # Pledge form posts: per client address and email given (a new donor) or per donor (a
    # returning one), so that donors behind one shared carrier address are counted apart; and,
    # more loosely, per client address whatever the email.
    "pledge": env.str("RATELIMIT_PLEDGE", default="10/h"),
    "pledge_address": env.str("RATELIMIT_PLEDGE_ADDRESS", default="60/h"),
    # Evidence uploads, per donor.
    "evidence": env.str("RATELIMIT_EVIDENCE", default="30/h"),
    # A donor's decisions and "I've paid" (PayPal) on their private page, per donor.
    "donor_form": env.str("RATELIMIT_DONOR_FORM", default="30/h"),
    # "Send me my link": every post per client address and email given, so that donors behind
    # one shared carrier address are counted apart; more loosely per client address whatever
    # the email; and the valid requests per email address from any client (no inbox flooded).
    "link": env.str("RATELIMIT_LINK", default="5/h"),
    "link_address": env.str("RATELIMIT_LINK_ADDRESS", default="60/h"),
    "link_email": env.str("RATELIMIT_LINK_EMAIL", default="5/h"),
    # Failed private-link look-ups (/donor/<token>/), per client address: with 192-bit tokens and
    # 20 tries per 10 minutes, guessing one would take longer than the universe has existed.
    "token": env.str("RATELIMIT_TOKEN", default="20/10m"),
}
# The client address of these limits is that of the login limits: REMOTE_ADDR, or behind
# TRUSTED_PROXY_COUNT proxies of ours the address they appended to X-Forwarded-For.
