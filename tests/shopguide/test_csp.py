"""Content-Security-Policy: the header on storefront pages, the API and the admin, and markup that needs no relaxation.

The browser side (htmx swaps under the policy with no violation reported) is tests/e2e/test_csp.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

from tests.factories import ProductFactory, UserFactory

pytestmark = pytest.mark.django_db

EXPECTED = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
}
ROOT = Path(settings.BASE_DIR)


def policy(response) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy")
    assert header, f"no Content-Security-Policy on {response.wsgi_request.path}"
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def assert_strict(response) -> None:
    directives = policy(response)
    for name, values in EXPECTED.items():
        assert directives.get(name) == values, (name, directives.get(name))
    flat = " ".join(v for values in directives.values() for v in values)
    assert "'unsafe-inline'" not in flat and "'unsafe-eval'" not in flat and "nonce-" not in flat


def test_storefront_pages_carry_the_strict_policy(client):
    product = ProductFactory()
    for path in ["/", "/search?q=boots", f"/p/{product.pk}/", "/assistant/", "/account/login/", "/cart/"]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert_strict(response)


def test_htmx_partials_and_the_api_carry_it_too(client):
    assert_strict(client.get("/search?q=boots", headers={"HX-Request": "true"}))
    response = client.get("/api/v1/products")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert_strict(response)
    assert_strict(client.get("/api/v1/nope"))  # errors as well


def test_the_admin_works_under_the_same_policy_without_relaxation(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    for path in ["/admin/", "/admin/catalog/product/", "/admin/recommend/operationrun/", "/admin/login/"]:
        response = client.get(path, follow=True)
        assert response.status_code == 200, path
        assert_strict(response)


def test_the_api_docs_load_their_script_from_a_url_not_inline(client):
    response = client.get("/api/docs/")
    html = response.content.decode()
    assert_strict(response)
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == [], "an inline <script> in the API docs"


def test_the_page_configures_htmx_for_the_policy_and_styles_its_indicators(client):
    html = client.get("/").content.decode()
    config = re.search(r"<meta name=\"htmx-config\" content='([^']*)'>", html)
    assert config and '"includeIndicatorStyles": false' in config.group(1) and '"allowEval": false' in config.group(1)
    css = (ROOT / "static" / "shopguide.css").read_text()
    assert ".htmx-indicator { opacity: 0; visibility: hidden; }" in css


# --- Markup audit: nothing the policy would block, in our templates and scripts ----------------------------

INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I), "inline <script>"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "inline event handler"),
    (re.compile(r"\shx-on[:-]", re.I), "hx-on (evaluated with eval)"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
    (re.compile(r"\sstyle\s*=", re.I), "style attribute"),
    (re.compile(r"<style", re.I), "<style> block"),
    (re.compile(r"hx-(vals|vars)=['\"]\s*js:", re.I), "js: value (eval)"),
    (re.compile(r"hx-trigger=\"[^\"]*\[", re.I), "hx-trigger filter (eval)"),
]
EVAL = re.compile(r"\beval\(|new Function\(|set(Timeout|Interval)\(\s*['\"]|\.setAttribute\(\s*['\"]style|innerHTML")


def test_templates_have_no_inline_code_or_styles():
    problems = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        text = path.read_text()
        for pattern, what in INLINE:
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                problems.append(f"{path.relative_to(ROOT)}:{line}: {what}")
    assert problems == []


def test_our_scripts_evaluate_no_strings():
    problems = [
        f"{path.name}: {match.group(0)}"
        for path in sorted((ROOT / "static").glob("*.js"))
        for match in EVAL.finditer(path.read_text())
    ]
    assert problems == []
