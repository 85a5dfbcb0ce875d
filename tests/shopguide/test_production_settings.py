"""shopguide.settings_production: passes `check --deploy` with no warnings, refuses unsafe configuration,
and gunicorn serves with it (HTTPS redirect, HSTS, secure cookies, CSP, hashed static files from whitenoise)."""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.db import connection

MANAGE = Path(settings.BASE_DIR) / "manage.py"
GUNICORN = Path(sys.executable).parent / "gunicorn"
# A ceiling for a fresh process to import Django and the project on 2 shared CPUs, not a timing under test.
START_CEILING_S = 90


def production_env(**overrides: str | None) -> dict[str, str]:
    """What an operator sets (README "Serving in production"); the database and Redis are this test run's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SECURE_", "SECRET_KEY", "DEBUG"))}
    env.update(
        DJANGO_SETTINGS_MODULE="shopguide.settings_production",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="shop.example.com",
        SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO=https",
        SECURE_HSTS_SECONDS="63072000",
    )
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(MANAGE), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=START_CEILING_S * 2,
        cwd=settings.BASE_DIR,
    )


def test_deploy_check_passes_with_no_warnings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"SECRET_KEY": None}, "SECRET_KEY must be set in production"),
        ({"SECRET_KEY": "too-short-0123456789"}, "SECRET_KEY is too short or too simple (20 characters)"),
        ({"SECRET_KEY": "a" * 60}, "SECRET_KEY is too short or too simple"),
        ({"SECRET_KEY": "dev-only-insecure-key-change-me"}, "SECRET_KEY is the development key"),
        ({"DEBUG": "true"}, "DEBUG must be off in production"),
        ({"ALLOWED_HOSTS": None}, "ALLOWED_HOSTS must list the site's host names"),
        (
            {"SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto"},
            "SECURE_PROXY_SSL_HEADER='X-Forwarded-Proto' must look like",
        ),
        ({"SECURE_HSTS_SECONDS": "a year"}, "SECURE_HSTS_SECONDS"),
    ],
)
def test_unsafe_configuration_stops_the_process_naming_the_variable(overrides, message):
    result = manage("check", env=production_env(**overrides))
    assert result.returncode != 0
    assert message in result.stderr


def test_the_development_defaults_still_pass_the_plain_check():
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "DJANGO_SETTINGS_MODULE"}}
    result = manage("check", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _get(url: str, headers: dict[str, str]) -> tuple[int, dict[str, str], str, list[str]]:
    opener = urllib.request.build_opener(_NoRedirect)
    request = urllib.request.Request(url, headers=headers)
    try:
        with opener.open(request, timeout=60) as response:
            return (
                response.status,
                dict(response.headers),
                response.read().decode(),
                response.headers.get_all("Set-Cookie") or [],
            )
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode(), error.headers.get_all("Set-Cookie") or []


@pytest.mark.slow
def test_gunicorn_serves_the_storefront_over_https_only_with_collected_static_files(db, tmp_path):
    # The storefront reads this run's test database (its tables are committed; this test writes nothing).
    url = urlsplit(os.environ["DATABASE_URL"])
    database_url = urlunsplit(url._replace(path="/" + connection.settings_dict["NAME"]))
    env = production_env(DATABASE_URL=database_url, STATIC_ROOT=str(tmp_path / "static"), WEB_CONCURRENCY="1")
    collected = manage("collectstatic", "--noinput", env=env)
    assert collected.returncode == 0, collected.stderr
    assert list((tmp_path / "static").glob("shopguide.*.css")), "hashed copies of the stylesheet"

    port = _free_port()
    server = subprocess.Popen(
        [str(GUNICORN), "-c", "shopguide/gunicorn.conf.py", "--bind", f"127.0.0.1:{port}"],
        env=env,
        cwd=settings.BASE_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + START_CEILING_S
        while True:
            assert server.poll() is None, server.stdout.read()
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not start listening"
                time.sleep(0.2)
        base = f"http://127.0.0.1:{port}"
        host = {"Host": "shop.example.com"}

        # Plain HTTP from the proxy: redirected to HTTPS.
        status, headers, _, _ = _get(base + "/", host)
        assert status == 301 and headers["Location"] == "https://shop.example.com/"

        # HTTPS (the proxy says so): the page, with HSTS, the CSP and cookies that never travel in clear.
        status, headers, body, cookies = _get(base + "/", {**host, "X-Forwarded-Proto": "https"})
        assert status == 200, body[:2000]
        assert headers["Strict-Transport-Security"] == "max-age=63072000; includeSubDomains; preload"
        # django-csp does not keep the directives in one order from run to run: read them by name.
        directives = dict(
            (part.split()[0], part.split()[1:])
            for part in headers["Content-Security-Policy"].split(";")
            if part.strip()
        )
        assert directives["script-src"] == ["'self'"] and directives["style-src"] == ["'self'"]
        assert headers["X-Content-Type-Options"] == "nosniff"
        csrf_cookie = next(c for c in cookies if c.startswith("csrftoken="))
        assert "Secure" in csrf_cookie and "HttpOnly" in csrf_cookie

        # The page links the hashed stylesheet, which whitenoise serves compressed and cacheable forever.
        stylesheet = re.search(r'href="(/static/shopguide\.[0-9a-f]{12}\.css)"', body)
        assert stylesheet, "the page links the collected, hashed stylesheet"
        status, headers, css, _ = _get(
            base + stylesheet.group(1), {**host, "X-Forwarded-Proto": "https", "Accept-Encoding": "identity"}
        )
        assert status == 200 and ".htmx-indicator" in css
        assert headers["Content-Type"].startswith("text/css")
        assert "immutable" in headers["Cache-Control"]

        # A host that is not ours is refused.
        status, _, _, _ = _get(base + "/", {"Host": "evil.example.net", "X-Forwarded-Proto": "https"})
        assert status == 400

        # A request line gunicorn cannot read (over 8,190 bytes) is refused in JSON like the app's own errors
        # (issue 16: a 10,000-character query got gunicorn's HTML 414), and the server goes on serving.
        status, headers, body, _ = _get(
            base + "/api/v1/search?q=" + "a" * 10_000, {**host, "X-Forwarded-Proto": "https"}
        )
        assert status == 414 and headers["Content-Type"] == "application/json"
        assert json.loads(body)["code"] == "uri_too_long"
        status, _, _, _ = _get(base + "/api/v1/categories", {**host, "X-Forwarded-Proto": "https"})
        assert status == 200
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
