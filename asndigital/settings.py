"""Settings for ASN Digital: the one settings module, configured only by the environment.

ASN_ENV selects the posture:
- ``production`` (the default): a real SECRET_KEY is required, cookies are secure, HTTPS enforced.
- ``development``: what ``make run`` uses; the built-in demo key is accepted.
- ``test``: what the test suite uses (set by tests/envdefaults.py).
Every secret can also be read from a file: ``<NAME>_FILE`` (e.g. SECRET_KEY_FILE).
See docs/configuration.md for the full list.
"""

import tempfile
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from asndigital.core.env import env, env_bool, env_int, env_list, env_secret

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env("ASN_VAR_DIR", str(BASE_DIR / "var")))

ASN_ENV = env("ASN_ENV", "production")
if ASN_ENV not in {"production", "development", "test"}:
    raise ImproperlyConfigured("ASN_ENV must be production, development or test.")
IS_PRODUCTION = ASN_ENV == "production"

# Never used outside development and tests: production refuses it below.
DEMO_SECRET_KEY = "asn-digital-demo-key-NOT-FOR-PRODUCTION-0000000000000000000000000000"  # noqa: S105
SECRET_KEY = env_secret("SECRET_KEY") or ""
if IS_PRODUCTION:
    if not SECRET_KEY or SECRET_KEY == DEMO_SECRET_KEY:
        raise ImproperlyConfigured(
            "Production needs its own SECRET_KEY (or SECRET_KEY_FILE); the demo key is refused."
        )
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters long.")
elif not SECRET_KEY:
    SECRET_KEY = DEMO_SECRET_KEY

DEBUG = env_bool("DEBUG", False)
if DEBUG and IS_PRODUCTION:
    raise ImproperlyConfigured("DEBUG cannot be on with ASN_ENV=production.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [] if IS_PRODUCTION else ["127.0.0.1", "localhost"])
if ASN_ENV == "test":
    ALLOWED_HOSTS = [*ALLOWED_HOSTS, "testserver"]
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "asndigital.core",
    "asndigital.accounts",
    "asndigital.personnel",
    "asndigital.audit",
    "asndigital.documents",
    "asndigital.records",
    "asndigital.dashboards",
    "asndigital.schedule",
    "asndigital.sso",
    "ninja",  # its API docs page (Swagger UI) is then served from local static files
    "asndigital.core.apps.ASNAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_otp",
    "django_tasks",
    "django_tasks_db",
    "django_altcha",
    "oauth2_provider",
]
# Demo and benchmark data (the generator, seed_demo, sample documents): never in production.
if ASN_ENV in {"development", "test"}:
    INSTALLED_APPS.append("asndigital.demo")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "asndigital.core.middleware.NoStoreMiddleware",
    "asndigital.core.middleware.ApiJsonErrorsMiddleware",
    "asndigital.core.middleware.IndonesianFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "asndigital.core.middleware.RefuseNulMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "asndigital.core.middleware.SessionPolicyMiddleware",
    "asndigital.accounts.known_browser.KnownBrowserMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "asndigital.core.middleware.SecurityHeadersMiddleware",
]

ROOT_URLCONF = "asndigital.urls"
WSGI_APPLICATION = "asndigital.wsgi.application"
ASGI_APPLICATION = "asndigital.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "asndigital" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "asndigital.core.context_processors.site",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# SQLite under var/ is the embedded default; production uses PostgreSQL via DATABASE_URL.
DATABASE_URL = env_secret("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers work during a write; IMMEDIATE avoids "database is locked" upgrades.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["TEST"] = {"NAME": env("TEST_SQLITE_NAME", "") or None}
else:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (throttles, shared state): database by default, Redis when REDIS_URL is set --------
REDIS_URL = env_secret("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
    # Sessions read from Redis and are kept in the database too (they survive a Redis restart).
    SESSION_ENGINE = "asndigital.core.sessions.cached_db"
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "asn_cache",
            # Django culls a third of the table beyond 300 entries by default: anyone could
            # then wipe the sign-in counters by filling the cache with new keys.
            "OPTIONS": {"MAX_ENTRIES": env_int("ASN_CACHE_MAX_ENTRIES", 1_000_000)},
        }
    }

# --- Identity ---------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:landing"

# Argon2id with explicit parameters (OWASP minimum: 19 MiB, 2 iterations, parallelism 1).
ARGON2_MEMORY_COST_KIB = env_int("ARGON2_MEMORY_COST_KIB", 19 * 1024)
ARGON2_TIME_COST = env_int("ARGON2_TIME_COST", 2)
ARGON2_PARALLELISM = env_int("ARGON2_PARALLELISM", 1)
PASSWORD_HASHERS = [
    "asndigital.accounts.hashers.ConfiguredArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if ASN_ENV == "test" and not env_bool("TEST_REAL_HASHER", False):
    # Tests create many users; a real Argon2 hash per user would dominate the suite's time.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]

# The password policy (docs/authentication.md): length and a blocklist, composition optional.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "asndigital.accounts.password_policy.LengthValidator"},
    {"NAME": "asndigital.accounts.password_policy.BlocklistValidator"},
    {"NAME": "asndigital.accounts.password_policy.PersonalInfoValidator"},
    {"NAME": "asndigital.accounts.password_policy.CharacterClassesValidator"},
]
ASN_PASSWORD_MIN_LENGTH = env_int("ASN_PASSWORD_MIN_LENGTH", 12)
ASN_PASSWORD_MAX_LENGTH = env_int("ASN_PASSWORD_MAX_LENGTH", 128)
ASN_PASSWORD_REQUIRE_CLASSES = env_bool("ASN_PASSWORD_REQUIRE_CLASSES", False)

if not REDIS_URL:
    # Django's database sessions, each written once per request (asndigital/core/sessions).
    SESSION_ENGINE = "asndigital.core.sessions"
SESSION_COOKIE_AGE = env_int("SESSION_ABSOLUTE_SECONDS", 24 * 3600)  # at most, from sign-in
ASN_SESSION_IDLE_SECONDS = env_int("SESSION_IDLE_SECONDS", 3600)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# --- Internationalisation: Bahasa Indonesia first, English on request -------------------------
LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Bahasa Indonesia")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "asndigital" / "locale"]
TIME_ZONE = env("TIME_ZONE", "Asia/Jakarta")
USE_I18N = True
USE_TZ = True

# --- Static and media -------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "asndigital" / "static"]
# Documents: local files under var/files (default), or S3-compatible object storage
# (Ceph RGW, MinIO, AWS) through django-storages with ASN_STORAGE=s3.
ASN_STORAGE = env("ASN_STORAGE", "local")
if ASN_STORAGE not in ("local", "s3"):
    raise ImproperlyConfigured("ASN_STORAGE must be local or s3.")
ASN_UPLOAD_TMP = env("ASN_UPLOAD_TMP", tempfile.gettempdir())
# A file the upload page sent back (a field to fix, a confirmation to give) is held this long
# for the retry, then removed (documents/pending.py, by cleanup_uploads).
ASN_PENDING_UPLOAD_MINUTES = env_int("ASN_PENDING_UPLOAD_MINUTES", 60)
# The bucket has S3 Object Lock: legal holds are mirrored onto objects, and only the
# destruction workflow lifts them and bypasses governance retention.
ASN_S3_OBJECT_LOCK = env_bool("ASN_S3_OBJECT_LOCK", False)
if ASN_STORAGE == "s3":
    if not env("ASN_S3_BUCKET"):
        raise ImproperlyConfigured("ASN_STORAGE=s3 needs ASN_S3_BUCKET.")
    DOCUMENT_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env("ASN_S3_BUCKET"),
            "endpoint_url": env("ASN_S3_ENDPOINT_URL") or None,
            "region_name": env("ASN_S3_REGION") or None,
            "access_key": env_secret("ASN_S3_ACCESS_KEY"),
            "secret_key": env_secret("ASN_S3_SECRET_KEY"),
            "addressing_style": env("ASN_S3_ADDRESSING_STYLE", "path"),
            "default_acl": None,  # private: every read goes through a permission-checked view
            "querystring_auth": True,
            "file_overwrite": False,  # keys are fresh UUIDs; never replace an original
        },
    }
else:
    DOCUMENT_STORAGE = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": VAR_DIR / "files"},
    }
STORAGES = {
    "default": DOCUMENT_STORAGE,
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if IS_PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not IS_PRODUCTION

# --- E-mail -----------------------------------------------------------------------------------
EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if IS_PRODUCTION
    else "asndigital.core.mail_backend.EmlFileBackend",
)
EMAIL_FILE_PATH = VAR_DIR / "mail"
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_secret("EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "ASN Digital <no-reply@asndigital.invalid>")
EMAIL_USE_LOCALTIME = True  # Date: with the site's zone (+0700), not "-0000"

# --- Background tasks (e-mail, later thumbnails and fixity): `manage.py db_worker` runs them ---
TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks.backends.immediate.ImmediateBackend"
            if ASN_ENV == "test"
            else "django_tasks_db.backend.DatabaseBackend"
        )
    }
}

# --- The schedule (`manage.py run_schedule`, docs/deployment.md) --------------------------------
# Minutes between two runs of each periodic job; 0 turns a job off. Each runs once as soon as
# the scheduler first starts, then at most once per interval however many schedulers run.
SCHEDULE_DEFAULT_MINUTES = {
    "refresh_dashboards": 10,
    "audit_checkpoint": 60,
    "audit_partitions": 24 * 60,
    "verify_audit": 24 * 60,
    "fixity_sample": 24 * 60,
    "fixity_full": 30 * 24 * 60,
    "destruction_eligible": 7 * 24 * 60,
    "cleanup_uploads": 60,
    "cleanup_expired": 24 * 60,
    "mirror_legal_holds": 24 * 60,
    "revalidate_signatures": 24 * 60,
    "clear_expired_tokens": 24 * 60,
}
ASN_SCHEDULE_MINUTES = {
    name: env_int(f"ASN_SCHEDULE_{name.upper()}_MINUTES", minutes)
    for name, minutes in SCHEDULE_DEFAULT_MINUTES.items()
}
for _name, _minutes in ASN_SCHEDULE_MINUTES.items():
    if _minutes < 0:
        raise ImproperlyConfigured(
            f"ASN_SCHEDULE_{_name.upper()}_MINUTES must be 0 (off) or a number of minutes."
        )
# Files re-hashed by each scheduled fixity sample.
ASN_FIXITY_SAMPLE_SIZE = env_int("ASN_FIXITY_SAMPLE_SIZE", 1000)
# Temporary uploads and stored files without a version row older than this are removed.
ASN_CLEANUP_UPLOADS_MIN_AGE_MINUTES = env_int("ASN_CLEANUP_UPLOADS_MIN_AGE_MINUTES", 60)
# Finished background tasks (their arguments include e-mails' contents) are kept this long.
ASN_TASK_RESULTS_KEEP_DAYS = env_int("ASN_TASK_RESULTS_KEEP_DAYS", 7)
if ASN_FIXITY_SAMPLE_SIZE < 1 or ASN_CLEANUP_UPLOADS_MIN_AGE_MINUTES < 1:
    raise ImproperlyConfigured(
        "ASN_FIXITY_SAMPLE_SIZE and ASN_CLEANUP_UPLOADS_MIN_AGE_MINUTES must be at least 1."
    )
if ASN_TASK_RESULTS_KEEP_DAYS < 0:
    raise ImproperlyConfigured("ASN_TASK_RESULTS_KEEP_DAYS must be 0 or more days.")

# --- Security headers -------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if IS_PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    if env_bool("TRUST_X_FORWARDED_PROTO", False):
        # Only behind a proxy that always sets this header itself (docs/deployment.md).
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_NAME = "__Host-asn_session"
    CSRF_COOKIE_NAME = "__Host-asn_csrf"
# The known-browser cookie of sign-in (accounts/known_browser.py): Secure like the session's.
ASN_KNOWN_BROWSER_COOKIE = "__Host-asn_known" if IS_PRODUCTION else "asn_known"
# W021 asks for HSTS preload. Preloading is a commitment browsers ship for months and that covers
# every subdomain of the (government) domain, which is the domain owner's decision, not this
# application's: it is off unless SECURE_HSTS_PRELOAD=1, and then the check runs again.
SILENCED_SYSTEM_CHECKS = [] if env_bool("SECURE_HSTS_PRELOAD", False) else ["security.W021"]
# W040: SQLite has no index with non-key columns; the report's covering index (documents,
# INCLUDE status) is then a plain index of its key columns there, which is all SQLite needs.
SILENCED_SYSTEM_CHECKS.append("models.W040")

# --- Multi-factor authentication ------------------------------------------------------------
# Keys that encrypt authenticator secrets at rest: "id:base64key,..." (first one encrypts).
ASN_SECRETS_KEYS = env_secret("ASN_SECRETS_KEYS") or ""
if IS_PRODUCTION and not ASN_SECRETS_KEYS:
    raise ImproperlyConfigured(
        "Production needs ASN_SECRETS_KEYS (or ASN_SECRETS_KEYS_FILE) to encrypt MFA secrets."
    )
# Signs audit-trail checkpoints (Ed25519 seed, 32 bytes base64); see docs/records.md.
ASN_AUDIT_SIGNING_KEY = env_secret("ASN_AUDIT_SIGNING_KEY") or ""
if IS_PRODUCTION and not ASN_AUDIT_SIGNING_KEY:
    raise ImproperlyConfigured(
        "Production needs ASN_AUDIT_SIGNING_KEY (or ASN_AUDIT_SIGNING_KEY_FILE) to sign the "
        "audit trail's checkpoints."
    )
# PostgreSQL connections that verify the trail's slices in parallel (verify_audit).
ASN_AUDIT_VERIFY_WORKERS = max(1, env_int("ASN_AUDIT_VERIFY_WORKERS", 2))
# Signed checkpoints are also appended here, outside the database, and verify_audit reads them
# by default (docs/integrity.md). Empty: not kept (the tests' default; they set their own).
ASN_AUDIT_CHECKPOINT_FILE = env(
    "ASN_AUDIT_CHECKPOINT_FILE",
    "" if ASN_ENV == "test" else str(VAR_DIR / "audit" / "checkpoints.jsonl"),
)
# A checkpoint is signed after sealing when the last one is older than this (seconds).
ASN_AUDIT_CHECKPOINT_SECONDS = env_int("ASN_AUDIT_CHECKPOINT_SECONDS", 300)
# On S3 with Object Lock, each checkpoint object is locked (compliance mode) this many days.
ASN_AUDIT_CHECKPOINT_RETENTION_DAYS = env_int("ASN_AUDIT_CHECKPOINT_RETENTION_DAYS", 3650)
ASN_MFA_ISSUER = env("ASN_MFA_ISSUER", "ASN Digital")
ASN_MFA_LOCK_AFTER = env_int("ASN_MFA_LOCK_AFTER", 100)  # consecutive wrong codes
ASN_LOGIN_PENDING_SECONDS = env_int("ASN_LOGIN_PENDING_SECONDS", 600)  # password done, code not yet
# Passkeys (WebAuthn), docs/authentication.md. The RP id is the site's domain (never an IP
# address: browsers refuse one); the origins are the exact https URLs people use. Outside
# production an empty ASN_WEBAUTHN_ORIGINS accepts the RP id's host on any port (http or https),
# so `make run` (http://localhost:8000) and pytest's live server (a random port) work.
ASN_WEBAUTHN_RP_ID = env("ASN_WEBAUTHN_RP_ID", "" if IS_PRODUCTION else "localhost")
ASN_WEBAUTHN_RP_NAME = env("ASN_WEBAUTHN_RP_NAME", "ASN Digital")
ASN_WEBAUTHN_ORIGINS = env_list("ASN_WEBAUTHN_ORIGINS", [])
ASN_WEBAUTHN_CHALLENGE_SECONDS = env_int("ASN_WEBAUTHN_CHALLENGE_SECONDS", 300)
if IS_PRODUCTION:
    if not ASN_WEBAUTHN_RP_ID or not ASN_WEBAUTHN_ORIGINS:
        raise ImproperlyConfigured(
            "Production needs ASN_WEBAUTHN_RP_ID (the site's domain) and ASN_WEBAUTHN_ORIGINS "
            "(its https origins) for passkeys."
        )
    for _origin in ASN_WEBAUTHN_ORIGINS:
        _host = _origin.removeprefix("https://").split(":")[0]
        if not _origin.startswith("https://") or not (
            _host == ASN_WEBAUTHN_RP_ID or _host.endswith("." + ASN_WEBAUTHN_RP_ID)
        ):
            raise ImproperlyConfigured(
                f"ASN_WEBAUTHN_ORIGINS: {_origin!r} must be https:// on ASN_WEBAUTHN_RP_ID "
                "or one of its subdomains."
            )
# Roles (codes, comma-separated) that must sign in with a passkey: TOTP alone no longer does.
ASN_PASSKEY_REQUIRED_ROLES = frozenset(
    env_list("ASN_PASSKEY_REQUIRED_ROLES", ["bkn_admin", "agency_admin"] if IS_PRODUCTION else [])
)
# Throttles: free failures before waits start, then waits double up to the cap (seconds).
ASN_THROTTLE_ACCOUNT_FREE = env_int("ASN_THROTTLE_ACCOUNT_FREE", 5)
ASN_THROTTLE_IP_FREE = env_int("ASN_THROTTLE_IP_FREE", 50)  # offices share one address (NAT)
ASN_THROTTLE_MAX_WAIT = env_int("ASN_THROTTLE_MAX_WAIT", 900)
ASN_THROTTLE_CODE_FREE = env_int("ASN_THROTTLE_CODE_FREE", 5)
# Sign-in's password step (docs/authentication.md, "Throttling"): wrong passwords on an account
# from browsers it does not know, before the captcha and before a refusal (NIST: at most 100),
# kept this many days after the last; distinct accounts failing from one address before its
# unknown browsers need the captcha; the known-browser cookie's life, its own failures before it
# is no longer trusted, and how many accounts one browser can be known for.
ASN_THROTTLE_CAPTCHA_AFTER = env_int("ASN_THROTTLE_CAPTCHA_AFTER", 5)
ASN_THROTTLE_ACCOUNT_LIMIT = env_int("ASN_THROTTLE_ACCOUNT_LIMIT", 100)
ASN_THROTTLE_ACCOUNT_KEEP_DAYS = env_int("ASN_THROTTLE_ACCOUNT_KEEP_DAYS", 90)
ASN_THROTTLE_ADDRESS_ACCOUNTS = env_int("ASN_THROTTLE_ADDRESS_ACCOUNTS", 20)
ASN_THROTTLE_KNOWN_BROWSER_DAYS = env_int("ASN_THROTTLE_KNOWN_BROWSER_DAYS", 90)
ASN_THROTTLE_KNOWN_BROWSER_FAILURES = env_int("ASN_THROTTLE_KNOWN_BROWSER_FAILURES", 10)
ASN_THROTTLE_KNOWN_BROWSER_ACCOUNTS = env_int("ASN_THROTTLE_KNOWN_BROWSER_ACCOUNTS", 5)
# API: requests per minute per token or person.
ASN_API_RATE = env_int("ASN_API_RATE", 600)
# Public verification page: unknown codes, and uploaded copies compared, per address.
ASN_VERIFY_FREE_MISSES = env_int("ASN_VERIFY_FREE_MISSES", 20)
ASN_VERIFY_FREE_COPIES = env_int("ASN_VERIFY_FREE_COPIES", 50)
# Electronic signatures (TTE, PAdES) in uploaded PDFs (docs/documents.md): the trusted roots (a
# PEM bundle or a directory of PEM files; nothing trusted when empty), whether revocation data
# may be fetched from the network (off: only what the file carries), and how many days before a
# signer's certificate expires its signatures are checked again (revalidate_signatures).
ASN_SIGNATURE_TRUST_ROOTS = env("ASN_SIGNATURE_TRUST_ROOTS", "")
ASN_SIGNATURE_FETCH_REVOCATION = env_bool("ASN_SIGNATURE_FETCH_REVOCATION", False)
ASN_SIGNATURE_REVALIDATE_DAYS = env_int("ASN_SIGNATURE_REVALIDATE_DAYS", 30)
# The archive's own signing key and certificate (PEM paths) for its records (berita acara):
# empty means unsigned records; `make run` generates a development pair under var/signing/.
ASN_RECORDS_SIGNING_KEY = env("ASN_RECORDS_SIGNING_KEY", "")
ASN_RECORDS_SIGNING_CERT = env("ASN_RECORDS_SIGNING_CERT", "")
# The verifier's queue: how long opening a document keeps it for one verifier (renewed while
# the page is open), so that two verifiers never decide the same document at once.
ASN_QUEUE_CLAIM_MINUTES = env_int("ASN_QUEUE_CLAIM_MINUTES", 10)
# Behind a proxy that appends the client address to X-Forwarded-For (docs/deployment.md).
ASN_TRUST_X_FORWARDED_FOR = env_bool("TRUST_X_FORWARDED_FOR", False)

# --- Single sign-on: ASN Digital as an OpenID Connect provider ("BKN Login"), docs/sso.md ----
# The ID tokens' signing key (RSA, PEM) and the previous keys still published in the JWKS while
# applications' caches expire (rotation: docs/sso.md). Outside production a development key
# shipped in the repository is used; production refuses it.
DEV_OIDC_SIGNING_KEY_FILE = BASE_DIR / "asndigital" / "sso" / "dev-signing-key.pem"
ASN_OIDC_SIGNING_KEY = env_secret("ASN_OIDC_SIGNING_KEY") or ""
ASN_OIDC_PREVIOUS_KEYS = [
    k.strip() + "\n-----END PRIVATE KEY-----\n"
    for k in (env_secret("ASN_OIDC_PREVIOUS_KEYS") or "").split("-----END PRIVATE KEY-----")
    if k.strip()
]
_DEV_OIDC_KEY = DEV_OIDC_SIGNING_KEY_FILE.read_text()
if IS_PRODUCTION and (
    not ASN_OIDC_SIGNING_KEY or ASN_OIDC_SIGNING_KEY.strip() == _DEV_OIDC_KEY.strip()
):
    raise ImproperlyConfigured(
        "Production needs its own ASN_OIDC_SIGNING_KEY (or ASN_OIDC_SIGNING_KEY_FILE), an RSA "
        "private key in PEM; the development key is refused."
    )
ASN_OIDC_SIGNING_KEY = ASN_OIDC_SIGNING_KEY or _DEV_OIDC_KEY
# The issuer (the site's https origin, e.g. https://asndigital.example.go.id). Empty: taken from
# each request's host; back-channel logout (sent by a background task) then cannot be sent.
ASN_OIDC_ISSUER = env("ASN_OIDC_ISSUER", "")
# Token endpoint: requests per minute per client address before 429.
ASN_OIDC_TOKEN_RATE = env_int("ASN_OIDC_TOKEN_RATE", 120)
OAUTH2_PROVIDER_APPLICATION_MODEL = (
    "oauth2_provider.Application"  # asndigital.sso.models refers to it
)
OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_ISS_ENDPOINT": ASN_OIDC_ISSUER,
    "OIDC_RSA_PRIVATE_KEY": ASN_OIDC_SIGNING_KEY,
    "OIDC_RSA_PRIVATE_KEYS_INACTIVE": ASN_OIDC_PREVIOUS_KEYS,
    "OIDC_RESPONSE_TYPES_SUPPORTED": ["code"],  # no implicit or hybrid flow
    "OIDC_RP_INITIATED_LOGOUT_ENABLED": True,
    "OIDC_RP_INITIATED_LOGOUT_ALWAYS_PROMPT": True,
    "OIDC_RP_INITIATED_LOGOUT_STRICT_REDIRECT_URIS": True,
    "OIDC_RP_INITIATED_LOGOUT_ACCEPT_EXPIRED_TOKENS": False,
    "OAUTH2_VALIDATOR_CLASS": "asndigital.sso.validators.ASNValidator",
    "SCOPES_BACKEND_CLASS": "asndigital.sso.scopes.ASNScopes",
    "SCOPES": {},  # ASNScopes names them (translated)
    "DEFAULT_SCOPES": ["openid"],
    "PKCE_REQUIRED": True,
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": env_int("ASN_OIDC_CODE_SECONDS", 60),
    "ACCESS_TOKEN_EXPIRE_SECONDS": env_int("ASN_OIDC_ACCESS_TOKEN_SECONDS", 600),
    "ID_TOKEN_EXPIRE_SECONDS": env_int("ASN_OIDC_ID_TOKEN_SECONDS", 600),
    "REFRESH_TOKEN_EXPIRE_SECONDS": env_int("ASN_OIDC_REFRESH_TOKEN_SECONDS", 8 * 3600),
    "ROTATE_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "REQUEST_APPROVAL_PROMPT": "auto",  # consent is asked once per application and scopes
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"] if IS_PRODUCTION else ["http", "https"],
    "ALLOW_URI_WILDCARDS": False,
    # RFC 9700 (OAuth 2.0 security best current practice), all enforced: no implicit or
    # password grant, S256 only, tokens stored hashed, RFC 9207 `iss` in the response.
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_SCHEME": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_MATCHING": True,
    "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
}

# --- Captcha (proof of work, self-hosted): ADR 0005 ------------------------------------------
ALTCHA_HMAC_KEY = (
    env_secret("ALTCHA_HMAC_KEY")
    or salted_hmac("altcha", "hmac-key", secret=SECRET_KEY).hexdigest()
)
ALTCHA_CHALLENGE_EXPIRE = env_int("ALTCHA_CHALLENGE_EXPIRE_MS", 20 * 60 * 1000)
ASN_CAPTCHA_MAX_NUMBER = env_int("ASN_CAPTCHA_MAX_NUMBER", 200_000)

# --- Application settings ---------------------------------------------------------------------
ASN_SITE_NAME = env("ASN_SITE_NAME", "ASN Digital")
ASN_IMPORT_BATCH_SIZE = env_int("ASN_IMPORT_BATCH_SIZE", 2000)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},  # a line per table each time a PDF's font is subset
        "pikepdf": {"level": "WARNING"},  # a line at every start ("logger bridge initialized")
    },
}
