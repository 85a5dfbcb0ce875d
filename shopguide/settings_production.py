"""Production settings: the base settings behind HTTPS, passing ``manage.py check --deploy`` with no warnings.

Use with ``DJANGO_SETTINGS_MODULE=shopguide.settings_production`` (README "Serving in production").
Nothing here has a silent fallback: a missing or weak SECRET_KEY, DEBUG on, no ALLOWED_HOSTS or a malformed
SECURE_PROXY_SSL_HEADER stop the process at start.
"""

from __future__ import annotations

import os

import environ

from shopguide.settings import *  # noqa: F403
from shopguide.settings import REST_FRAMEWORK, env

DEV_SECRET_KEY = "dev-only-insecure-key-change-me"
MIN_SECRET_KEY_LENGTH = 50  # what Django's deploy check asks for (security.W009)


def _secret_key() -> str:
    key = os.environ.get("SECRET_KEY", "")
    if not key:
        raise environ.ImproperlyConfigured(
            "SECRET_KEY must be set in production, e.g. python -c 'import secrets; print(secrets.token_urlsafe(64))'"
        )
    if key == DEV_SECRET_KEY or key.startswith("django-insecure-"):
        raise environ.ImproperlyConfigured("SECRET_KEY is the development key: generate a new one for production")
    if len(key) < MIN_SECRET_KEY_LENGTH or len(set(key)) < 5:
        raise environ.ImproperlyConfigured(
            f"SECRET_KEY is too short or too simple ({len(key)} characters): use at least "
            f"{MIN_SECRET_KEY_LENGTH} random characters"
        )
    return key


def _proxy_ssl_header() -> tuple[str, str] | None:
    """``HTTP_X_FORWARDED_PROTO=https``: the header the TLS-terminating proxy sets (and always overwrites)."""
    raw = env.str("SECURE_PROXY_SSL_HEADER", default="").strip()
    if not raw:
        return None
    name, sep, value = raw.partition("=")
    name, value = name.strip(), value.strip()
    if not sep or not name.startswith("HTTP_") or not value:
        raise environ.ImproperlyConfigured(
            f"SECURE_PROXY_SSL_HEADER={raw!r} must look like HTTP_X_FORWARDED_PROTO=https"
        )
    return name, value


if env.bool("DEBUG", default=False):
    raise environ.ImproperlyConfigured("DEBUG must be off in production (unset DEBUG)")
DEBUG = False
SECRET_KEY = _secret_key()
if not os.environ.get("ALLOWED_HOSTS"):
    raise environ.ImproperlyConfigured("ALLOWED_HOSTS must list the site's host names, e.g. shop.example.com")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
# Origins whose HTTPS forms may post here when they differ from the host (e.g. https://shop.example.com).
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# --- HTTPS
SECURE_PROXY_SSL_HEADER = _proxy_ssl_header()
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# Load balancers probe the health check over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- Cookies: HTTPS only; scripts never read them (the CSRF token travels in the page, hx-headers on <body>).
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"

# --- Static files: collected once (collectstatic), served by whitenoise compressed, with hashed names cached forever.
WHITENOISE_USE_FINDERS = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- API: JSON only (the browsable API is a development aid and needs inline styles the policy forbids).
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]}
